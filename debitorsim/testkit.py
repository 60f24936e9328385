"""A vendor's test kit: drive a debitorsim simulator from another project's tests.

What the pytest plugin (`debitorsim.pytest_plugin`) hands to tests, usable without pytest
too (unittest, a script):

- `TestServer`: a simulator (and the integration core) started in this process on free
  loopback ports, or one already running elsewhere; `reset()` brings it back to the
  session's starting state between tests.
- `Sim`: the simulator's URLs, the Serviceplatformen values a call for a municipality
  carries, fault rules, snapshots and the admin API.
- `Clock`: the virtual clock (`now`, `advance`, `set`, `next_nightly_run`).
- `Verify`: what the simulator received (``POST /admin/requests/count|find``), as numbers
  and as assertions whose failure lists what was seen and which condition excluded it.

Everything goes over HTTP, so a simulator started by `debitorsim sim` elsewhere works the
same as the one started here.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from simulators.snapshot import FORMAT as SNAPSHOT_FORMAT
from simulators.verify import MATCHER_FIELDS

SEEN_SHOWN = 10
"""How many received calls an assertion's failure message lists."""


class DebitorsimError(Exception):
    """The simulator refused an admin call, or nothing answered."""


class Admin:
    """JSON over HTTP to one debitorsim server (simulator or core), Bearer token optional."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False  # a proxy from the environment never sits on loopback
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def call(
        self, method: str, path: str, body: Any = None, *, missing_ok: bool = False
    ) -> dict[str, Any] | None:
        """The JSON answer of `method path`; `DebitorsimError` with the server's error text
        on a refusal (None for a 404 or 405 when `missing_ok`)."""
        url = f"{self.base_url}{path}"
        try:
            reply = self.session.request(method, url, json=body, timeout=self.timeout)
        except requests.ConnectionError as exc:
            raise DebitorsimError(f"nothing answers at {url}: is the simulator running?") from exc
        if missing_ok and reply.status_code in (404, 405):
            return None
        try:
            data = reply.json()
        except ValueError:
            data = None
        if reply.status_code >= 400:
            why = data.get("error") if isinstance(data, dict) else reply.text[:300]
            raise DebitorsimError(f"{method} {path} answered HTTP {reply.status_code}: {why}")
        if not isinstance(data, dict):
            raise DebitorsimError(f"{method} {path} did not answer a JSON object")
        return data

    def get(self, path: str) -> dict[str, Any]:
        """GET `path` (JSON)."""
        return _present(self.call("GET", path))

    def post(self, path: str, body: Any = None) -> dict[str, Any]:
        """POST `body` as JSON to `path`."""
        return _present(self.call("POST", path, body if body is not None else {}))

    def close(self) -> None:
        """Close the HTTP connections."""
        self.session.close()


def _present(data: dict[str, Any] | None) -> dict[str, Any]:
    assert data is not None
    return data


@dataclass(frozen=True)
class SpContext:
    """What a call for one municipality carries in Serviceplatformen's context blocks
    (test values of the simulated Serviceplatformen, never the real ones)."""

    kommunekode: str
    municipality_cvr: str
    """``AuthorityContext/MunicipalityCVR``."""
    service_agreement_uuid: str
    """``InvocationContext/ServiceAgreementUUID``: FBS's agreement with this municipality."""
    user_system_uuid: str
    """``InvocationContext/UserSystemUUID``: FBS, the sector system."""
    service_uuid: str
    """``InvocationContext/ServiceUUID`` of the service called."""


class Clock:
    """The simulator's virtual clock (``/admin/clock``). Moving it runs every job due on
    the way (nightly callbacks, bank settlement, reminders), in the order they fall due."""

    def __init__(self, admin: Admin) -> None:
        self._admin = admin

    def now(self) -> datetime:
        """The virtual time now (Europe/Copenhagen, with its offset)."""
        return datetime.fromisoformat(self._admin.get("/admin/clock")["now"])

    def advance(self, duration: str) -> dict[str, Any]:
        """Move on by an ISO 8601 duration (``"PT1H"``, ``"P3D"``); the clock's JSON with
        ``jobs_run``, every job that ran meanwhile."""
        return self._admin.post("/admin/clock", {"advance": duration})

    def set(self, when: str | datetime) -> dict[str, Any]:
        """Set the time (ISO 8601; without an offset it is Copenhagen time). Going back is
        allowed, but nothing that happened is undone."""
        text = when.isoformat() if isinstance(when, datetime) else when
        return self._admin.post("/admin/clock", {"set": text})

    def next_nightly_run(self, kommunekode: str) -> datetime:
        """When something happening now in this municipality reaches FBS: its debtor
        system's next nightly run (weekdays, not on public holidays; docs/profiles.md)."""
        found = self._admin.get(f"/admin/callbacks/{kommunekode}/next-run")
        return datetime.fromisoformat(found["next_run"])

    def to_next_nightly_run(self, kommunekode: str) -> dict[str, Any]:
        """Move the clock to that run, so the day's payments and write-offs are sent."""
        return self.set(self.next_nightly_run(kommunekode))


