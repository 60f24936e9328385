"""The ledger's shared core: the store and clock it works on, the event log's one
writer (`_emit`, which also calls the listeners), the checks every operation makes, and
the content hash behind idempotency.

The operations are split by concern over mixins of `LedgerCore`: `commands` (the
debtor system's SOAP registrations), `payments` (allocation of payments and their
reversal), `bookings` (the debtor system's own bookings) and `queries`; `Ledger`
combines them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import date, datetime
from functools import cache
from typing import Any, Protocol

from oeir import model
from oeir.faults import BusinessRuleBroken
from simulators.ledger.ports import LedgerStore, LedgerTx
from simulators.ledger.records import Account, Claim, Event, EventKind, NewEvent

Status = model.FordringStatus


class Clock(Protocol):
    """Anything with `now()` returning an aware datetime is a clock."""

    def now(self) -> datetime:
        """The current (virtual) time."""


EventListener = Callable[[Any, Event], None]
"""Called inside the transaction for every event appended (e.g. to queue a callback).

It gets the transaction the store handed the ledger (the store's whole unit of work, not
only the ledger's port), so what it writes commits or rolls back with the event."""


def fault(kode: str, felt: str | None = None, detalje: str | None = None) -> BusinessRuleBroken:
    """A business fault with a catalogue code."""
    return BusinessRuleBroken(detalje, kode=kode, felt=felt)


@cache
def _sorted_field_names(cls: type) -> tuple[str, ...]:
    return tuple(sorted(f.name for f in fields(cls)))


def _json_default(obj: Any) -> Any:
    """What the canonical JSON writes for a value JSON has no type for: a dataclass as the
    dict of its fields in name order (`dataclasses.asdict`, one level: the encoder comes
    back for the values), anything else (dates) as its `str`."""
    cls = type(obj)
    if hasattr(cls, "__dataclass_fields__"):
        return {name: getattr(obj, name) for name in _sorted_field_names(cls)}
    return str(obj)


_CANONICAL_JSON = json.JSONEncoder(default=_json_default, ensure_ascii=False, check_circular=False)
"""`json.dumps(asdict(obj), sort_keys=True, default=str, ensure_ascii=False)` without the
copy `asdict` makes, for values whose dicts are in key order: a dataclass's fields are
written in name order (`_json_default`), so the encoder need not sort. The writers below
(`_value`) write the same text; this encoder writes what they have no writer for."""

_encode_str: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _write_list(items: Any) -> str:
    return f"[{', '.join([_value(v) for v in items])}]" if items else "[]"


def _write_dict(d: dict[Any, Any]) -> str:
    if not all(type(k) is str for k in d):  # keys JSON turns into text: the encoder's way
        return _CANONICAL_JSON.encode(d)
    if not d:
        return "{}"
    return f"{{{', '.join([f'{_encode_str(k)}: {_value(v)}' for k, v in d.items()])}}}"


_WRITERS: dict[type, Callable[[Any], str]] = {
    str: _encode_str,
    int: int.__repr__,
    bool: lambda b: "true" if b else "false",
    type(None): lambda _: "null",
    date: lambda d: f'"{d.isoformat()}"',  # `str(date)`: digits and dashes, nothing to escape
    tuple: _write_list,
    list: _write_list,
    dict: _write_dict,
}
"""The canonical JSON of a value, by its exact type; a dataclass's writer is generated the
first time one is written (`_writer_of`)."""


def _writer_of(cls: type) -> Callable[[Any], str]:
    """The canonical JSON writer of one dataclass: its fields in name order, generated once
    per class as one expression. A frozen dataclass remembers its last instance's text: the
    Fordring of an `OpretFordring` is written for the call's hash, then again as the claim's
    payload (`claim_payload`)."""
    names = sorted(f.name for f in fields(cls))
    if names:
        heads = ["{" if i == 0 else ", " for i in range(len(names))]
        text = " + ".join(
            f"{h + _encode_str(n) + ': '!r} + _value(obj.{n})"
            for h, n in zip(heads, names, strict=True)
        )
        text += " + '}'"
    else:
        text = "'{}'"
    if cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        src = (
            "def write(obj):\n"
            "    last = memo[0]\n"
            "    if last[0] is obj:\n"
            "        return last[1]\n"
            f"    text = {text}\n"
            "    memo[0] = (obj, text)\n"
            "    return text\n"
        )
    else:
        src = f"def write(obj):\n    return {text}\n"
    scope: dict[str, Any] = {"_value": _value, "memo": [(None, "")]}
    exec(src, scope)  # made of the class's own field names only
    write: Callable[[Any], str] = scope["write"]
    return write


_NATIVE = (int, float, list, tuple, dict)


def _value(v: Any) -> str:
    """The canonical JSON of `v`: what `_CANONICAL_JSON` writes, by a writer per type."""
    cls = type(v)
    write = _WRITERS.get(cls)
    if write is None:
        # In the encoder's order: a str (StrEnum) or a number, list or dict of a subclass
        # is written as one; only what it has no type for is handed to `_json_default`.
        if issubclass(cls, str):
            write = _encode_str
        elif hasattr(cls, "__dataclass_fields__") and not issubclass(cls, _NATIVE):
            write = _writer_of(cls)
        else:
            write = _CANONICAL_JSON.encode
        _WRITERS[cls] = write
    return write(v)


def _canonical(obj: Any) -> str:
    return _value(obj)


def digest(obj: Any) -> str:
    """A stable content hash of a message (for idempotency): the SHA-256 of its canonical
    JSON (keys sorted, dates as ISO text). The keys of a dataclass are sorted here, those
    of a dict are not: a dict (no message holds one) must come in key order."""
    return hashlib.sha256(_canonical(obj).encode()).hexdigest()


def claim_payload(fordring: model.Fordring) -> str:
    """The JSON a claim stores of the Fordring it was created with: the canonical text its
    content hash (`digest`) is taken of."""
    return _canonical(fordring)


def payload_digest(payload: str) -> str:
    """The content hash of a claim from its stored payload: the `digest` of the Fordring it
    was created with. The payload is canonicalised again: a claim stored by an older
    version may hold the same JSON in another key order."""
    text = json.dumps(json.loads(payload), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class LedgerCore:
    """The debtor ledger's state and shared steps, over a store implementing `LedgerStore`."""

    def __init__(self, store: LedgerStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.listeners: list[EventListener] = []

    def _emit(
        self,
        tx: LedgerTx,
        kind: EventKind,
        konto: str,
        kommunekode: str,
        fordring_id: str | None,
        beloeb: int = 0,
        **data: Any,
    ) -> Event:
        event = tx.append_event(
            NewEvent(
                kind=kind,
                kommunekode=kommunekode,
                konto=konto,
                fordring_id=fordring_id,
                beloeb=beloeb,
                tidspunkt=self.clock.now(),
                data={k: v for k, v in data.items() if v is not None},
            )
        )
        for listener in self.listeners:
            listener(tx, event)
        return event

    def _claim_event(
        self, tx: LedgerTx, claim: Claim, kind: EventKind, beloeb: int, **data: Any
    ) -> Event:
        return self._emit(
            tx,
            kind,
            claim.konto,
            claim.kommunekode,
            claim.fordring_id,
            beloeb,
            agency_id=claim.agency_id,
            **data,
        )

    @staticmethod
    def _claim(tx: LedgerTx, kommunekode: str, fordring_id: str, felt: str = "FordringId") -> Claim:
        claim = tx.claim(kommunekode, fordring_id)
        if claim is None:
            raise fault("FordringFindesIkke", felt, fordring_id)
        return claim

    @staticmethod
    def _open(claim: Claim) -> None:
        if not claim.aaben:
            raise fault("FordringErLukket", "FordringId", f"{claim.fordring_id}: {claim.status}")

    @staticmethod
    def _settle(claim: Claim, closing: Status) -> Claim:
        if claim.saldo < 0:
            raise AssertionError(f"negative saldo on {claim.fordring_id}")  # ledger bug
        if claim.saldo == 0 and claim.aaben:
            return replace(claim, status=closing)
        return claim

    @staticmethod
    def _fits(total: int, felt: str, what: str) -> None:
        """Refuse a booking that would make a reported amount larger than the contract carries."""
        if total > model.MAX_OERE:
            raise fault("BeloebForStort", felt, f"{what} {total} > {model.MAX_OERE} øre")

    def _fits_claim(self, claim: Claim, extra: int, felt: str = "Beloeb") -> None:
        """The claim's gross total (principal + fees + interest) bounds every amount it reports."""
        self._fits(claim.hovedstol + claim.rykkergebyrer + claim.renter + extra, felt, "fordring")

    def _fits_account(self, tx: LedgerTx, konto: str, extra: int, felt: str = "Beloeb") -> None:
        """The account's balance is its claims' balances minus its credit: keep each part in range."""
        self._fits(tx.account_owed(konto) + extra, felt, "debitorkonto")

    def _account_for(self, tx: LedgerTx, kommunekode: str, debitor: model.Debitor) -> Account:
        account = tx.account_by_debtor(kommunekode, debitor.ident)
        if account is None:
            account = tx.insert_account(
                Account(
                    nummer="",
                    kommunekode=kommunekode,
                    cpr_nummer=debitor.cpr_nummer,
                    cvr_nummer=debitor.cvr_nummer,
                    navn=debitor.navn,
                    oprettet=self.clock.now(),
                )
            )
            self._emit(tx, EventKind.DEBITORKONTO_OPRETTET, account.nummer, kommunekode, None)
        elif account.lukket:
            account = replace(account, lukket=False)
            tx.update_account(account)
        return account

    def _idempotent(
        self, tx: LedgerTx, scope: str, kommunekode: str, key: str, dig: str, kode: str
    ) -> Any:
        seen = tx.idempotent(scope, kommunekode, key)
        if seen is None:
            return None
        if seen[0] != dig:
            raise fault(kode, None, key)
        return json.loads(seen[1])
