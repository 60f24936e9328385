"""The queries the ledger really sends use the index made for them (not just any index)."""

from __future__ import annotations

import re

from simulators.ledger.records import POSTERING_OF
from simulators.store import SqliteStore


def _plan_of_sent_query(store: SqliteStore, call: object) -> str:
    sent: list[str] = []
    with store.read() as tx:
        conn = tx._c
        conn.set_trace_callback(sent.append)
        try:
            call(tx)  # type: ignore[operator]
        finally:
            conn.set_trace_callback(None)
        (sql,) = [s for s in sent if s.lstrip().upper().startswith("SELECT")]
        # the trace shows the statement with its values bound: plan it as sent
        return " | ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))


def test_the_postings_of_an_account_are_read_through_the_claims_index(store: SqliteStore) -> None:
    # HentDebitorkonto: a few claims' events. events_kommune would walk every event of
    # the municipality (74 ms at 400,000 events against 0.05 ms).
    plan = _plan_of_sent_query(
        store,
        lambda tx: tx.events(
            kommunekode="101",
            fordring_ider=["F1", "F2", "F3"],
            kinds=[str(k) for k in POSTERING_OF],
            limit=10_000_000,
        ),
    )
    assert re.search(r"USING INDEX events_claim \(kommunekode=\? AND fordring_id=\?", plan), plan
