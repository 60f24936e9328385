"""Two worker processes share one PostgreSQL outbox: every fee's claim is created exactly
once, and no worker sends a fee whose lease the other one holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.postgres.two_workers import run


@pytest.mark.slow
def test_two_worker_processes_on_one_queue_send_no_fee_twice(pg_url: str, tmp_path: Path) -> None:
    result = run(pg_url, tmp_path, fees=400)
    assert result["outbox"] == {"pending": 0, "sent": 400, "parked": 0, "skipped": 0}
    assert result["claims_sent"] == 400 and result["never_sent"] == []
    assert result["ledger_claims"] == 400 and result["ledger_problems"] == []
    # Only the worker that holds a message's lease sends it, and only it records the outcome.
    # A resend after a timeout is at-least-once delivery, reported in resent_after_a_fault
    # (its effect stays single: the call id is replayed, the ledger check above holds).
    assert result["sends_not_by_the_lease_holder"] == [], result