def matcher(**given: Any) -> dict[str, Any]:
    """A verify matcher from keyword arguments: ``from_`` stands for ``from`` (a Python
    keyword), datetimes become ISO text, None is left out. An unknown field is a TypeError."""
    out: dict[str, Any] = {}
    for key, value in given.items():
        name = key.rstrip("_")
        if name not in MATCHER_FIELDS:
            raise TypeError(f"unknown matcher field {key!r}; known: {', '.join(MATCHER_FIELDS)}")
        if value is None:
            continue
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out


class Verify:
    """What the simulator received: ``POST /admin/requests/count`` and ``/find``.

    Matchers are keyword arguments, all optional and ANDed: `service`, `operation`,
    `kommunekode`, `verdict` (``ok``, ``fault``, ``injected``), `fejlkode`, `from_` / `to`
    (virtual time), `elements` (``{"FordringId": "FBS-101-7"}``), `xpath`.
    """

    def __init__(self, admin: Admin) -> None:
        self._admin = admin

    def count(self, **match: Any) -> int:
        """How many journaled calls match."""
        return int(self._admin.post("/admin/requests/count", matcher(**match))["count"])

    def find(self, *, limit: int | None = None, **match: Any) -> list[dict[str, Any]]:
        """The matching journal rows, newest first (at most `limit`, default 100)."""
        body = matcher(**match)
        if limit is not None:
            body["limit"] = limit
        rows: list[dict[str, Any]] = self._admin.post("/admin/requests/find", body)["requests"]
        return rows

    def assert_called(
        self,
        *,
        times: int | None = None,
        at_least: int | None = None,
        at_most: int | None = None,
        **match: Any,
    ) -> list[dict[str, Any]]:
        """Assert how many calls match (`times` exactly; or `at_least` / `at_most`; with
        none of them: at least once). Returns the matching rows, newest first.

        The AssertionError says what was expected and found, how many calls each
        condition alone excludes (the near misses), and the calls received.
        """
        __tracebackhide__ = True  # pytest shows the test's line, not this one
        if times is not None and (at_least is not None or at_most is not None):
            raise TypeError("give times, or at_least / at_most, not both")
        if times is None and at_least is None and at_most is None:
            at_least = 1
        body = matcher(**match)
        found = self.count(**match)
        low = times if times is not None else at_least
        high = times if times is not None else at_most
        if (low is None or found >= low) and (high is None or found <= high):
            return self.find(**match) if found else []
        raise AssertionError(self._explain(body, found, _expectation(times, at_least, at_most)))

    def assert_not_called(self, **match: Any) -> None:
        """Assert that no call matches."""
        __tracebackhide__ = True
        self.assert_called(times=0, **match)

    def _explain(self, body: Mapping[str, Any], found: int, expected: str) -> str:
        lines = [
            f"expected {expected} SOAP call(s) matching {_show(body)}, found {found}.",
        ]
        if len(body) > 1:
            lines.append("Near misses (calls that match all but one condition):")
            for name, value in body.items():
                rest = {k: v for k, v in body.items() if k != name}
                n = int(self._admin.post("/admin/requests/count", rest)["count"])
                lines.append(f"  all but {name}={_show(value)}: {n}")
        seen = self._admin.post("/admin/requests/find", {"limit": SEEN_SHOWN})
        total = seen["count"]
        names = list(body.get("elements", {}))
        lines.append(
            f"Calls received ({total}; newest first)" + (":" if total else ": none at all.")
        )
        lines += [f"  {_row(r, names)}" for r in seen["requests"]]
        if total > SEEN_SHOWN:
            lines.append(f"  ... {total - SEEN_SHOWN} older (GET /admin/journal lists them)")
        return "\n".join(lines)


