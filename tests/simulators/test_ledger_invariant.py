"""Random operation sequences through the ledger, checked against a reference model.

After every step, for every claim: the balance formula holds, each balance
component equals the sum of its events, closed claims stand at 0, and the
ledger agrees with a much simpler model of what the balance and status must be;
for every account: the total the store keeps of what its claims owe
(`account_owed`) is the sum of its claims' balances. On SQLite, and on PostgreSQL.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from oeir import model
from oeir.faults import OeirFault
from simulators.clock import VirtualClock
from simulators.ledger import EventKind, Ledger, check_invariant
from simulators.store import SqliteStore
from simulators.store.base import Store
from tests.simulators.helpers import CPRS, fordring, kreditor

S = model.FordringStatus
KOMMUNER = ("101", "561")
AMOUNT = st.integers(min_value=1, max_value=20_000)


@dataclass
class ModelClaim:
    kommune: str
    fid: str
    cpr: str
    forfald: date
    saldo: int
    status: S = S.AABEN


@dataclass
class Model:
    claims: dict[tuple[str, str], ModelClaim] = field(default_factory=dict)
    tilgode: dict[tuple[str, str], int] = field(default_factory=dict)  # (kommune, cpr)
    lukket: set[tuple[str, str]] = field(default_factory=set)
    payments: dict[str, tuple[str, tuple[str, str], int]] = field(default_factory=dict)


class LedgerMachine(RuleBasedStateMachine):
    """Drives the ledger with random operations and checks it after each.

    On a fresh SQLite store of its own, or on `store` (emptied first, left open).
    """

    def __init__(self, store: Store | None = None) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="ledger-sm-"))
        if store is None:
            self.store: Store = SqliteStore(self.dir / "sim.sqlite3", synchronous="OFF")
            self.own_store = True
        else:
            with store.transaction() as tx:
                tx.reset()
            self.store, self.own_store = store, False
        self.clock = VirtualClock()
        self.ledger = Ledger(self.store, self.clock)
        self.m = Model()
        self.n = 0

    def teardown(self) -> None:
        if self.own_store:
            self.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _pick(self, data: st.DataObject) -> ModelClaim | None:
        if not self.m.claims:
            return None
        key = data.draw(st.sampled_from(sorted(self.m.claims)))
        return self.m.claims[key]

    def _expect_fault(self, kode: str, fn, *args) -> None:  # type: ignore[no-untyped-def]
        try:
            fn(*args)
        except OeirFault as err:
            assert err.kode == kode, (err.kode, kode)
        else:
            raise AssertionError(f"expected {kode}")

    # -- rules ------------------------------------------------------------------

    @rule(
        hovedstol=AMOUNT,
        kommune=st.sampled_from(KOMMUNER),
        cpr=st.sampled_from(CPRS),
        days=st.integers(0, 60),
    )
    def opret(self, hovedstol: int, kommune: str, cpr: str, days: int) -> None:
        self.n += 1
        fid = f"F{self.n}"
        forfald = date(2026, 1, 1) + timedelta(days=days)
        f = fordring(fid, hovedstol, cpr=cpr, kommunekode=kommune, forfald=forfald)
        self.ledger.opret_fordring(f)
        assert self.ledger.opret_fordring(f).fordring_id == fid  # a retry changes nothing
        self.m.claims[(kommune, fid)] = ModelClaim(kommune, fid, cpr, forfald, hovedstol)
        self.m.tilgode.setdefault((kommune, cpr), 0)
        self.m.lukket.discard((kommune, cpr))

    @rule(data=st.data(), beloeb=AMOUNT)
    def nedskriv(self, data: st.DataObject, beloeb: int) -> None:
        c = self._pick(data)
        if c is None:
            return
        self.n += 1
        msg = model.NedskrivFordring(
            kreditor=kreditor(c.kommune),
            fordring_id=c.fid,
            nedskrivning_id=f"N{self.n}",
            beloeb=beloeb,
            aarsag=model.NedskrivningAarsag.ANDET,
        )
        if c.status != S.AABEN:
            self._expect_fault("FordringErLukket", self.ledger.nedskriv, msg)
        elif beloeb > c.saldo:
            self._expect_fault("NedskrivningOverstigerSaldo", self.ledger.nedskriv, msg)
        else:
            assert self.ledger.nedskriv(msg).saldo == c.saldo - beloeb
            c.saldo -= beloeb
            c.status = S.ANNULLERET if c.saldo == 0 else c.status

    @rule(data=st.data())
    def annuller(self, data: st.DataObject) -> None:
        c = self._pick(data)
        if c is None:
            return
        msg = model.AnnullerFordring(
            kreditor=kreditor(c.kommune), fordring_id=c.fid, aarsag=model.AnnulleringAarsag.ANDET
        )
        if c.status not in (S.AABEN, S.ANNULLERET):
            self._expect_fault("FordringErLukket", self.ledger.annuller, msg)
        else:
            assert self.ledger.annuller(msg).status == S.ANNULLERET
            c.saldo, c.status = 0, S.ANNULLERET

    @rule(data=st.data(), beloeb=AMOUNT)
    def daekning(self, data: st.DataObject, beloeb: int) -> None:
        c = self._pick(data)
        if c is None:
            return
        args = (c.kommune, c.fid, beloeb, model.Betalingsmiddel.KORT)
        if c.status != S.AABEN:
            self._expect_fault("FordringErLukket", self.ledger.daekning, *args)
            return
        result = self.ledger.daekning(*args)
        part = min(beloeb, c.saldo)
        assert [d.beloeb for d in result.daekninger] == [part]
        assert result.overskud == beloeb - part
        c.saldo -= part
        c.status = S.BETALT if c.saldo == 0 else c.status
        for e in result.events:
            if e.kind == EventKind.DAEKNING:
                self.m.payments[e.event_id] = ("claim", (c.kommune, c.fid), part)
            else:
                self.m.payments[e.event_id] = ("credit", (c.kommune, c.cpr), result.overskud)
                self.m.tilgode[(c.kommune, c.cpr)] += result.overskud

    @rule(kommune=st.sampled_from(KOMMUNER), cpr=st.sampled_from(CPRS), beloeb=AMOUNT)
    def foretag_indbetaling(self, kommune: str, cpr: str, beloeb: int) -> None:
        self.n += 1
        msg = model.ForetagIndbetaling(
            kommunekode=kommune,
            debitor=model.Debitor(cpr_nummer=cpr),
            indbetaling_id=f"I{self.n}",
            beloeb=beloeb,
            betalingsmiddel=model.Betalingsmiddel.MOBILEPAY,
        )
        if (kommune, cpr) not in self.m.tilgode:
            self._expect_fault("DebitorkontoFindesIkke", self.ledger.foretag_indbetaling, msg)
            return
        svar = self.ledger.foretag_indbetaling(msg)
        open_claims = sorted(
            (c for c in self.m.claims.values() if (c.kommune, c.cpr) == (kommune, cpr)),
            key=lambda c: (c.forfald, c.forfald - timedelta(days=14), c.fid),
        )
        rest, expected = beloeb, []
        for c in open_claims:
            if c.status != S.AABEN or rest == 0:
                continue
            part = min(rest, c.saldo)
            rest -= part
            expected.append((c.fid, part))
            c.saldo -= part
            c.status = S.BETALT if c.saldo == 0 else c.status
        assert [(d.fordring_id, d.beloeb) for d in svar.daekninger] == expected
        assert svar.overskud == rest
        self.m.tilgode[(kommune, cpr)] += rest
        for e in self.ledger.events(kinds=["Daekning", "Overskud"], limit=1_000_000):
            if e.data.get("indbetaling_id") == msg.indbetaling_id:
                if e.kind == EventKind.DAEKNING:
                    self.m.payments[e.event_id] = ("claim", (kommune, e.fordring_id), e.beloeb)
                else:
                    self.m.payments[e.event_id] = ("credit", (kommune, cpr), e.beloeb)

    @rule(data=st.data())
    def tilbagefoer(self, data: st.DataObject) -> None:
        if not self.m.payments:
            return
        event_id = data.draw(
            st.sampled_from(list(self.m.payments))
        )  # insertion order: ids are random
        what, key, beloeb = self.m.payments.pop(event_id)
        self.ledger.tilbagefoer_daekning(event_id)
        self._expect_fault("HaendelseFindesIkke", self.ledger.tilbagefoer_daekning, event_id)
        if what == "credit":
            self.m.tilgode[key] -= beloeb
            return
        c = self.m.claims[key]
        if c.status in (S.AABEN, S.BETALT):
            c.saldo += beloeb
            c.status = S.AABEN

    @rule(data=st.data(), beloeb=AMOUNT, kind=st.sampled_from(["afskriv", "nedreguler"]))
    def reduce(self, data: st.DataObject, beloeb: int, kind: str) -> None:
        c = self._pick(data)
        if c is None:
            return
        if kind == "afskriv":
            fn, args = (
                self.ledger.afskriv,
                (
                    c.kommune,
                    c.fid,
                    beloeb,
                    model.AfskrivningAarsag.BAGATEL,
                ),
            )
            closing = S.AFSKREVET
        else:
            fn, args = self.ledger.nedreguler, (c.kommune, c.fid, beloeb)  # type: ignore[assignment]
            closing = S.ANNULLERET
        if c.status != S.AABEN:
            self._expect_fault("FordringErLukket", fn, *args)
        elif beloeb > c.saldo:
            self._expect_fault("NedskrivningOverstigerSaldo", fn, *args)
        else:
            fn(*args)
            c.saldo -= beloeb
            c.status = closing if c.saldo == 0 else c.status

    @rule(data=st.data(), beloeb=AMOUNT, kind=st.sampled_from(["rykkergebyr", "rente"]))
    def add(self, data: st.DataObject, beloeb: int, kind: str) -> None:
        c = self._pick(data)
        if c is None:
            return
        fn = getattr(self.ledger, kind)
        if c.status != S.AABEN:
            self._expect_fault("FordringErLukket", fn, c.kommune, c.fid, beloeb)
        else:
            fn(c.kommune, c.fid, beloeb)
            c.saldo += beloeb

    @rule(data=st.data(), cpr=st.sampled_from(CPRS))
    def skift_haefter(self, data: st.DataObject, cpr: str) -> None:
        c = self._pick(data)
        if c is None:
            return
        msg = model.SkiftHaefter(
            kreditor=kreditor(c.kommune),
            fordring_id=c.fid,
            ny_debitor=model.Debitor(cpr_nummer=cpr),
        )
        if cpr != c.cpr and c.status != S.AABEN:
            self._expect_fault("FordringErLukket", self.ledger.skift_haefter, msg)
            return
        self.ledger.skift_haefter(msg)
        if cpr != c.cpr:  # moving to the same debtor is a no-op
            self.m.tilgode.setdefault((c.kommune, cpr), 0)
            self.m.lukket.discard((c.kommune, cpr))
        c.cpr = cpr

    @rule(kommune=st.sampled_from(KOMMUNER), cpr=st.sampled_from(CPRS))
    def luk(self, kommune: str, cpr: str) -> None:
        if (kommune, cpr) not in self.m.tilgode:
            return
        with self.store.read() as tx:
            account = tx.account_by_debtor(kommune, cpr)
        assert account is not None
        has_open = any(
            c.status == S.AABEN
            for c in self.m.claims.values()
            if (c.kommune, c.cpr) == (kommune, cpr)
        )
        if has_open:
            self._expect_fault(
                "DebitorkontoHarAabneFordringer", self.ledger.luk_debitorkonto, account.nummer
            )
        elif (kommune, cpr) in self.m.lukket:
            self._expect_fault(
                "DebitorkontoFindesIkke", self.ledger.luk_debitorkonto, account.nummer
            )
        else:
            self.ledger.luk_debitorkonto(account.nummer)
            self.m.lukket.add((kommune, cpr))

    # -- invariants ------------------------------------------------------------------

    @invariant()
    def balances_hold(self) -> None:
        events = self.ledger.events(limit=10_000_000)
        seqs = [e.seq for e in events]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert len({e.event_id for e in events}) == len(events)
        for (kommune, fid), expected in self.m.claims.items():
            claim = self.ledger.claim(kommune, fid)
            assert claim is not None
            assert check_invariant(claim, events) == []
            assert claim.saldo == (
                claim.hovedstol
                - claim.nedskrevet
                - claim.nedreguleret
                - claim.daekket
                - claim.afskrevet
                + claim.rykkergebyrer
                + claim.renter
            )
            assert (claim.saldo, claim.status) == (expected.saldo, expected.status), fid
            account = self.ledger.account(claim.konto)
            assert account is not None and account.ident == expected.cpr
        for (kommune, cpr), tilgode in self.m.tilgode.items():
            with self.store.read() as tx:
                account = tx.account_by_debtor(kommune, cpr)
            assert account is not None and account.tilgode == tilgode
            assert account.lukket == ((kommune, cpr) in self.m.lukket)

    @invariant()
    def account_owed_is_its_claims_sum(self) -> None:
        for kommune, cpr in self.m.tilgode:
            expected = sum(
                c.saldo for c in self.m.claims.values() if (c.kommune, c.cpr) == (kommune, cpr)
            )
            with self.store.read() as tx:
                account = tx.account_by_debtor(kommune, cpr)
                assert account is not None
                claims = tx.claims_of_account(account.nummer)
                owed = tx.account_owed(account.nummer)
            assert owed == sum(c.saldo for c in claims) == expected, (kommune, cpr)


LedgerMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_ledger_state_machine = LedgerMachine.TestCase


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_ledger_state_machine_on_postgres(store: Store) -> None:
    run_state_machine_as_test(
        lambda: LedgerMachine(store),
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
