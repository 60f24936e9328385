"""Two worker processes share one PostgreSQL outbox: every fee is sent exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.postgres.two_workers import run


@pytest.mark.slow
def test_two_worker_processes_on_one_queue_send_no_fee_twice(pg_url: str, tmp_path: Path) -> None:
    result = run(pg_url, tmp_path, fees=400)
    assert result["outbox"] == {"pending": 0, "sent": 400, "parked": 0, "skipped": 0}
    assert result["claims_sent"] == 400
    assert result["sent_twice"] == [] and result["never_sent"] == []
    assert result["rows_attempted_more_than_once"] == 0
    assert result["ledger_claims"] == 400 and result["ledger_problems"] == []