def _expectation(times: int | None, at_least: int | None, at_most: int | None) -> str:
    if times is not None:
        return f"exactly {times}"
    if at_least is not None and at_most is not None:
        return f"between {at_least} and {at_most}"
    return f"at least {at_least}" if at_least is not None else f"at most {at_most}"


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _row(row: Mapping[str, Any], element_names: list[str]) -> str:
    """One journal row on one line: time, service/operation, municipality, verdict, and the
    values of the elements the matcher asked about."""
    parts = [
        str(row.get("tidspunkt", "?")),
        f"{row.get('service')}/{row.get('operation') or '?'}",
        f"kommune {row.get('kommunekode') or '?'}",
        str(row.get("verdict")),
    ]
    if row.get("fejlkode"):
        parts.append(str(row["fejlkode"]))
    text = str(row.get("request") or "")
    for name in element_names:
        values = re.findall(rf"<(?:[\w.-]+:)?{re.escape(name)}(?:\s[^>]*)?>([^<]*)<", text)
        parts.append(f"{name}={','.join(values) if values else '(none)'}")
    near = row.get("near_miss")
    if isinstance(near, Mapping) and near.get("text"):
        parts.append(f"- near miss: {_short(near['text'])}")
    elif row.get("detail"):
        parts.append(f"- {_short(row['detail'])}")
    return "  ".join(parts)


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else _show(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Sim:
    """A simulator for one test: URLs, Serviceplatformen values, faults, snapshots, admin."""

    def __init__(self, admin: Admin) -> None:
        self.admin = admin
        self.clock = Clock(admin)
        self.verify = Verify(admin)

    @property
    def url(self) -> str:
        """Base URL of the simulated Serviceplatformen (and the simulator's admin API)."""
        return self.admin.base_url

    def endpoint(self, service: str) -> str:
        """The SOAP endpoint of an SF1590_B service, e.g. ``DebitorRegistreringAfsend``."""
        from oeir.services import SERVICES

        if service not in SERVICES:
            raise KeyError(f"no service {service!r}; known: {', '.join(SERVICES)}")
        return f"{self.url}{SERVICES[service].path}"

    def wsdl(self, service: str) -> str:
        """The service's WSDL URL."""
        return f"{self.endpoint(service)}?wsdl"

    def sp(self, kommunekode: str, service: str = "DebitorRegistreringAfsend") -> SpContext:
        """The Serviceplatformen values a call to `service` for this municipality carries."""
        from oeir.kommuner import FBS_USER_SYSTEM_UUID, service_uuid

        tenant = self.admin.get(f"/admin/tenants/{kommunekode}")
        return SpContext(
            kommunekode=kommunekode,
            municipality_cvr=tenant["cvr"],
            service_agreement_uuid=tenant["service_agreement_uuid"],
            user_system_uuid=FBS_USER_SYSTEM_UUID,
            service_uuid=service_uuid(service),
        )

    def add_fault(self, rule: Mapping[str, Any]) -> dict[str, Any]:
        """Add a fault-injection rule (docs/faults.md); the rule as stored, with its id."""
        return self.admin.post("/admin/faults", dict(rule))

    def clear_faults(self) -> int:
        """Remove every fault rule; how many there were."""
        removed = self.admin.call("DELETE", "/admin/faults")
        return int((removed or {}).get("removed", 0))

    def snapshot(self) -> dict[str, Any]:
        """The whole simulator state as one document (``GET /admin/snapshot``)."""
        return self.admin.get("/admin/snapshot")

    def restore(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the whole state with a snapshot document (``PUT /admin/snapshot``)."""
        return _present(self.admin.call("PUT", "/admin/snapshot", dict(document)))

    def save_snapshot(self, path: str | Path) -> Path:
        """Write the state to a file `debitorsim snapshot load` (or `load_snapshot`) reads."""
        target = Path(path)
        target.write_text(json.dumps(self.snapshot(), ensure_ascii=False), encoding="utf-8")
        return target

    def load_snapshot(self, path: str | Path) -> dict[str, Any]:
        """Replace the state with a snapshot file."""
        return self.restore(read_snapshot(Path(path)))


def read_snapshot(path: Path) -> dict[str, Any]:
    """A snapshot document from a file, checked to be one (the server checks its version)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DebitorsimError(f"cannot read snapshot {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT:
        raise DebitorsimError(f"{path} is not a debitorsim snapshot (format {SNAPSHOT_FORMAT!r})")
    return data


class Core:
    """The integration core (the FBS side) for one test: its URL and the outbox."""

    def __init__(self, admin: Admin) -> None:
        self.admin = admin

    @property
    def url(self) -> str:
        """Base URL of the core (FBS fee API, harness, callback receiver)."""
        return self.admin.base_url

    def drain(self) -> dict[str, Any]:
        """Deliver what the outbox has due now (``POST /harness/outbox/run``)."""
        return self.admin.post("/harness/outbox/run")


@dataclass(frozen=True, kw_only=True)
class ServerOptions:
    """How the test server starts: in this process (default) or one running at `url`."""

    url: str | None = None
    """A simulator already running; nothing is started."""
    core_url: str | None = None
    """With `url`: its integration core, if any."""
    token: str | None = None
    """The admin Bearer token of a simulator started with one."""
    data_dir: Path | None = None
    """Where the in-process servers keep their SQLite files."""
    database_url: str | None = None
    """A ``postgresql://`` URL for the in-process servers' stores instead of SQLite."""
    clock_start: datetime | None = None
    """The virtual time a fresh in-process simulator starts at."""
    snapshot: Path | None = None
    """A snapshot file every test starts from."""


class TestServer:
    """A simulator (and core) for a test session; `reset()` between tests.

    The starting state every `reset()` returns to: the snapshot file given, else (when the
    simulator has snapshots) the state found at `start()`; without snapshots, an emptied
    simulator without fault rules, its clock set back to the time found at `start()`.
    """

    __test__ = False

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self._testbed: Any = None
        self.sim_admin: Admin | None = None
        self.core_admin: Admin | None = None
        self._baseline: dict[str, Any] | None = None
        self._start_time: str | None = None

    def start(self) -> TestServer:
        """Start the servers in this process (or reach the running one); note the baseline."""
        o = self.options
        if o.url:
            self.sim_admin = Admin(o.url, o.token)
            if o.core_url:
                self.core_admin = Admin(o.core_url, o.token)
        else:
            from debitorsim.testbed import Testbed, TestbedConfig

            # One access-log line per admin call would bury a failing test's own output;
            # what was called is in the simulator's journal (and `Verify`'s messages).
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            config = TestbedConfig(
                data_dir=o.data_dir or Path(".debitorsim-pytest"),
                database_url=o.database_url,
                clock_start=o.clock_start,
            )
            self._testbed = Testbed(config).start()
            self.sim_admin = Admin(self._testbed.sim_url)
            self.core_admin = Admin(self._testbed.core_url)
        if o.snapshot is not None:
            self._baseline = read_snapshot(o.snapshot)
        else:
            self._baseline = self.sim_admin.call("GET", "/admin/snapshot", missing_ok=True)
        self._start_time = self.sim_admin.get("/admin/clock")["now"]
        return self

    @property
    def sim(self) -> Sim:
        """The simulator handle."""
        assert self.sim_admin is not None, "not started"
        return Sim(self.sim_admin)

    @property
    def core(self) -> Core | None:
        """The core handle, None when there is no core."""
        return Core(self.core_admin) if self.core_admin is not None else None

    def reset(self) -> None:
        """Back to the starting state: the simulator (data, fault rules, clock) and the core."""
        admin = self.sim_admin
        assert admin is not None, "not started"
        if self._baseline is not None:
            # one transaction: data, jobs, clock and fault rules as saved; the journal emptied
            admin.call("PUT", "/admin/snapshot?clear_journal=true", self._baseline)
        else:
            admin.post("/admin/reset")
            admin.call("DELETE", "/admin/faults")
            admin.post("/admin/clock", {"set": self._start_time})
        if self.core_admin is not None:
            self.core_admin.post("/harness/reset")

    def stop(self) -> None:
        """Stop what `start` started and close the connections."""
        for admin in (self.sim_admin, self.core_admin):
            if admin is not None:
                admin.close()
        if self._testbed is not None:
            self._testbed.stop()
            self._testbed = None

    def __enter__(self) -> TestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
