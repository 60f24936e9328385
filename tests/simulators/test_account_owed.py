"""The total an account's claims owe (`account_owed`, the bound on the account's balance)
is kept by the store in ``accounts.owed``: reading it costs the same however many claims
the account holds, and a database made before the column gets it, counted from its claims.

That the kept total always equals its claims' balances summed, after any mix of bookings,
is checked by the ledger's state machine (`tests.simulators.test_ledger_invariant`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg

from oeir import model
from simulators.clock import VirtualClock
from simulators.ledger import Ledger
from simulators.store import SqliteStore
from simulators.store.base import Store
from simulators.store.postgres import SIM_SCHEMA, PgStore
from tests.backends import Backend, on_each_backend
from tests.simulators.helpers import CPRS, fordring, kreditor


def _open(backend: Backend, path: Path) -> Store:
    if backend.url:
        return PgStore(backend.url)
    return SqliteStore(path, synchronous="OFF")


def _totals(store: Store) -> dict[str, tuple[int, int]]:
    """Per account: (the kept total, its claims' balances summed)."""
    out = {}
    with store.read() as tx:
        for kode in ("101", "561"):
            for account in tx.accounts_page(kode, None, 1000):
                claims = tx.claims_of_account(account.nummer)
                out[account.nummer] = (
                    tx.account_owed(account.nummer),
                    sum(c.saldo for c in claims),
                )
    return out


def _bookings(ledger: Ledger) -> None:
    """Claims on three accounts in two municipalities, and every kind of booking on them."""
    for i, (kode, cpr, hovedstol) in enumerate(
        [
            ("101", CPRS[0], 5000),
            ("101", CPRS[0], 7000),
            ("101", CPRS[1], 3000),
            ("561", CPRS[0], 900),
        ]
    ):
        ledger.opret_fordring(fordring(f"F{i}", hovedstol, cpr=cpr, kommunekode=kode))
    ledger.daekning("101", "F0", 1200, model.Betalingsmiddel.KORT)
    ledger.rykkergebyr("101", "F1", 250)
    ledger.rente("101", "F1", 40)
    ledger.afskriv("101", "F2", 500, model.AfskrivningAarsag.BAGATEL)
    ledger.nedreguler("561", "F3", 100)
    ledger.skift_haefter(
        model.SkiftHaefter(
            kreditor=kreditor("101"), fordring_id="F1", ny_debitor=model.Debitor(cpr_nummer=CPRS[1])
        )
    )


def _sqlite_steps(store: SqliteStore, konto: str) -> int:
    """How many SQLite VM instructions `account_owed` runs for `konto`."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    with store.read() as tx:
        conn: sqlite3.Connection = tx._c
        conn.set_progress_handler(count, 1)
        try:
            tx.account_owed(konto)
        finally:
            conn.set_progress_handler(None, 1)
    return steps


def test_reading_the_total_costs_the_same_for_one_claim_and_for_a_hundred(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "sim.sqlite3", synchronous="OFF")
    try:
        ledger = Ledger(store, VirtualClock())
        one = ledger.opret_fordring(fordring("A0", cpr=CPRS[0])).debitorkontonummer
        many = ledger.opret_fordring(fordring("B0", cpr=CPRS[1])).debitorkontonummer
        for i in range(1, 100):
            ledger.opret_fordring(fordring(f"B{i}", 100 + i, cpr=CPRS[1]))
        assert _totals(store)[many] == (5000 + sum(100 + i for i in range(1, 100)),) * 2
        assert _sqlite_steps(store, many) == _sqlite_steps(store, one)
    finally:
        store.close()


def _drop_owed(backend: Backend, path: Path) -> None:
    """Make the database one made before ``accounts.owed``."""
    if backend.url:
        with psycopg.connect(backend.url, autocommit=True) as conn:
            conn.execute(f"ALTER TABLE {SIM_SCHEMA}.accounts DROP COLUMN owed")
        return
    conn = sqlite3.connect(path)
    try:
        conn.execute("ALTER TABLE accounts DROP COLUMN owed")
        conn.commit()
    finally:
        conn.close()


def _accounts_columns(url: str | None, path: Path) -> list[Any]:
    """The accounts table's columns as the database describes them (name, type, null, default)."""
    if url:
        with psycopg.connect(url) as conn:
            return conn.execute(
                "SELECT column_name, data_type, is_nullable, column_default"
                " FROM information_schema.columns WHERE table_schema = %s"
                " AND table_name = 'accounts' ORDER BY ordinal_position",
                (SIM_SCHEMA,),
            ).fetchall()
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA table_info(accounts)").fetchall()
    finally:
        conn.close()


@on_each_backend
def test_a_database_made_before_the_total_gets_it_counted_from_its_claims(
    backend: Backend, tmp_path: Path
) -> None:
    path = tmp_path / "sim.sqlite3"
    store = _open(backend, path)
    _bookings(Ledger(store, VirtualClock()))
    made = _totals(store)
    store.close()
    assert len(made) == 3 and all(kept == summed > 0 for kept, summed in made.values()), made
    _drop_owed(backend, path)

    store = _open(backend, path)
    try:
        assert _totals(store) == made
        # Kept from here on, as in a database made with the column.
        ledger = Ledger(store, VirtualClock())
        ledger.opret_fordring(fordring("G1", 4100, cpr=CPRS[2]))
        ledger.rykkergebyr("101", "F0", 60)
        after = _totals(store)
        assert len(after) == 4 and all(kept == summed for kept, summed in after.values()), after
    finally:
        store.close()
    # The column is the one a fresh database has (PostgreSQL: BIGINT, as CREATE TABLE makes).
    with backend.another_database() as url:
        fresh = _open(backend, tmp_path / "fresh.sqlite3") if not url else PgStore(url)
        fresh.close()
        assert _accounts_columns(backend.url, path) == _accounts_columns(
            url, tmp_path / "fresh.sqlite3"
        )


def test_claims_written_in_bulk_are_counted_again(tmp_path: Path) -> None:
    # The bench's seed writes claims straight into the table (`load.bench.table.seed`).
    from load.bench.table import seed

    accounts = seed(tmp_path / "seed.sqlite3", 60, 20)
    store = SqliteStore(tmp_path / "seed.sqlite3", synchronous="OFF")
    try:
        with store.read() as tx:
            totals = [tx.account_owed(nummer) for nummer, _ in accounts]
            sums = [sum(c.saldo for c in tx.claims_of_account(nummer)) for nummer, _ in accounts]
        assert len(totals) == 3 and totals == sums and all(totals)
    finally:
        store.close()


@on_each_backend
def test_the_total_read_with_the_account_is_used_only_until_something_writes_it(
    store: Store,
) -> None:
    # A new claim reads the debtor's account, owed included, and checks the bound on it
    # without reading the row again; any write of ``owed`` in between must be seen.
    ledger = Ledger(store, VirtualClock())
    konto = ledger.opret_fordring(fordring("F1", 5000, cpr=CPRS[0])).debitorkontonummer
    with store.transaction() as tx:
        account = tx.account_by_debtor("101", CPRS[0])
        assert account is not None and tx.account_owed(konto) == 5000
        claim = tx.claim("101", "F1")
        assert claim is not None
        tx.insert_claim(replace(claim, fordring_id="F2", hovedstol=700))
        assert tx.account_owed(konto) == 5700
        tx.account_by_debtor("101", CPRS[0])
        tx.update_claim(replace(claim, nedskrevet=1000))
        assert tx.account_owed(konto) == 4700
        tx.account_by_debtor("101", CPRS[0])
        tx.sql().execute("UPDATE accounts SET owed = 1 WHERE nummer = ?", (konto,))
        tx.recount_owed()
        assert tx.account_owed(konto) == 4700
        tx.account_by_debtor("101", CPRS[0])
        tx.reset()
        assert tx.account_owed(konto) == 0


def test_a_known_debtors_new_claim_reads_the_account_row_once(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "sim.sqlite3", synchronous="OFF")
    try:
        ledger = Ledger(store, VirtualClock())
        ledger.opret_fordring(fordring("F1", 5000, cpr=CPRS[0]))
        sent: list[str] = []
        with store.transaction() as tx:
            tx._c.set_trace_callback(sent.append)
            ledger.opret_fordring(fordring("F2", 700, cpr=CPRS[0]))
            tx._c.set_trace_callback(None)
        reads = [s for s in sent if s.startswith("SELECT") and "FROM accounts" in s]
        assert len(reads) == 1, reads
    finally:
        store.close()
