"""The scenario world: the running test bed, the municipality in play, and helpers over HTTP.

Every helper talks to the servers over real loopback HTTP (admin API, FBS harness,
SOAP through the core's client); the virtual clock moves only through the simulator's
admin API (or, while the debtor system is down, the shared clock object itself).
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import requests

from debitorsim.klik.settings import ScenarioSettings
from debitorsim.testbed import Testbed
from oeir import model
from oeir.dansk import kroner
from oeir.identifiers import mask_cpr
from simulators.clock import TZ

DAGE = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


def kr(text: str) -> int:
    """``"125,50 kr"`` or ``"125,50"`` -> 12550 øre."""
    clean = text.replace("kr", "").replace(".", "").replace(",", ".").strip()
    return int(Decimal(clean) * 100)


def json_oere(value: Any) -> int:
    """A JSON kroner amount (``35.5`` or ``"35.50"``) -> øre."""
    return int(Decimal(str(value)) * 100)


def fmt_kr(oere: int) -> str:
    """12550 -> ``"125,50 kr."`` (the one formatter, `oeir.kroner`)."""
    return kroner(oere)


def fmt_tid(when: datetime | None) -> str:
    """A virtual time the way a Dane reads it: ``tirsdag 13.01.2026 kl. 02:00``."""
    if when is None:
        return "aldrig"
    when = when.astimezone(TZ)
    return f"{DAGE[when.weekday()]} {when:%d.%m.%Y} kl. {when:%H:%M}"


def parse_tid(text: str) -> datetime:
    """``"tirsdag 13.01.2026 kl. 02:00"`` (weekday optional) -> aware datetime."""
    m = re.search(r"(\d{2})\.(\d{2})\.(\d{4})(?: kl\. (\d{2}):(\d{2}))?", text)
    if not m:
        raise ValueError(f"ikke et tidspunkt: {text!r}")
    d, mo, y, hh, mm = m.groups()
    return datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), tzinfo=TZ)


def spaerret_text(blocked: bool) -> str:
    """A patron's block state in words."""
    return "spærret" if blocked else "ikke spærret"


def ja_nej(value: bool) -> str:
    """True/False in Danish."""
    return "ja" if value else "nej"


def expect(observed: Any, expected: Any, what: str) -> None:
    """Assert equality with a message a project manager can read."""
    assert observed == expected, f"{what}: forventet {expected}, fik {observed}"


@dataclass
class Measurements:
    """What the runs measured, per system, for the readiness report."""

    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    timelines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, system: str, key: str, value: Any) -> None:
        """One figure (e.g. hours blocked after paying) for `system`."""
        with self._lock:
            self.figures.setdefault(system, {})[key] = value

    def timeline(self, system: str, lane: dict[str, Any]) -> None:
        """One claim's life on `system` (steps with virtual times, optional blocked span)."""
        with self._lock:
            lanes = self.timelines.setdefault(system, [])
            lanes[:] = [x for x in lanes if x["label"] != lane["label"]] + [lane]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"figures": self.figures, "timelines": self.timelines}


@dataclass(frozen=True)
class Betaling:
    """A payment a scenario made (or had the debtor system report), for the steps after it.

    Passed from step to step as the ``betaling`` fixture (pytest-bdd ``target_fixture``).
    """

    dato: date
    """The payment date FBS should show."""
    tid: datetime | None = None
    """When the citizen paid (virtual time), where the scenario set it."""
    vej: str | None = None
    """How the citizen paid: ``betalingsløsning`` or ``indbetalingskort``."""
    meldinger: tuple[model.Haendelse, ...] = ()
    """The callbacks that reported it, in the order they were made (not sent)."""


@dataclass(frozen=True)
class Inddrivelse:
    """A claim sent to collection (PSRM), passed on as the ``inddrivelse`` fixture."""

    alias: str
    """Which of the scenario's fees (``gebyret``, ``erstatningskravet``)."""
    overdraget: datetime | None = None
    """When PSRM received it, once a step has seen that."""


