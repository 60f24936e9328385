"""The debtor system's own bookings: write-offs, down-adjustments, fees, interest, PSRM
receipts and closing an account (what the behaviour over time and the admin API book)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from oeir import model
from simulators.ledger.core import LedgerCore, Status, fault
from simulators.ledger.records import Event, EventKind


class Bookings(LedgerCore):
    """Book on a claim or an account outside the SOAP registrations."""

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
        """Add a reminder fee to an open claim (the hook the reminders of `simulators.collection` use)."""
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
