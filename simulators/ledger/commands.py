"""The debtor system's registrations (DebitorRegistreringAfsend): accounts, claims,
write-downs, cancellations and a change of debtor; each idempotent where the contract says."""

from __future__ import annotations

import json
from dataclasses import asdict, replace

from oeir import model
from oeir.rules import repeated_ids
from simulators.ledger.core import (
    LedgerCore,
    Status,
    claim_payload,
    digest,
    fault,
    payload_digest,
)
from simulators.ledger.ports import LedgerTx
from simulators.ledger.records import Account, Claim, EventKind


class Commands(LedgerCore):
    """Create accounts and claims, write claims down, cancel them, move them to another debtor."""

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
            kommunekode = fordring.kreditor.kommunekode
            if (
                account is None
                and not create_account
                and tx.claim(kommunekode, fordring.fordring_id) is None
            ):
                raise fault("DebitorkontoFindesIkke", "Fordring/Debitor")
            if account is None or account.lukket:
                account = self._account_for(tx, fordring.kreditor.kommunekode, fordring.debitor)
            return self._opret_fordring(tx, fordring, account)

    def _opret_fordring(
        self, tx: LedgerTx, fordring: model.Fordring, account: Account
    ) -> model.OpretFordringSvar:
        kommunekode = fordring.kreditor.kommunekode
        existing = tx.claim(kommunekode, fordring.fordring_id)
        if existing is not None:
            return self._created_before(tx, existing, fordring, account, digest(fordring))
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
            payload=claim_payload(fordring),
        )
        tx.insert_claim(claim)
        self._claim_event(tx, claim, EventKind.FORDRING_OPRETTET, claim.hovedstol)
        return model.OpretFordringSvar(
            debitorkontonummer=account.nummer, fordring_id=fordring.fordring_id
        )

    def _created_before(
        self, tx: LedgerTx, claim: Claim, fordring: model.Fordring, account: Account, dig: str
    ) -> model.OpretFordringSvar:
        """The answer to a FordringId already used: the first answer for the same content,
        `FordringIdAlleredeBrugt` for other content.

        The claim carries its own idempotency record: its stored payload is the content it
        was created with (the hash is the same), and its account is the one of the debtor
        named in that content (one account per debtor and municipality, never renumbered),
        the account `fordring` found. Claims stored before that have an idempotency record.
        """
        if claim.payload is not None and payload_digest(claim.payload) == dig:
            return model.OpretFordringSvar(
                debitorkontonummer=account.nummer, fordring_id=fordring.fordring_id
            )
        seen = self._idempotent(
            tx, "fordring", claim.kommunekode, fordring.fordring_id, dig, "FordringIdAlleredeBrugt"
        )
        if seen is None:
            raise fault("FordringIdAlleredeBrugt", None, fordring.fordring_id)
        return model.OpretFordringSvar(**seen)

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
