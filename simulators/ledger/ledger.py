"""The debtor ledger: accounts and claims, their operations, and the event log.

Plain Python, no web framework. Every operation runs in one store
transaction: it either changes the claim, the account and appends its events
together, or raises an `OeirFault` and changes nothing.

Decisions (see docs/profiles.md):
- A debtor has one account per municipality, keyed on CPR/CVR.
- `Nedregulering` (the debtor system's own down-adjustment) is its own
  component, `nedreguleret`; `DebitorForespoergsel` reports it inside
  `Nedskrevet` (the contract has no separate field) and as its own `Postering`.
- An overpayment covers the claim's balance; the rest becomes the account's
  credit (`tilgode`) with an `Overskud` event. `ForetagIndbetaling` spreads an
  amount over the open claims, oldest due date first, before any credit.
- An annulment writes the remaining balance down (`Annullering` event) and
  keeps any payments made. A claim whose balance reaches 0 closes: `Betalt`
  by a payment, `Afskrevet` by a write-off, `Annulleret` otherwise.
- A reversed payment reopens a closed `Betalt` claim.
- Every amount the contract reports stays within `BeloebType` (`model.MAX_OERE`):
  a booking that would push a claim's total (principal + fees + interest), the
  sum of an account's claim balances or its credit past it is refused with
  `BeloebForStort`.
- A `FordringId` named twice in one message (a payment, or the claims of
  `OpretDebitorkonto`) is refused (`FordringIdGentaget`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime
from functools import cache
from typing import Any, Protocol

from oeir import model
from oeir.faults import BusinessRuleBroken
from oeir.rules import repeated_ids
from simulators.ledger.records import (
    COMPONENT_OF,
    POSTERING_OF,
    Account,
    Claim,
    Event,
    EventKind,
    NewEvent,
)
from simulators.store.base import Store, Tx

Status = model.FordringStatus


class Clock(Protocol):
    """Anything with `now()` returning an aware datetime is a clock."""

    def now(self) -> datetime:
        """The current (virtual) time."""


_KEEP_CLOSED: dict[Status, tuple[EventKind, str]] = {
    Status.ANNULLERET: (EventKind.ANNULLERING, "nedskrevet"),
    Status.AFSKREVET: (EventKind.AFSKRIVNING, "afskrevet"),
}

EventListener = Callable[[Tx, Event], None]
"""Called inside the transaction for every event appended (e.g. to queue a callback)."""


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """Where a payment went: per-claim coverage, the credit left over, and the events."""

    daekninger: tuple[model.DaekningKvittering, ...]
    overskud: int
    events: tuple[Event, ...]


def fault(kode: str, felt: str | None = None, detalje: str | None = None) -> BusinessRuleBroken:
    """A business fault with a catalogue code."""
    return BusinessRuleBroken(detalje, kode=kode, felt=felt)


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


_SCALARS = frozenset({str, int, bool, type(None), date, datetime})


def _plain(obj: Any) -> Any:
    """`dataclasses.asdict` without its deep copy: the result is only serialised."""
    cls = type(obj)
    if cls in _SCALARS:  # most values: skip the checks below
        return obj
    if hasattr(cls, "__dataclass_fields__"):
        return {name: _plain(getattr(obj, name)) for name in _field_names(cls)}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


def _canonical(obj: Any) -> str:
    return json.dumps(_plain(obj), sort_keys=True, default=str, ensure_ascii=False)


def digest(obj: Any) -> str:
    """A stable content hash of a message or dataclass (for idempotency)."""
    return hashlib.sha256(_canonical(obj).encode()).hexdigest()


def _digest_and_payload(fordring: model.Fordring) -> tuple[str, dict[str, Any]]:
    """The claim's content hash and its stored JSON payload from one copy (the hot path)."""
    text = _canonical(fordring)
    payload: dict[str, Any] = json.loads(text)
    return hashlib.sha256(text.encode()).hexdigest(), payload


