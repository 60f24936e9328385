"""The store's job queue on both databases: what `insert_job` returns is the stored row."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from simulators.clock import TZ
from simulators.store.base import Store
from simulators.store.sql import us
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


def test_due_us_counts_microseconds_since_the_epoch_in_any_zone() -> None:
    moments = [
        datetime(2026, 10, 25, 2, 30, 0, 7, tzinfo=TZ),  # the hour that comes twice: first
        datetime(2026, 10, 25, 2, 30, 0, 7, fold=1, tzinfo=TZ),  # and second
        datetime(2026, 3, 29, 1, 59, 59, 999_999, tzinfo=TZ),
        datetime(2026, 3, 29, 3, 0, tzinfo=TZ),
        datetime(2026, 1, 5, 8, 0, tzinfo=timezone(timedelta(hours=-5))),
        datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
    ]
    for moment in moments:
        assert us(moment) == int(moment.timestamp() // 1) * 1_000_000 + moment.microsecond


def test_queue_job_stores_what_insert_job_stores_and_keeps_the_first_under_a_key(
    store: Store,
) -> None:
    due = datetime(2026, 3, 29, 1, 30, 0, 250, tzinfo=TZ)
    payload = {"b": "ø", "a": "1"}
    with store.transaction() as tx:
        tx.queue_job("collection.invoice", due, payload, "invoice:101:F1")
        tx.queue_job("collection.invoice", due.replace(hour=9), {}, "invoice:101:F1")
        inserted = tx.insert_job("collection.invoice", due, payload, "invoice:101:F2")
        queued, again = tx.jobs(None, 10)
    assert again == inserted
    assert queued == replace(inserted, id=queued.id, key="invoice:101:F1")
