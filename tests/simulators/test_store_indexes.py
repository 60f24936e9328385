"""The hot lookups use an index (no table scan), so they stay fast at a million claims."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from simulators.store import SqliteStore
from simulators.store.ledger import ACCOUNT_OWED

HOT_QUERIES = {
    "claim by id": (
        "SELECT * FROM claims WHERE kommunekode = ? AND fordring_id = ?",
        ("101", "F1"),
    ),
    "claims of an account": (
        "SELECT * FROM claims WHERE konto = ? ORDER BY forfaldsdato, stiftelsesdato, fordring_id",
        ("101-00000001",),
    ),
    "balance of an account": (ACCOUNT_OWED, ("101-00000001",)),
    "account by debtor": (
        "SELECT * FROM accounts WHERE kommunekode = ? AND ident = ?",
        ("101", "0101901234"),
    ),
    "accounts of a debtor": ("SELECT * FROM accounts WHERE ident = ? ORDER BY nummer", ("x",)),
    "next account number": (
        "SELECT MAX(nummer) AS last FROM accounts WHERE nummer >= ? AND nummer < ?",
        ("101-", "101."),
    ),
    "events of a claim": (
        "SELECT * FROM events WHERE seq > ? AND kommunekode = ? AND fordring_id IN (?, ?)"
        " ORDER BY seq LIMIT ?",
        (0, "101", "F1", "F2", 100),
    ),
    "next due job": (
        "SELECT * FROM jobs WHERE status = 'pending' AND due_us <= ? ORDER BY due_us, id LIMIT 1",
        (0,),
    ),
    "journal by municipality": (
        "SELECT * FROM journal WHERE kommunekode = ? ORDER BY id DESC LIMIT ?",
        ("101", 50),
    ),
}


def test_hot_queries_use_an_index(store: SqliteStore) -> None:
    with store.read() as tx:
        conn = tx._c
        for name, (sql, args) in HOT_QUERIES.items():
            plan = " | ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args))
            assert "USING" in plan and "SCAN" not in plan.replace("USING", ""), (name, plan)


def test_indexes_no_query_reads_are_dropped_from_an_older_database(tmp_path: Path) -> None:
    # They cost a B-tree write per claim and per event; a data dir made with them opens.
    path = tmp_path / "old.sqlite3"
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("CREATE INDEX claims_open_due ON claims (status, forfaldsdato)")
    conn.execute("CREATE INDEX events_konto ON events (konto, seq)")
    conn.commit()
    conn.close()
    store = SqliteStore(path)
    try:
        with store.read() as tx:
            names = {r[0] for r in tx._c.execute("SELECT name FROM sqlite_master")}
        assert "claims_open_due" not in names and "events_konto" not in names
        assert {"claims_konto", "events_claim", "events_kommune"} <= names
    finally:
        store.close()
