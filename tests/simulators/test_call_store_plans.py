"""The call-id table (`simulators.replay`) is read and pruned through its indexes: it is
touched on every state-changing SOAP call and holds up to 100,000 rows."""

from __future__ import annotations

from datetime import UTC, datetime

from simulators.store import SqliteStore
from simulators.store.base import CallKey, RecordedCall
from tests.simulators.test_store_plans import _plan_of_sent_query


def test_a_call_id_is_looked_up_through_its_unique_index(store: SqliteStore) -> None:
    # The look-up also bounds the record by age and count (the newest id: a rowid seek).
    plan = _plan_of_sent_query(
        store,
        lambda tx: tx.fresh_call(
            CallKey("101", "DebitorRegistreringAfsend", "u", "c"),
            datetime(2026, 1, 1, tzinfo=UTC),
            10,
        ),
    )
    assert "USING INDEX sqlite_autoindex_call_ids_1" in plan, plan
    assert "SCAN" not in plan, plan


def test_pruning_by_age_and_count_uses_the_indexes(store: SqliteStore) -> None:
    sent: list[str] = []
    key = CallKey("101", "DebitorRegistreringAfsend", "u", "c")
    with store.transaction() as tx:
        tx.record_call(key, RecordedCall("OpretFordring", "d", "<a/>"), datetime.now(UTC))
        conn = tx._c
        conn.set_trace_callback(sent.append)
        try:
            tx.prune_calls(datetime(2026, 1, 1, tzinfo=UTC), 10)
        finally:
            conn.set_trace_callback(None)
        plans = [
            " | ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            for sql in sent
            if sql.lstrip().upper().startswith(("DELETE", "SELECT"))
        ]
    assert len(plans) == 3, sent  # by age, the newest id, by id
    assert "USING INDEX call_ids_recorded (recorded_us<?)" in plans[0], plans
    assert all("SCAN" not in p for p in plans), plans
