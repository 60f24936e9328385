"""The whole test bed in one process: simulators, integration core, outbox worker, one clock.

`Testbed` builds both apps from ONE `TestbedConfig`:

- the simulator (`simulators.create_app`, with its behaviour over time);
- the integration core (`integration.core.Core`) whose config gets the simulator's very
  `VirtualClock`, the simulator's URL as Serviceplatformen, and per-municipality rules
  read from the simulator's tenant registry (text limit, payment page URL);
- every municipality's FBS callback URL, pointing at the core's receiver, registered in
  the simulator's configuration (so it survives an admin reset).

Both servers listen on loopback (given ports, or 0 for free ones). Each listens through
a `Slot`, a WSGI holder whose app can be swapped: `renew()` builds a fresh simulator and
core (new SQLite files, fresh clock) behind the same two ports, which is how the scenario
suite isolates scenarios in ~tens of milliseconds instead of starting servers each time.

`debitorsim up` runs the outbox worker and the clock driver in background threads;
tests call `drain()` after moving the clock instead, and never sleep.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from integration.config import CoreConfig, MunicipalityRules, OutboxSettings
from integration.core import Core
from integration.outbox.worker import RoundResult
from integration.settings import DB_FILE
from integration.web.app import create_app as create_core_app
from oeir.certs import CertDir
from oeir.services import DAEKNING_AFSKRIVNING
from simulators.app import create_app as create_sim_app
from simulators.app import simulator_of
from simulators.clock import ClockMode, VirtualClock
from simulators.config import SimConfig
from simulators.engine import Simulator
from wsgiserve import ServerThread

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

CALLBACK_PATH = DAEKNING_AFSKRIVNING.path
SIM_DB = SimConfig().database_path.name
"""The simulator's SQLite file in the data dir."""
CORE_DB = DB_FILE
"""The core's SQLite file in the data dir."""
PAYMENT_PAGES = "/betaling"


def callback_overrides(
    core_url: str, tenants: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """Simulator tenant overrides that send every municipality's callbacks to the core.

    `tenants` (system/profile overrides) are kept; the callback URL is the core's receiver
    (``{core_url}/service/OIR/DaekningAfskrivningRegistreringAfsend/1``), not its base URL.
    """
    tenants = tenants or {}
    url = f"{core_url.rstrip('/')}{CALLBACK_PATH}"
    return {
        kode: {**dict(tenants.get(kode, {})), "callback_url": url} for kode in _all_kommunekoder()
    }


class Slot:
    """A WSGI app holder: the server keeps its port while the app behind it is swapped."""

    def __init__(self, app: WsgiApp | None = None) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        app = self.app
        if app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"not started"]
        return app(environ, start_response)


def unavailable_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """What a debtor system that is down answers: HTTP 503 to everything."""
    start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8")])
    return ["Debitorsystemet er ikke tilgængeligt".encode()]


@dataclass(frozen=True, kw_only=True)
class TestbedConfig:
    """One configuration for the whole test bed.

    - `data_dir`: the simulator's and the core's SQLite files live here.
    - `database_url`: a ``postgresql://`` URL puts both stores on PostgreSQL instead
      (as ``DEBITORSIM_DATABASE_URL`` does for `debitorsim sim` and `core`).
    - `sim_port`, `core_port`: 0 picks a free loopback port.
    - `sim_url`: a real debtor test endpoint (Serviceplatformen base URL); then no
      simulator is started and the core sends there.
    - `clock_*`: the shared virtual clock for a fresh data dir (a saved one keeps its own
      time when `persist_clock`); `persist_clock=False` gives every `renew()` a fresh clock.
    - `tenants`: the simulator's per-municipality overrides (``system``, ``profile``).
    - `rules`: the core's per-municipality rules; unset fields come from `default_rules`
      plus what the simulator's registry says (text limit, payment page).
    - `tls`: test certificates (`debitorsim certs`): both servers speak HTTPS and require a
      client certificate; the core calls as FBS, callbacks come as the debtor system, and
      `session()` gives a test's HTTP client the tester's certificate (docs/tls.md).
    """

    __test__ = False

    data_dir: Path = Path(".debitorsim")
    database_url: str | None = None
    host: str = "127.0.0.1"
    sim_port: int = 0
    core_port: int = 0
    sim_url: str | None = None
    clock_mode: str = "frozen"
    clock_start: datetime | None = None
    clock_factor: float = 60.0
    persist_clock: bool = True
    tenants: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    default_rules: MunicipalityRules = field(default_factory=MunicipalityRules)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    synchronous: str = "NORMAL"
    journal: bool = True
    tls: CertDir | None = None