class Ledger:
    """The debtor ledger of all simulated municipalities, over a `Store`."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.listeners: list[EventListener] = []

    # -- helpers ---------------------------------------------------------------

    def _emit(
        self,
        tx: Tx,
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
        self, tx: Tx, claim: Claim, kind: EventKind, beloeb: int, **data: Any
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
    def _claim(tx: Tx, kommunekode: str, fordring_id: str, felt: str = "FordringId") -> Claim:
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

    def _fits_account(self, tx: Tx, konto: str, extra: int, felt: str = "Beloeb") -> None:
        """The account's balance is its claims' balances minus its credit: keep each part in range."""
        owed = sum(c.saldo for c in tx.claims_of_account(konto))
        self._fits(owed + extra, felt, "debitorkonto")

    def _account_for(self, tx: Tx, kommunekode: str, debitor: model.Debitor) -> Account:
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
        self, tx: Tx, scope: str, kommunekode: str, key: str, dig: str, kode: str
    ) -> Any:
        seen = tx.idempotent(scope, kommunekode, key)
        if seen is None:
            return None
        if seen[0] != dig:
            raise fault(kode, None, key)
        return json.loads(seen[1])

    # -- DebitorRegistreringAfsend -----------------------------------------------

    def opret_debitorkonto(self, msg: model.OpretDebitorkonto) -> model.OpretDebitorkontoSvar:
        """Create (or find) the debtor's account and create its claims, idempotently."""
        kommunekode = msg.kreditor.kommunekode
        again = next(repeated_ids(f.fordring_id for f in msg.fordringer), None)
        if again is not None:
            raise fault("FordringIdGentaget", f"Fordring[{again[0]}]/FordringId", again[1])
        with self.store.transaction() as tx:
            account = self._account_for(tx, kommunekode, msg.debitor)
            ider = []
            for fordring in msg.fordringer:
                svar = self._opret_fordring(tx, fordring, account)
                ider.append(svar.fordring_id)
            return model.OpretDebitorkontoSvar(
                debitorkontonummer=account.nummer, fordring_ider=tuple(ider)
            )

    def opret_fordring(
        self, fordring: model.Fordring, *, create_account: bool = True
    ) -> model.OpretFordringSvar:
        """Add a claim to the debtor's account; the same id and content returns the first answer.

        With `create_account` False, a debtor without an account gets `DebitorkontoFindesIkke`.
        """
        with self.store.transaction() as tx:
            account = tx.account_by_debtor(fordring.kreditor.kommunekode, fordring.debitor.ident)
            if account is None and not create_account:
                seen = tx.idempotent(
                    "fordring", fordring.kreditor.kommunekode, fordring.fordring_id
                )
                if seen is None:
                    raise fault("DebitorkontoFindesIkke", "Fordring/Debitor")
            if account is None or account.lukket:
                account = self._account_for(tx, fordring.kreditor.kommunekode, fordring.debitor)
            return self._opret_fordring(tx, fordring, account)

    def _opret_fordring(
        self, tx: Tx, fordring: model.Fordring, account: Account
    ) -> model.OpretFordringSvar:
        kommunekode = fordring.kreditor.kommunekode
        dig, payload = _digest_and_payload(fordring)
        seen = self._idempotent(
            tx, "fordring", kommunekode, fordring.fordring_id, dig, "FordringIdAlleredeBrugt"
        )
        if seen is not None:
            return model.OpretFordringSvar(**seen)
        if tx.claim(kommunekode, fordring.fordring_id) is not None:
            raise fault("FordringIdAlleredeBrugt", "FordringId", fordring.fordring_id)
        if fordring.debitor.ident != account.ident:
            raise fault("DebitorUoverensstemmelse", "Fordring/Debitor")
        self._fits_account(tx, account.nummer, fordring.hovedstol, "Fordring/Hovedstol")
        claim = Claim(
            kommunekode=kommunekode,
            fordring_id=fordring.fordring_id,
            konto=account.nummer,
            agency_id=fordring.kreditor.agency_id,
            fordring_type=fordring.fordring_type,
            klassifikationskode=fordring.klassifikationskode,
            hovedstol=fordring.hovedstol,
            stiftelsesdato=fordring.stiftelsesdato,
            forfaldsdato=fordring.forfaldsdato,
            sidste_rettidige_betalingsdato=fordring.sidste_rettidige_betalingsdato,
            tekst=fordring.tekst,
            skriftligt_anerkendt=fordring.skriftligt_anerkendt,
            oprettet=self.clock.now(),
            payload=payload,
        )
        tx.insert_claim(claim)
        self._claim_event(tx, claim, EventKind.FORDRING_OPRETTET, claim.hovedstol)
        svar = model.OpretFordringSvar(
            debitorkontonummer=account.nummer, fordring_id=fordring.fordring_id
        )
        tx.remember("fordring", kommunekode, fordring.fordring_id, dig, json.dumps(asdict(svar)))
        return svar

    def nedskriv(self, msg: model.NedskrivFordring) -> model.NedskrivFordringSvar:
        """Write a claim down; the same NedskrivningId and content returns the first answer."""
        kommunekode = msg.kreditor.kommunekode
        with self.store.transaction() as tx:
            dig = digest(msg)
            seen = self._idempotent(
                tx,
                "nedskrivning",
                kommunekode,
                msg.nedskrivning_id,
                dig,
                "NedskrivningIdAlleredeBrugt",
            )
            if seen is not None:
                return model.NedskrivFordringSvar(**seen)
            claim = self._claim(tx, kommunekode, msg.fordring_id)
            self._open(claim)
            if msg.beloeb > claim.saldo:
                raise fault(
                    "NedskrivningOverstigerSaldo", "Beloeb", f"{msg.beloeb} > {claim.saldo} øre"
                )
            claim = self._settle(
                replace(claim, nedskrevet=claim.nedskrevet + msg.beloeb), Status.ANNULLERET
            )
            tx.update_claim(claim)
            self._claim_event(
                tx,
                claim,
                EventKind.NEDSKRIVNING,
                msg.beloeb,
                nedskrivning_id=msg.nedskrivning_id,
                aarsag=str(msg.aarsag),
                tekst=msg.tekst,
            )
            svar = model.NedskrivFordringSvar(fordring_id=claim.fordring_id, saldo=claim.saldo)
            tx.remember(
                "nedskrivning", kommunekode, msg.nedskrivning_id, dig, json.dumps(asdict(svar))
            )
            return svar

    def annuller(self, msg: model.AnnullerFordring) -> model.AnnullerFordringSvar:
        """Cancel a claim: write the remaining balance down. Cancelling twice answers the same."""
        with self.store.transaction() as tx:
            claim = self._claim(tx, msg.kreditor.kommunekode, msg.fordring_id)
            if claim.status == Status.ANNULLERET:
                return model.AnnullerFordringSvar(
                    fordring_id=claim.fordring_id, status=claim.status
                )
            self._open(claim)
            rest = claim.saldo
            claim = replace(claim, nedskrevet=claim.nedskrevet + rest, status=Status.ANNULLERET)
            tx.update_claim(claim)
            self._claim_event(
                tx, claim, EventKind.ANNULLERING, rest, aarsag=str(msg.aarsag), tekst=msg.tekst
            )
            return model.AnnullerFordringSvar(fordring_id=claim.fordring_id, status=claim.status)

    def skift_haefter(self, msg: model.SkiftHaefter) -> model.SkiftHaefterSvar:
        """Move an open claim to the new debtor's account (created when missing)."""
        kommunekode = msg.kreditor.kommunekode
        with self.store.transaction() as tx:
            claim = self._claim(tx, kommunekode, msg.fordring_id)
            current = tx.account(claim.konto)
            if current is not None and current.ident == msg.ny_debitor.ident:
                return model.SkiftHaefterSvar(
                    fordring_id=claim.fordring_id, debitorkontonummer=claim.konto
                )
            self._open(claim)
            target = self._account_for(tx, kommunekode, msg.ny_debitor)
            self._fits_account(tx, target.nummer, claim.saldo, "NyDebitor")
            moved = replace(claim, konto=target.nummer)
            tx.update_claim(moved)
            self._claim_event(
                tx,
                moved,
                EventKind.HAEFTER_SKIFTET,
                0,
                fra_konto=claim.konto,
                til_konto=target.nummer,
            )
            return model.SkiftHaefterSvar(
                fordring_id=claim.fordring_id, debitorkontonummer=target.nummer
            )

    # -- payments ------------------------------------------------------------------

    def daekning(
        self,
        kommunekode: str,
        fordring_id: str,
        beloeb: int,
        betalingsmiddel: model.Betalingsmiddel,
        *,
        indbetaling_id: str | None = None,
        betalingsdato: date | None = None,
    ) -> PaymentResult:
        """Register a payment on one claim; beyond its balance, the rest becomes account credit."""
        if beloeb <= 0:
            raise fault("BeloebIkkePositivt", "Beloeb")
        with self.store.transaction() as tx:
            claim = self._claim(tx, kommunekode, fordring_id)
            self._open(claim)
            return self._pay(
                tx,
                kommunekode,
                [fordring_id],
                beloeb,
                betalingsmiddel,
                indbetaling_id,
                betalingsdato,
                claim.konto,
            )

    def _pay(
        self,
        tx: Tx,
        kommunekode: str,
        fordring_ider: Iterable[str],
        beloeb: int,
        betalingsmiddel: model.Betalingsmiddel,
        indbetaling_id: str | None,
        betalingsdato: date | None,
        konto: str,
    ) -> PaymentResult:
        """Spread `beloeb` over the claims in order, the rest to the account's credit.

        Each claim is read from the transaction at its turn, never from a copy taken
        before the loop: an earlier step of the same payment may have changed it.
        """
        paid_on = (betalingsdato or self.clock.now().date()).isoformat()
        rest = beloeb
        daekninger: list[model.DaekningKvittering] = []
        events: list[Event] = []
        for fordring_id in fordring_ider:
            if rest == 0:
                break
            claim = self._claim(tx, kommunekode, fordring_id)
            part = min(rest, claim.saldo)
            if part <= 0:
                continue
            rest -= part
            updated = self._settle(replace(claim, daekket=claim.daekket + part), Status.BETALT)
            tx.update_claim(updated)
            events.append(
                self._claim_event(
                    tx,
                    updated,
                    EventKind.DAEKNING,
                    part,
                    betalingsmiddel=str(betalingsmiddel),
                    betalingsdato=paid_on,
                    indbetaling_id=indbetaling_id,
                )
            )
            daekninger.append(model.DaekningKvittering(fordring_id=claim.fordring_id, beloeb=part))
        if rest > 0:
            account = tx.account(konto)
            assert account is not None
            self._fits(account.tilgode + rest, "Beloeb", "tilgode")
            tx.update_account(replace(account, tilgode=account.tilgode + rest))
            events.append(
                self._emit(
                    tx,
                    EventKind.OVERSKUD,
                    konto,
                    account.kommunekode,
                    None,
                    rest,
                    betalingsmiddel=str(betalingsmiddel),
                    betalingsdato=paid_on,
                    indbetaling_id=indbetaling_id,
                )
            )
        return PaymentResult(tuple(daekninger), rest, tuple(events))

    def foretag_indbetaling(self, msg: model.ForetagIndbetaling) -> model.ForetagIndbetalingSvar:
        """Pay an amount on the named claims, or on the open claims oldest due first."""
        kommunekode = msg.kommunekode
        with self.store.transaction() as tx:
            dig = digest(msg)
            seen = self._idempotent(
                tx,
                "indbetaling",
                kommunekode,
                msg.indbetaling_id,
                dig,
                "IndbetalingIdAlleredeBrugt",
            )
            if seen is not None:
                return model.ForetagIndbetalingSvar(
                    indbetaling_id=seen["indbetaling_id"],
                    daekninger=tuple(model.DaekningKvittering(**d) for d in seen["daekninger"]),
                    overskud=seen["overskud"],
                )
            account = tx.account_by_debtor(kommunekode, msg.debitor.ident)
            if account is None:
                raise fault("DebitorkontoFindesIkke", "Debitor")
            if msg.fordring_ider:
                again = next(repeated_ids(msg.fordring_ider), None)
                if again is not None:
                    raise fault("FordringIdGentaget", f"FordringId[{again[0]}]", again[1])
                for i, fid in enumerate(msg.fordring_ider, 1):
                    claim = self._claim(tx, kommunekode, fid, f"FordringId[{i}]")
                    if claim.konto != account.nummer:
                        raise fault("DebitorUoverensstemmelse", f"FordringId[{i}]", fid)
                    self._open(claim)
                fordring_ider = list(msg.fordring_ider)
            else:
                fordring_ider = [
                    c.fordring_id for c in tx.claims_of_account(account.nummer) if c.aaben
                ]
            result = self._pay(
                tx,
                kommunekode,
                fordring_ider,
                msg.beloeb,
                msg.betalingsmiddel,
                msg.indbetaling_id,
                None,
                account.nummer,
            )
            svar = model.ForetagIndbetalingSvar(
                indbetaling_id=msg.indbetaling_id,
                daekninger=result.daekninger,
                overskud=result.overskud,
            )
            tx.remember(
                "indbetaling", kommunekode, msg.indbetaling_id, dig, json.dumps(asdict(svar))
            )
            return svar

    def tilbagefoer_daekning(self, event_id: str, tekst: str | None = None) -> Event:
        """Reverse a payment event (`Daekning` on a claim, or an `Overskud` credit) once."""
        with self.store.transaction() as tx:
            original = tx.event(event_id)
            if original is None or original.kind not in (EventKind.DAEKNING, EventKind.OVERSKUD):
                raise fault("HaendelseFindesIkke", "HaendelseId", event_id)
            if tx.idempotent("tilbagefoersel", original.kommunekode, event_id) is not None:
                raise fault("HaendelseFindesIkke", "HaendelseId", f"{event_id} already reversed")
            if original.kind == EventKind.DAEKNING and original.fordring_id is not None:
                claim = self._claim(tx, original.kommunekode, original.fordring_id)
                if claim.status not in _KEEP_CLOSED:  # the balance grows back by the amount
                    self._fits_account(tx, claim.konto, original.beloeb, "HaendelseId")
            tx.remember("tilbagefoersel", original.kommunekode, event_id, "", "{}")
            if original.kind == EventKind.OVERSKUD:
                account = tx.account(original.konto)
                assert account is not None
                tx.update_account(replace(account, tilgode=account.tilgode - original.beloeb))
                return self._emit(
                    tx,
                    EventKind.OVERSKUD_TILBAGEFOERT,
                    original.konto,
                    original.kommunekode,
                    None,
                    original.beloeb,
                    oprindelig_haendelse_id=event_id,
                    tekst=tekst,
                )
            assert original.fordring_id is not None
            claim = self._claim(tx, original.kommunekode, original.fordring_id)
            status = Status.AABEN if claim.status == Status.BETALT else claim.status
            claim = replace(claim, daekket=claim.daekket - original.beloeb, status=status)
            tx.update_claim(claim)
            reversal = self._claim_event(
                tx,
                claim,
                EventKind.DAEKNING_TILBAGEFOERT,
                original.beloeb,
                oprindelig_haendelse_id=event_id,
                tekst=tekst,
            )
            if claim.status in _KEEP_CLOSED:
                # A cancelled or written-off claim stays at 0: the reversed amount is
                # cancelled or written off too, not revived as debt.
                kind, component = _KEEP_CLOSED[claim.status]
                claim = replace(claim, **{component: getattr(claim, component) + original.beloeb})
                tx.update_claim(claim)
                self._claim_event(
                    tx, claim, kind, original.beloeb, oprindelig_haendelse_id=event_id
                )
            return reversal

    # -- the debtor system's own bookings -------------------------------------------

    def _reduce(
        self,
        kommunekode: str,
        fordring_id: str,
        beloeb: int,
        kind: EventKind,
        component: str,
        closing: Status,
        **data: Any,
    ) -> Event:
        if beloeb <= 0:
            raise fault("BeloebIkkePositivt", "Beloeb")
        with self.store.transaction() as tx:
            claim = self._claim(tx, kommunekode, fordring_id)
            self._open(claim)
            if beloeb > claim.saldo:
                raise fault(
                    "NedskrivningOverstigerSaldo", "Beloeb", f"{beloeb} > {claim.saldo} øre"
                )
            claim = replace(claim, **{component: getattr(claim, component) + beloeb})
            claim = self._settle(claim, closing)
            tx.update_claim(claim)
            return self._claim_event(tx, claim, kind, beloeb, **data)

    def afskriv(
        self,
        kommunekode: str,
        fordring_id: str,
        beloeb: int,
        aarsag: model.AfskrivningAarsag,
        tekst: str | None = None,
    ) -> Event:
        """Write (part of) a claim off; at balance 0 the claim is `Afskrevet`."""
        return self._reduce(
            kommunekode,
            fordring_id,
            beloeb,
            EventKind.AFSKRIVNING,
            "afskrevet",
            Status.AFSKREVET,
            aarsag=str(aarsag),
            tekst=tekst,
        )

    def nedreguler(
        self, kommunekode: str, fordring_id: str, beloeb: int, tekst: str | None = None
    ) -> Event:
        """The debtor system's own down-adjustment (`Nedregulering`)."""
        return self._reduce(
            kommunekode,
            fordring_id,
            beloeb,
            EventKind.NEDREGULERING,
            "nedreguleret",
            Status.ANNULLERET,
            tekst=tekst,
        )

    def _add(
        self,
        kommunekode: str,
        fordring_id: str,
        beloeb: int,
        kind: EventKind,
        component: str,
        **data: Any,
    ) -> Event:
        if beloeb <= 0:
            raise fault("BeloebIkkePositivt", "Beloeb")
        with self.store.transaction() as tx:
            claim = self._claim(tx, kommunekode, fordring_id)
            self._open(claim)
            self._fits_claim(claim, beloeb)
            self._fits_account(tx, claim.konto, beloeb)
            claim = replace(claim, **{component: getattr(claim, component) + beloeb})
            tx.update_claim(claim)
            return self._claim_event(tx, claim, kind, beloeb, **data)

    def rykkergebyr(
        self, kommunekode: str, fordring_id: str, beloeb: int, tekst: str | None = None
    ) -> Event:
        """Add a reminder fee to an open claim (the hook issue [sim-time]'s reminders use)."""
        return self._add(
            kommunekode, fordring_id, beloeb, EventKind.RYKKERGEBYR, "rykkergebyrer", tekst=tekst
        )

    def rente(
        self, kommunekode: str, fordring_id: str, beloeb: int, tekst: str | None = None
    ) -> Event:
        """Add interest to an open claim."""
        return self._add(kommunekode, fordring_id, beloeb, EventKind.RENTE, "renter", tekst=tekst)

    def inddrivelse(
        self,
        kommunekode: str,
        fordring_id: str,
        status: model.PsrmStatus,
        *,
        psrm_reference: str | None = None,
        tekst: str | None = None,
    ) -> Event:
        """Record a PSRM receipt; an accepted handover marks the claim `OverdragetTilInddrivelse`."""
        with self.store.transaction() as tx:
            claim = self._claim(tx, kommunekode, fordring_id)
            new_status = claim.status
            if status in (
                model.PsrmStatus.MODTAGET,
                model.PsrmStatus.SAGSBEHANDL,
                model.PsrmStatus.UDFOERT,
            ):
                if claim.status not in (Status.AABEN, Status.OVERDRAGET):
                    raise fault("FordringErLukket", "FordringId", str(claim.status))
                new_status = Status.OVERDRAGET
            claim = replace(claim, inddrivelse_status=status, status=new_status)
            tx.update_claim(claim)
            return self._claim_event(
                tx,
                claim,
                EventKind.INDDRIVELSE,
                0,
                status=str(status),
                psrm_reference=psrm_reference,
                tekst=tekst,
            )

    def luk_debitorkonto(self, nummer: str) -> Event:
        """Close an account that has no open claims."""
        with self.store.transaction() as tx:
            account = tx.account(nummer)
            if account is None:
                raise fault("DebitorkontoFindesIkke", "Debitorkontonummer", nummer)
            if any(c.aaben for c in tx.claims_of_account(nummer)):
                raise fault("DebitorkontoHarAabneFordringer", "Debitorkontonummer", nummer)
            if account.lukket:
                raise fault("DebitorkontoFindesIkke", "Debitorkontonummer", f"{nummer} is closed")
            tx.update_account(replace(account, lukket=True))
            return self._emit(
                tx,
                EventKind.DEBITORKONTO_LUKKET,
                nummer,
                account.kommunekode,
                None,
                lukkedato=self.clock.now().date().isoformat(),
            )

    # -- DebitorForespoergsel / DebitorIndbetalingAfsend ------------------------------

    def _saldo(self, claim: Claim, events: list[Event]) -> model.FordringSaldo:
        posteringer = tuple(
            model.Postering(
                posteringstype=POSTERING_OF[e.kind],
                beloeb=e.beloeb,
                dato=e.tidspunkt.date(),
                reference=e.event_id,
            )
            for e in events
            if e.kind in POSTERING_OF and e.fordring_id == claim.fordring_id and e.beloeb > 0
        )
        return model.FordringSaldo(
            fordring_id=claim.fordring_id,
            fordring_type=claim.fordring_type,
            status=claim.status,
            hovedstol=claim.hovedstol,
            nedskrevet=claim.nedskrevet + claim.nedreguleret,
            daekket=claim.daekket,
            afskrevet=claim.afskrevet,
            rykkergebyrer=claim.rykkergebyrer,
            renter=claim.renter,
            saldo=claim.saldo,
            forfaldsdato=claim.forfaldsdato,
            sidste_rettidige_betalingsdato=claim.sidste_rettidige_betalingsdato,
            inddrivelse_status=claim.inddrivelse_status,
            posteringer=posteringer,
        )

    def _konto(self, tx: Tx, account: Account) -> model.Debitorkonto:
        claims = tx.claims_of_account(account.nummer)
        events = tx.events(
            kommunekode=account.kommunekode,
            fordring_ider=[c.fordring_id for c in claims],
            kinds=[str(k) for k in POSTERING_OF],
            limit=10_000_000,
        )
        return model.Debitorkonto(
            debitorkontonummer=account.nummer,
            debitor=account.debitor,
            kommunekode=account.kommunekode,
            saldo=sum(c.saldo for c in claims) - account.tilgode,
            lukket=account.lukket,
            fordringer=tuple(self._saldo(c, events) for c in claims),
        )

    def hent_debitorkonto(self, msg: model.HentDebitorkonto) -> model.HentDebitorkontoSvar:
        """One account of the municipality, by number or by debtor."""
        with self.store.read() as tx:
            account = None
            if msg.debitorkontonummer is not None:
                account = tx.account(msg.debitorkontonummer)
                if account is not None and account.kommunekode != msg.kommunekode:
                    account = None  # another municipality's account does not exist for this one
            elif msg.debitor is not None:
                account = tx.account_by_debtor(msg.kommunekode, msg.debitor.ident)
            if account is None:
                raise fault("DebitorkontoFindesIkke", "Debitorkontonummer")
            return model.HentDebitorkontoSvar(debitorkonto=self._konto(tx, account))

    def soeg_debitorkonti(self, msg: model.SoegDebitorkonti) -> model.SoegDebitorkontiSvar:
        """A page of the municipality's accounts; the cursor is the last account number."""
        limit = max(1, min(msg.maks_antal, 1000))
        with self.store.read() as tx:
            page = tx.accounts_page(msg.kommunekode, msg.cursor, limit + 1)
            more = len(page) > limit
            page = page[:limit]
            return model.SoegDebitorkontiSvar(
                debitorkonti=tuple(self._konto(tx, a) for a in page),
                naeste_cursor=page[-1].nummer if more else None,
            )

    def soeg_delfordringer(
        self, msg: model.SoegDelfordringTilIndbetaling
    ) -> model.SoegDelfordringTilIndbetalingSvar:
        """The debtor's open claims that can be paid, oldest due first."""
        with self.store.read() as tx:
            account = tx.account_by_debtor(msg.kommunekode, msg.debitor.ident)
            claims = tx.claims_of_account(account.nummer) if account else []
            return model.SoegDelfordringTilIndbetalingSvar(
                delfordringer=tuple(
                    model.Delfordring(
                        fordring_id=c.fordring_id,
                        tekst=c.tekst,
                        saldo=c.saldo,
                        forfaldsdato=c.forfaldsdato,
                        sidste_rettidige_betalingsdato=c.sidste_rettidige_betalingsdato,
                    )
                    for c in claims
                    if c.aaben and c.saldo > 0
                )
            )

    # -- plain lookups (admin, tests, [sim-time]) -------------------------------------

    def claim(self, kommunekode: str, fordring_id: str) -> Claim | None:
        """A claim, or None."""
        with self.store.read() as tx:
            return tx.claim(kommunekode, fordring_id)

    def account(self, nummer: str) -> Account | None:
        """An account, or None."""
        with self.store.read() as tx:
            return tx.account(nummer)

    def claims_of_account(self, nummer: str) -> list[Claim]:
        """The claims on an account."""
        with self.store.read() as tx:
            return tx.claims_of_account(nummer)

    def events(self, **filters: Any) -> list[Event]:
        """Events of the log (see `Tx.events` for the filters)."""
        with self.store.read() as tx:
            return tx.events(**filters)


