"""Locust user classes, one per kind of traffic, and the event hooks every profile shares.

Imported only by the Locust files (`smoke.py`, `national.py`, `stress.py`): this module
pulls in Locust and therefore gevent's monkeypatching. Never import it from the app
packages or from a test process; tests run Locust as a subprocess.

Two targets: the simulator (Serviceplatformen + debtor systems) and the integration
core. `--sim-host` / `--core-host` (or DEBITORSIM_SIM_URL / DEBITORSIM_CORE_URL) point at
them; a plain `--host` is taken as the simulator. Core traffic is skipped when no core
host is given.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import threading
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

from locust import FastHttpUser, LoadTestShape, between, events, task
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from load.profiles import gate, weights
from load.support import traffic
from oeir import kommuner

log = logging.getLogger("debitorsim.load")

CORE_FEE_PATH = "/harness/fees"
"""The core's harness endpoint that creates a fee as FBS would (JSON)."""
CORE_CALLBACK_PATH = "/service/OIR/DaekningAfskrivningRegistreringAfsend/1"
PAYMENT_PAGE_PATH = "/betaling/{kommunekode}/"
"""The simulator's citizen payment page; the citizen class skips itself on 404."""

_traffic = traffic.Traffic()
_national = weights.national()
_picker = weights.Picker(_national)
_payers = _picker.only(weights.WITH_PAYMENT_SOLUTION)
_system_requests: Counter[str] = Counter()
_workers_reported: set[str] = set()
_lock = threading.Lock()
_systems = {w.kommune.kode: w.system for w in _national}
_fees: dict[str, list[tuple[str, int]]] = {}
"""Fees created through the core in this process, by municipality: callback targets."""


# --- command line and set-up ---------------------------------------------------


@events.init_command_line_parser.add_listener
def _arguments(parser: Any) -> None:
    parser.add_argument(
        "--sim-host",
        default=os.environ.get("DEBITORSIM_SIM_URL", ""),
        help="simulator base URL (Serviceplatformen endpoints)",
    )
    parser.add_argument(
        "--core-host",
        default=os.environ.get("DEBITORSIM_CORE_URL", ""),
        help="integration core base URL; core traffic is skipped when empty",
    )
    parser.add_argument(
        "--thresholds", default=str(gate.DEFAULT_FILE), help="gate thresholds (TOML)"
    )
    parser.add_argument(
        "--profile-name",
        default=os.environ.get("DEBITORSIM_PROFILE", "smoke"),
        help="profile whose [profiles.NAME] thresholds apply",
    )
    parser.add_argument(
        "--summary-json",
        default="",
        help="write the gate verdict and per-request figures here (JSON)",
    )
    parser.add_argument(
        "--profile-seconds",
        type=float,
        default=0.0,
        help="how long the profile's shape runs (0 = the profile's default)",
    )
    parser.add_argument(
        "--profile-users",
        type=int,
        default=0,
        help="users the profile's shape holds (0 = the profile's default)",
    )


class _Target:
    """Mixin: which system a user class talks to ('sim' or 'core')."""

    target: ClassVar[str] = "sim"


@events.init.add_listener
def _on_init(environment: Environment, **_: Any) -> None:
    opts = environment.parsed_options
    sim = (getattr(opts, "sim_host", "") or environment.host or "").rstrip("/")
    core = (getattr(opts, "core_host", "") or "").rstrip("/")
    # environment.host would override every class's host; it names the simulator here.
    environment.host = None
    keep = []
    for cls in environment.user_classes:
        cls.host = core if getattr(cls, "target", "sim") == "core" else sim
        if not cls.host:
            log.warning("%s skipped: no %s host given", cls.__name__, cls.target)
        elif issubclass(cls, CitizenUser) and not _payment_pages(sim):
            log.warning("%s skipped: no payment pages at %s", cls.__name__, sim)
        else:
            keep.append(cls)
    # Classes that cannot run are removed before spawning, so they neither count
    # as failures nor hold a user slot.
    environment.user_classes[:] = keep
    if isinstance(environment.runner, MasterRunner):
        environment.events.worker_report.add_listener(_on_worker_report)