class Testbed:
    """Simulator + core + one clock, served on loopback. Use as a context manager."""

    __test__ = False

    def __init__(self, config: TestbedConfig) -> None:
        self.config = config
        self.sim_slot = Slot()
        self.core_slot = Slot()
        self.sim_server: ServerThread | None = None
        self.core_server: ServerThread | None = None
        self.sim_app: Any = None
        self.sim: Simulator | None = None
        self.core: Core | None = None
        self.clock: Any = None
        self._generation = 0
        self.generation_used = False
        """Set by a user that has dirtied this generation (the scenario suite renews then)."""
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._driver: Any = None

    # -- URLs ---------------------------------------------------------------------------

    @property
    def sim_url(self) -> str:
        """Base URL of the simulated (or the real) Serviceplatformen."""
        if self.config.sim_url:
            return self.config.sim_url.rstrip("/")
        assert self.sim_server is not None, "not started"
        return self.sim_server.base_url

    @property
    def core_url(self) -> str:
        """Base URL of the integration core."""
        assert self.core_server is not None, "not started"
        return self.core_server.base_url

    @property
    def callback_url(self) -> str:
        """Where the debtor system sends DaekningAfskrivningRegistreringAfsend."""
        return f"{self.core_url}{CALLBACK_PATH}"

    @property
    def simulated(self) -> bool:
        """True when the simulator runs here (its control API is available)."""
        return self.config.sim_url is None

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> Testbed:
        """Bind both ports, build simulator and core, and start serving."""
        c = self.config
        tls = c.tls.server_context() if c.tls else None
        if self.simulated:
            self.sim_server = ServerThread(
                self.sim_slot, host=c.host, port=c.sim_port, ssl_context=tls
            )
        self.core_server = ServerThread(
            self.core_slot, host=c.host, port=c.core_port, ssl_context=tls
        )
        self._build()
        if self.sim_server is not None:
            self.sim_server.start()
        self.core_server.start()
        return self

    def stop_servers(self) -> None:
        """Close the servers `start` bound (when it failed half way) and the stores."""
        for server in (self.core_server, self.sim_server):
            if server is not None:
                server.close()
        self._close_apps()

    def renew(self) -> None:
        """A fresh simulator and core (new databases, fresh clock) behind the same ports."""
        self._close_apps()
        self._build()

    def _build(self) -> None:
        c = self.config
        self._generation += 1
        run_dir = Path(c.data_dir)
        if self._generation > 1 or not c.persist_clock:
            run_dir = run_dir / f"run-{self._generation}"
        run_dir.mkdir(parents=True, exist_ok=True)
        shared: VirtualClock | None = None
        if not c.persist_clock:
            shared = VirtualClock()
            if c.clock_start is not None:
                shared.set(c.clock_start)
            shared.set_mode(ClockMode(c.clock_mode), c.clock_factor)
        if self.simulated:
            tenants = callback_overrides(self.core_url, c.tenants)
            sim_config = SimConfig(
                data_dir=run_dir,
                database_url=c.database_url,
                clock=shared,
                clock_mode=c.clock_mode,
                clock_start=c.clock_start,
                clock_factor=c.clock_factor,
                journal_enabled=c.journal,
                bind_host=c.host,
                tenants=tenants,
                synchronous=c.synchronous,
                core_url=self.core_url,
                tls=c.tls,
            )
            self.sim_app = create_sim_app(sim_config)
            self.sim = simulator_of(self.sim_app)
            self.clock = self.sim.clock
            self.sim_slot.app = self.sim_app
        else:
            from integration.clock import SystemClock

            self.clock = SystemClock()  # a real debtor system lives in real time
        core_config = CoreConfig(
            db_path=str(run_dir / CORE_DB),
            database_url=c.database_url,
            clock=self.clock,
            sp_url=self.sim_url,
            default_rules=c.default_rules,
            municipalities=self._core_rules(),
            outbox=c.outbox,
            tls=c.tls,
        )
        self.core = Core.build(core_config)
        self.core_slot.app = create_core_app(core=self.core)

    def _core_rules(self) -> dict[str, MunicipalityRules]:
        """Per-municipality rules: config first, then what the debtor system's profile says."""
        c = self.config
        out: dict[str, MunicipalityRules] = {}
        for kode in _all_kommunekoder():
            derived: dict[str, Any] = {}
            if self.sim is not None:
                tenant = self.sim.tenants.get(kode)
                assert tenant is not None
                derived["max_text_length"] = tenant.profile.text_max_length
                derived["payment_url"] = (
                    f"{self.sim_url}{PAYMENT_PAGES}/{kode}/"
                    if tenant.profile.payment_solution
                    else None
                )
            explicit = dict(c.rules.get(kode, {}))
            out[kode] = replace(c.default_rules, **{**derived, **explicit})
        return out

    def run_in_background(self, worker_poll_s: float = 0.5) -> None:
        """Run the outbox worker (and, in real/accelerated time, the clock driver) in threads."""
        assert self.core is not None
        worker = threading.Thread(
            target=self.core.worker.serve, args=(self._stop, worker_poll_s), daemon=True
        )
        worker.start()
        self._threads.append(worker)
        if self.sim is not None:
            from simulators.scheduler import drive_in_one_process

            # None: another process on this data dir drives (the clock is shared in the store)
            self._driver = drive_in_one_process(self.sim.scheduler, self.sim.config.database_path)

    def stop(self) -> None:
        """Stop threads and servers and close the stores."""
        self._stop.set()
        for t in self._threads:
            t.join(timeout=30)
        if self._driver is not None:
            self._driver.stop()
        for server in (self.core_server, self.sim_server):
            if server is not None:
                server.stop()
        self._close_apps()

    def _close_apps(self) -> None:
        if self.core is not None:
            self.core.store.close()
        if self.sim is not None:
            self.sim.close()

    def __enter__(self) -> Testbed:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- driving it from tests ----------------------------------------------------------

    def session(self, identity: str = "tester") -> Any:
        """A `requests.Session` for the test bed's URLs; under TLS with `identity`'s
        client certificate (``tester``, ``fbs`` or a debtor system) and the test CA."""
        import requests

        session = requests.Session()
        session.trust_env = False
        if self.config.tls is not None:
            for name, value in self.config.tls.requests_options(identity).items():
                setattr(session, name, value)
        return session

    def drain(self) -> RoundResult:
        """Deliver everything the outbox has due now (the clock does not move)."""
        assert self.core is not None
        return self.core.worker.drain()

    def take_down_debtor_system(self) -> None:
        """The debtor system answers 503 to everything until `bring_up_debtor_system`."""
        self.sim_slot.app = unavailable_app

    def bring_up_debtor_system(self) -> None:
        """The simulator answers again."""
        self.sim_slot.app = self.sim_app

    def urls(self) -> list[tuple[str, str]]:
        """Every URL a user needs, as (what, url) pairs."""
        from oeir.services import DEBITOR_FORESPOERGSEL, DEBITOR_INDBETALING, DEBITOR_REGISTRERING

        sim, core = self.sim_url, self.core_url
        out: list[tuple[str, str]] = []
        if self.simulated:
            out += [
                ("simulator: dashboard", f"{sim}/"),
                ("simulator: admin API", f"{sim}/admin/"),
                ("simulator: OpenAPI docs", f"{sim}/admin/openapi.json"),
                ("simulator: virtual clock", f"{sim}/admin/clock"),
            ]
        for service in (DEBITOR_REGISTRERING, DEBITOR_FORESPOERGSEL, DEBITOR_INDBETALING):
            out.append((f"SOAP {service.name}", f"{sim}{service.path}?wsdl"))
        if self.simulated:
            out.append(("payment pages (Opus, Prisme 2015)", f"{sim}{PAYMENT_PAGES}/"))
        out += [
            ("core: FBS fee API", f"{core}/external/{{agencyid}}/patron/{{patronid}}/fees/v2"),
            ("core: FBS harness (index)", f"{core}/"),
            ("core: OpenAPI docs", f"{core}/harness/openapi.json"),
            ("core: callback receiver (SOAP)", f"{core}{CALLBACK_PATH}?wsdl"),
            ("core: outbox", f"{core}/harness/outbox"),
        ]
        return out


def _all_kommunekoder() -> list[str]:
    from oeir import kommuner

    return [k.kode for k in kommuner.alle()]