def check_invariant(claim: Claim, events: Iterable[Event]) -> list[str]:
    """Problems with a claim's balance: the formula, sign, and agreement with its events."""
    problems = []
    if claim.saldo < 0:
        problems.append(f"{claim.fordring_id}: saldo {claim.saldo} < 0")
    totals = dict.fromkeys(
        ("nedskrevet", "nedreguleret", "daekket", "afskrevet", "rykkergebyrer", "renter"), 0
    )
    hovedstol = None
    for e in events:
        if e.fordring_id != claim.fordring_id or e.kommunekode != claim.kommunekode:
            continue
        if e.kind == EventKind.FORDRING_OPRETTET:
            hovedstol = e.beloeb
        if e.kind in COMPONENT_OF:
            name, sign = COMPONENT_OF[e.kind]
            totals[name] += sign * e.beloeb
    if hovedstol != claim.hovedstol:
        problems.append(f"{claim.fordring_id}: hovedstol {claim.hovedstol} != event {hovedstol}")
    for name, total in totals.items():
        if getattr(claim, name) != total:
            problems.append(f"{claim.fordring_id}: {name} {getattr(claim, name)} != events {total}")
    if claim.saldo != hovedstol_minus(claim, totals):
        problems.append(f"{claim.fordring_id}: saldo disagrees with the events")
    if claim.saldo == 0 and claim.status == Status.AABEN:
        problems.append(f"{claim.fordring_id}: balance 0 but still open")
    if claim.saldo != 0 and claim.status in (Status.BETALT, Status.ANNULLERET, Status.AFSKREVET):
        problems.append(f"{claim.fordring_id}: balance {claim.saldo} but {claim.status}")
    return problems


def hovedstol_minus(claim: Claim, t: dict[str, int]) -> int:
    """The balance the event totals `t` give for `claim`'s principal."""
    return (
        claim.hovedstol
        - t["nedskrevet"]
        - t["nedreguleret"]
        - t["daekket"]
        - t["afskrevet"]
        + t["rykkergebyrer"]
        + t["renter"]
    )
