"""Payments: a payment spread over claims (oldest due first), the rest to the account's
credit, and the reversal of a payment once."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import date

from oeir import model
from oeir.rules import repeated_ids
from simulators.ledger.core import LedgerCore, Status, digest, fault
from simulators.ledger.ports import LedgerTx
from simulators.ledger.records import Event, EventKind

_KEEP_CLOSED: dict[Status, tuple[EventKind, str]] = {
    Status.ANNULLERET: (EventKind.ANNULLERING, "nedskrevet"),
    Status.AFSKREVET: (EventKind.AFSKRIVNING, "afskrevet"),
}


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """Where a payment went: per-claim coverage, the credit left over, and the events."""

    daekninger: tuple[model.DaekningKvittering, ...]
    overskud: int
    events: tuple[Event, ...]


class Payments(LedgerCore):
    """Register payments on claims and reverse them."""

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
        tx: LedgerTx,
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