@dataclass
class World:
    """One scenario's view of the test bed."""

    bed: Testbed
    settings: ScenarioSettings
    measurements: Measurements
    seed: int
    http: requests.Session = field(default_factory=requests.Session)
    system: str | None = None
    kode: str | None = None
    patron: dict[str, Any] = field(default_factory=dict)
    fees: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_fee: str | None = None
    slips: list[dict[str, Any]] = field(default_factory=list)
    """The payment slips paid at the bank, in order (each gets its own OCR id)."""
    call_numbers: Iterator[int] = field(default_factory=itertools.count)
    """Numbers for this scenario's own call ids (CallersServiceCallIdentifier)."""

    # -- plumbing ---------------------------------------------------------------------------

    def use(self, system: str) -> None:
        """Play the municipality standing in for `system`."""
        self.system = system
        self.kode = self.settings.kode(system)

    def admin(self, method: str, path: str, **kw: Any) -> Any:
        """Call the simulator's admin API and return its JSON (2xx asserted)."""
        r = self.http.request(method, f"{self.bed.sim_url}/admin{path}", timeout=30, **kw)
        assert r.status_code < 300, f"admin {method} {path}: HTTP {r.status_code} {r.text[:300]}"
        return r.json()

    def harness(self, method: str, path: str, **kw: Any) -> Any:
        """Call the core's FBS harness and return its JSON (2xx asserted)."""
        r = self.http.request(method, f"{self.bed.core_url}/harness{path}", timeout=30, **kw)
        assert r.status_code < 300, f"FBS {method} {path}: HTTP {r.status_code} {r.text[:300]}"
        return r.json()

    @property
    def tenant(self) -> dict[str, Any]:
        """The municipality as the simulator's registry has it (profile values included)."""
        return self.admin("GET", f"/tenants/{self.kode}")

    def profile(self, dotted: str) -> Any:
        """One resolved profile value of the municipality (e.g. ``reminders.Gebyr.fee``)."""
        return self.tenant["profile"][dotted]["value"]

    def now(self) -> datetime:
        """The virtual time."""
        return datetime.fromisoformat(self.admin("GET", "/clock")["now"])

    def set_clock(self, when: datetime) -> None:
        """Move the clock to `when`, running every job that falls due on the way."""
        self.admin("POST", "/clock", json={"set": when.isoformat()})

    def advance(self, duration: str) -> None:
        """Move the clock by an ISO 8601 duration (jobs run), then let the outbox deliver."""
        self.admin("POST", "/clock", json={"advance": duration})
        self.drain()

    def drain(self) -> Any:
        """The outbox delivers what is due now."""
        return self.bed.drain()

    # -- FBS side ---------------------------------------------------------------------------

    def create_fee(
        self,
        alias: str,
        amount: int,
        *,
        kind: str = "fee",
        reason: str | None = None,
        acknowledged: bool | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        """The library creates a fee for the patron (amount in øre)."""
        assert self.kode is not None, "ingen kommune valgt"
        patron = dict(self.patron)
        if name is not None:
            patron["name"] = name
        body: dict[str, Any] = {
            "agencyId": f"DK-7{self.kode}00",
            "type": kind,
            "reasonMessage": reason or ("Gebyr (for sent)" if kind == "fee" else "Erstatning"),
            "amount": amount / 100,
            "patron": patron,
            "materials": [
                {"materialItemNumber": "3846990827", "recordId": "870970-basis:29630364"}
            ],
        }
        if acknowledged is not None:
            body["acknowledgedInWriting"] = acknowledged
        fee = self.harness("POST", "/fees", json=body)
        self.fees[alias] = fee
        self.last_fee = alias
        self.patron.setdefault("patronId", fee["patronId"])
        return fee

    def fee(self, alias: str) -> dict[str, Any]:
        """The fee as FBS shows it now."""
        fee = self.harness("GET", f"/fees/{self.fees[alias]['feeId']}")
        self.fees[alias] = fee
        return fee

    def patron_view(self) -> dict[str, Any]:
        """The patron's debt, block and block history."""
        return self.harness("GET", f"/patrons/{self.patron['patronId']}")

    def outbox(self, state: str | None = None) -> dict[str, Any]:
        """The core's outbox (counts and messages)."""
        return self.harness("GET", "/outbox" + (f"?state={state}" if state else ""))

    # -- debtor side ------------------------------------------------------------------------

    def debitor(self) -> model.Debitor:
        """The patron as a debtor on the wire."""
        if self.patron.get("cvr"):
            return model.Debitor(cvr_nummer=self.patron["cvr"])
        return model.Debitor(cpr_nummer=self.patron["cpr"])

    def konto(self) -> model.Debitorkonto | None:
        """The patron's debtor account, fetched with HentDebitorkonto (real SOAP)."""
        from integration.client.api import BusinessFault

        assert self.bed.core is not None and self.kode is not None
        try:
            svar = self.bed.core.client.call(
                self.kode,
                model.HentDebitorkonto(kommunekode=self.kode, debitor=self.debitor()),
                f"scenarie-{self.seed}-{next(self.call_numbers)}",
            )
        except BusinessFault:
            return None
        return svar.debitorkonto

    def saldo(self, alias: str) -> model.FordringSaldo:
        """The claim behind a fee, as the debtor system reports it."""
        konto = self.konto()
        fordring_id = self.fees[alias]["fordringId"]
        found = [f for f in (konto.fordringer if konto else ()) if f.fordring_id == fordring_id]
        assert found, f"fordringen for {alias}: forventet i debitorsystemet, fik ingen"
        return found[0]

    def timeline(self, alias: str) -> list[dict[str, Any]]:
        """The claim's timeline from the simulator's admin API."""
        fid = self.fees[alias]["fordringId"]
        return self.admin("GET", f"/claims/{self.kode}/{fid}/timeline")["timeline"]

    def step_time(self, alias: str, step: str) -> datetime | None:
        """When the claim's timeline first reached `step` (None if never)."""
        for s in self.timeline(alias):
            if s["step"] == step:
                return datetime.fromisoformat(s["at"])
        return None

    def masked(self) -> str:
        """The patron's identity, printable."""
        cpr = self.patron.get("cpr")
        return mask_cpr(cpr) if cpr else str(self.patron.get("cvr"))


def days_between(a: datetime, b: datetime) -> float:
    """Days from `a` to `b`, to one decimal."""
    return round((b - a) / timedelta(days=1), 1)


def first_weekday_on_or_after(d: date, weekday: int) -> date:
    """The first date on or after `d` with `weekday` (0 = Monday)."""
    return d + timedelta(days=(weekday - d.weekday()) % 7)