def _payment_pages(sim: str) -> bool:
    """Whether the simulator serves the citizen payment pages (404 = not built yet)."""
    kode = _payers.pick().kommune.kode
    try:
        with urllib.request.urlopen(sim + PAYMENT_PAGE_PATH.format(kommunekode=kode), timeout=5):
            return True
    except urllib.error.HTTPError as e:
        return e.code != 404
    except OSError:
        return True  # unreachable: keep the class, so its requests fail visibly


# --- per-request bookkeeping ---------------------------------------------------


@events.request.add_listener
def _on_request(context: dict[str, Any] | None = None, **_: Any) -> None:
    system = (context or {}).get("system")
    if system:
        with _lock:
            _system_requests[system] += 1


@events.report_to_master.add_listener
def _report(client_id: str, data: dict[str, Any]) -> None:
    with _lock:
        data["debitorsim_systems"] = dict(_system_requests)
        _system_requests.clear()


def _on_worker_report(client_id: str, data: dict[str, Any]) -> None:
    with _lock:
        _workers_reported.add(client_id)
        for system, n in data.get("debitorsim_systems", {}).items():
            _system_requests[system] += n


# --- the gate ----------------------------------------------------------------------


@events.quitting.add_listener
def _on_quitting(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    opts = environment.parsed_options
    thresholds = gate.load(opts.thresholds, opts.profile_name)
    rows = [
        gate.RequestStats(
            name=e.name,
            requests=e.num_requests,
            failures=e.num_failures,
            p95_ms=e.get_response_time_percentile(0.95) or 0.0,
            p99_ms=e.get_response_time_percentile(0.99) or 0.0,
        )
        for e in environment.stats.entries.values()
    ]
    breaches = gate.evaluate(rows, thresholds)
    exceptions = sum(e["count"] for e in environment.runner.exceptions.values())
    if exceptions:
        breaches.append(f"{exceptions} exception(s) in the load code itself")
    environment.process_exit_code = 1 if breaches else 0
    for line in breaches:
        log.error("gate: %s", line)
    log.info("gate: %s", "FAILED" if breaches else "passed")
    if opts.summary_json:
        total = environment.stats.total
        summary = {
            "profile": opts.profile_name,
            "passed": not breaches,
            "breaches": breaches,
            "requests": total.num_requests,
            "failures": total.num_failures,
            "rps": round(total.total_rps, 1),
            "per_request": {r.name: vars_of(r) for r in rows},
            "system_requests": dict(_system_requests),
            "workers_reported": sorted(_workers_reported),
            "knee": getattr(environment.shape_class, "knee", None),
        }
        Path(opts.summary_json).write_text(json.dumps(summary, indent=2), encoding="utf-8")


def vars_of(r: gate.RequestStats) -> dict[str, Any]:
    """A request-stats row as a JSON object."""
    return {"requests": r.requests, "failures": r.failures, "p95_ms": r.p95_ms, "p99_ms": r.p99_ms}


# --- helpers ---------------------------------------------------------------------


def bursty(burst: int, pause: float) -> Any:
    """A wait_time: `burst` requests back to back, then `pause` seconds (nightly batches)."""

    def wait(user: Any) -> float:
        user._burst_left = getattr(user, "_burst_left", burst) - 1
        if user._burst_left > 0:
            return 0.0
        user._burst_left = burst
        return pause * random.uniform(0.5, 1.5)

    return wait


def _soap(user: FastHttpUser, call: traffic.SoapCall, system: str) -> bytes | None:
    """POST one SOAP call; a Fault or a non-200 answer is a failure. Returns the body."""
    with user.client.post(
        call.path,
        data=call.body,
        headers=call.headers,
        name=call.operation,
        catch_response=True,
        context={"system": system},
    ) as resp:
        body = resp.content or b""
        if resp.status_code != 200 or traffic.is_fault(body):
            resp.failure(f"HTTP {resp.status_code}: {body[:300]!r}")
            return None
        return body


def _remember_fee(kode: str, fordring_id: str, oere: int) -> None:
    with _lock:
        fees = _fees.setdefault(kode, [])
        fees.append((fordring_id, oere))
        if len(fees) > 2_000:
            del fees[:1_000]


# --- the user classes ----------------------------------------------------------------


class DebtorSystemUser(_Target, FastHttpUser):
    """FBS straight to the simulator over SOAP: accounts, claims and look-ups for one citizen."""

    abstract = True
    target = "sim"
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        """Open an account for a first citizen."""
        self.konto: str | None = None
        self.debitor = None
        self.opret_debitorkonto()

    @task(1)
    def opret_debitorkonto(self) -> None:
        """A new citizen, in a municipality drawn by weight, whose first fee opens an account.

        Drawing per citizen (not per Locust user) makes the traffic per municipality
        converge on the weights within a short run.
        """
        w = _picker.pick()
        self.kommune, self.system = w.kommune, w.system
        call, debitor, _ = _traffic.opret_debitorkonto(self.kommune)
        body = _soap(self, call, self.system)
        if body:
            self.konto, self.debitor = traffic.kontonummer(body), debitor

    @task(5)
    def opret_fordring(self) -> None:
        """Another fee on the citizen's existing account."""
        if self.debitor is None:
            return self.opret_debitorkonto()
        call, _ = _traffic.opret_fordring(self.kommune, self.debitor)
        _soap(self, call, self.system)

    @task(3)
    def hent_debitorkonto(self) -> None:
        """Look the account up (FBS refreshing a patron's balance)."""
        if self.konto is None:
            return self.opret_debitorkonto()
        _soap(self, _traffic.hent_debitorkonto(self.kommune, kontonummer=self.konto), self.system)


class ReconciliationUser(_Target, FastHttpUser):
    """The nightly reconciliation: pages through one municipality's accounts."""

    abstract = True
    target = "sim"
    wait_time = between(2.0, 5.0)
    max_pages = 5

    @task
    def reconcile(self) -> None:
        """`SoegDebitorkonti` page by page, as far as `max_pages`."""
        w = _picker.pick()
        cursor = None
        for _ in range(self.max_pages):
            body = _soap(self, _traffic.soeg_debitorkonti(w.kommune, cursor), w.system)
            cursor = traffic.naeste_cursor(body) if body else None
            if not cursor:
                break


class FbsNightlyRunUser(_Target, FastHttpUser):
    """FBS's nightly fee run through the core: bursts of new fees, then a pause."""

    abstract = True
    target = "core"
    burst = 20
    wait_time = bursty(burst=burst, pause=3.0)

    @task
    def opret_gebyr(self) -> None:
        """Create one fee as FBS does; the core turns it into an OpretFordring via its outbox.

        Each burst is one municipality's run; the next burst draws again by weight.
        """
        if getattr(self, "_burst_left", 0) in (0, self.burst):
            w = _picker.pick()
            self.kommune, self.system = w.kommune, w.system
            self.patron = _traffic.debitor()
        elif _traffic.fake.random_int(1, 4) == 1:
            self.patron = _traffic.debitor()  # about 4 fees per patron in a run
        fordring = _traffic.fordring(self.kommune, self.patron)
        with self.client.post(
            CORE_FEE_PATH,
            json=fee_payload(fordring),
            name="fbs: opret gebyr",
            catch_response=True,
            context={"system": self.system},
        ) as resp:
            if resp.status_code != 201:
                resp.failure(f"HTTP {resp.status_code}: {(resp.content or b'')[:300]!r}")
                return
            fee = resp.json()
            _remember_fee(self.kommune.kode, str(fee.get("fordringId")), fordring.hovedstol)


def fee_payload(fordring: Any) -> dict[str, Any]:
    """The harness's JSON for one fee, from a claim.

    The amount is a JSON number, as the API documents (text is refused). øre / 100 is a
    float here, but within BeloebType (< 10^13 kr) its JSON text is exactly the
    two-decimal amount, and the core reads that text as a Decimal, never a float.
    """
    return {
        "agencyId": fordring.kreditor.agency_id,
        "type": "compensation" if fordring.fordring_type == "Erstatning" else "fee",
        "reasonMessage": fordring.tekst,
        "amount": fordring.hovedstol / 100,
        "patron": {"cpr": fordring.debitor.cpr_nummer, "name": fordring.debitor.navn},
        "creationDate": fordring.stiftelsesdato.isoformat(),
        "materials": [
            {"materialItemNumber": m.materialenummer, "recordId": m.post_id}
            for m in fordring.materialer
        ],
    }


class CallbackStormUser(_Target, FastHttpUser):
    """The debtor systems' nightly batch: bursts of `RegistrerDaekningAfskrivning` to the core."""

    abstract = True
    target = "core"
    wait_time = bursty(burst=10, pause=5.0)

    @task
    def registrer(self) -> None:
        """One batch of small payments on fees this process created through the core.

        The core rejects events on claims it does not know (a Fault), so until the nightly
        run class has created fees there is nothing to report and the task waits.
        """
        with _lock:
            if not _fees:
                return
            kode = random.choice(list(_fees))
            picks = random.sample(_fees[kode], k=min(5, len(_fees[kode])))
        kommune = kommuner.by_kode()[kode]
        # 1 kr per event: a storm of partial payments never overpays a fee.
        call = _traffic.callback(kommune, [(fid, f"{kode}-load", 100) for fid, _ in picks])
        system = _systems.get(kode, "")
        _soap(self, traffic.SoapCall(CORE_CALLBACK_PATH, call.operation, call.body), system)


class CitizenUser(_Target, FastHttpUser):
    """A citizen with a library fee on the municipality's payment page (Mit Betalingsoverblik).

    Only municipalities whose system has a payment solution. The citizen's fee is created
    first over SOAP (as FBS would), then: open the page, log in with the CPR (a simulated
    login form), see the open claims, pay them by card or MobilePay. When the payment pages
    are missing (404) the class is dropped at start-up (no load, no failure counted).
    """

    abstract = True
    target = "sim"
    wait_time = between(3.0, 10.0)

    def on_start(self) -> None:
        """A citizen in a payer municipality, with one fee."""
        self.ny_borger()

    def ny_borger(self) -> None:
        """A new citizen whose fee FBS has just sent."""
        w = _payers.pick()
        self.kommune, self.system = w.kommune, w.system
        call, self.debitor, _ = _traffic.opret_debitorkonto(self.kommune)
        _soap(self, call, self.system)
        self.base = PAYMENT_PAGE_PATH.format(kommunekode=self.kommune.kode)

    @task(2)
    def side(self) -> None:
        """Open the payment page (the login form)."""
        self.client.get(self.base, name="borger: betalingsside", context={"system": self.system})

    @task(1)
    def soeg(self) -> None:
        """What the citizen owes, as a payer system asks (`SoegDelfordringTilIndbetaling`)."""
        _soap(self, _traffic.soeg_delfordring(self.kommune, self.debitor), self.system)

    @task(2)
    def betal(self) -> None:
        """Log in, see the open claims, pay them all; then the next citizen."""
        ctx = {"system": self.system}
        with self.client.post(
            self.base + "login",
            data=urlencode({"cpr": self.debitor.cpr_nummer}),
            headers=_FORM,
            name="borger: login + oversigt",
            catch_response=True,
            context=ctx,
        ) as resp:
            page = resp.text or ""
            ids = _CLAIM_BOX.findall(page)
            if resp.status_code != 200 or 'name="cpr"' in page or not ids:
                # Back on the login form: the session was not found (see docs/load.md).
                resp.failure(f"no overview after login (HTTP {resp.status_code})")
                return
        with self.client.post(
            self.base + "betal",
            data=urlencode(
                {"fordring_id": ids, "betalingsmiddel": random.choice(("Kort", "MobilePay"))},
                doseq=True,
            ),
            headers=_FORM,
            name="borger: betal",
            catch_response=True,
            context=ctx,
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
        self.ny_borger()


_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_CLAIM_BOX = re.compile(r'name="fordring_id" value="([^"]+)"')


# --- shapes ------------------------------------------------------------------------------


class HoldShape(LoadTestShape):
    """Ramp to `users` and hold them for `seconds`; both overridable on the command line."""

    abstract = True
    users = 10
    seconds = 30.0
    spawn_rate = 10.0

    def tick(self) -> tuple[int, float] | None:
        """(users, spawn rate) until the duration is over, then None (stop)."""
        opts = self.runner.environment.parsed_options
        seconds = getattr(opts, "profile_seconds", 0.0) or self.seconds
        users = getattr(opts, "profile_users", 0) or self.users
        if self.get_run_time() >= seconds:
            return None
        return users, self.spawn_rate


# --- stress: ramp until the gate breaks ------------------------------------------------


class KneeShape(LoadTestShape):
    """Adds `step_users` every `step_s` until a step's p95 or failure ratio breaks the limit.

    The last step that held is the knee; it is logged and written to the run summary.
    """

    abstract = True
    step_users = 10
    step_s = 10.0
    max_users = 400
    spawn_rate = 20.0
    p95_limit_ms = 250.0
    failure_limit = 0.01

    def __init__(self) -> None:
        super().__init__()
        self.knee: dict[str, Any] | None = None
        self._step = 0
        self._mark = (0, 0)
        self._last_good: dict[str, Any] | None = None
        self._stopped = False

    def tick(self) -> tuple[int, float] | None:
        """Next (users, spawn rate), or None once the knee is found."""
        if self._stopped:
            return None
        step = int(self.get_run_time() // self.step_s) + 1
        if step != self._step:
            if self._step and not self._judge():
                self._stopped = True
                return None
            self._step = step
        users = min(step * self.step_users, self.max_users)
        return users, self.spawn_rate

    def _judge(self) -> bool:
        total = self.runner.stats.total
        requests, failures = total.num_requests, total.num_failures
        d_req, d_fail = requests - self._mark[0], failures - self._mark[1]
        self._mark = (requests, failures)
        p95 = total.get_current_response_time_percentile(0.95) or 0.0
        ratio = d_fail / d_req if d_req else 0.0
        here = {
            "users": min(self._step * self.step_users, self.max_users),
            "rps": round(d_req / self.step_s, 1),
            "p95_ms": p95,
            "failure_ratio": round(ratio, 4),
        }
        log.info("stress step %s", here)
        broken = p95 > self.p95_limit_ms or ratio > self.failure_limit
        if broken or here["users"] >= self.max_users:
            self.knee = {
                "last_good": self._last_good,
                "broke_at": here if broken else None,
                "reason": (
                    f"p95 {p95:.0f} ms > {self.p95_limit_ms} ms"
                    if p95 > self.p95_limit_ms
                    else f"failure ratio {ratio:.3f} > {self.failure_limit}"
                    if broken
                    else f"reached max_users={self.max_users} without breaking"
                ),
            }
            log.warning("knee: %s", self.knee)
            return False
        self._last_good = here
        return True


__all__ = [
    "CallbackStormUser",
    "CitizenUser",
    "DebtorSystemUser",
    "FbsNightlyRunUser",
    "HoldShape",
    "KneeShape",
    "ReconciliationUser",
]
