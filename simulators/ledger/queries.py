"""Reads of the ledger: accounts as the contract reports them (DebitorForespoergsel,
DebitorIndbetalingAfsend) and plain lookups for the admin API, tests and the time behaviour."""

from __future__ import annotations

from typing import Any

from oeir import model
from simulators.ledger.core import LedgerCore, fault
from simulators.ledger.ports import LedgerTx
from simulators.ledger.records import POSTERING_OF, Account, Claim, Event


class Queries(LedgerCore):
    """Answer the read operations; never writes."""

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

    def _konto(self, tx: LedgerTx, account: Account) -> model.Debitorkonto:
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

    # -- plain lookups (admin, tests, behaviours over time) --------------------------

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
        """Events of the log (see `LedgerTx.events` for the filters)."""
        with self.store.read() as tx:
            return tx.events(**filters)
