"""The store's job queue on both databases: what `insert_job` returns is the stored row."""

from __future__ import annotations

from datetime import datetime

from simulators.clock import TZ
from simulators.store.base import Store
from tests.backends import each_backend

pytestmark = each_backend


def test_a_queued_job_is_returned_as_it_reads_back(store: Store) -> None:
    due = datetime(2026, 3, 29, 1, 30, 0, 250, tzinfo=TZ)  # the night summer time starts
    with store.transaction() as tx:
        new = tx.insert_job("collection.invoice", due, {"b": "ø", "a": "1"}, "invoice:101:F1")
        again = tx.insert_job("collection.invoice", due.replace(hour=9), {}, "invoice:101:F1")
        keyless = tx.insert_job("callbacks.deliver", due, {}, None)
        stored = tx.jobs(None, 10)
    assert stored == [new, keyless]
    assert again == new
    assert [j.due.isoformat() for j in stored] == [due.isoformat(), due.isoformat()]
