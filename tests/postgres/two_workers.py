"""Two `debitorsim core-worker` processes on one PostgreSQL queue: is any fee sent twice?

Used by `test_two_workers.py` (a few hundred fees) and by the benchmark
``python -m tests.postgres.two_workers --fees 10000`` (issue 8: 10,000 fees).
The simulator and both workers are real processes on one database; the fees are
created through `FbsService.create_fees` (fee and outbox row in one transaction).
Sends are counted in the simulator's request journal, per FordringId.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.hardening.crash_bed import CrashBed


def run(database_url: str, root: Path, fees: int, seed: int = 91) -> dict[str, Any]:
    """Deliver `fees` fees with two workers; returns the counts the verdict rests on."""
    bed = CrashBed(root, database_url, journal=True)
    try:
        bed.start_sim()
        created = bed.create_fees(fees, seed)
        start = time.monotonic()
        bed.start_worker("worker")
        bed.start_worker("worker2")
        bed.wait_until(lambda: bed.sent() == fees, "worker", deadline_s=max(120, fees / 5))
        seconds = time.monotonic() - start
        sends = bed.sends_per_claim()
        with bed.core.store.read() as repo:
            rows = repo.outbox_rows(limit=fees * 2)
        cpu = {name: _cpu_seconds(bed.procs[name].pid) for name in ("worker", "worker2")}
        ledger = bed.ledger_check(created)
        return {
            "fees": fees,
            "seconds": round(seconds, 1),
            "fees_per_s": round(fees / seconds, 1),
            "outbox": bed.outbox(),
            "claims_sent": len(sends),
            "sent_twice": sorted(fid for fid, n in sends.items() if n > 1),
            "never_sent": sorted({f.fordring_id for f in created} - set(sends)),
            "worker_cpu_s": cpu,
            "rows_attempted_more_than_once": sum(1 for r in rows if r.attempts != 1),
            "ledger_claims": ledger["claims"],
            "ledger_problems": ledger["problems"],
        }
    finally:
        bed.stop()


def _cpu_seconds(pid: int) -> float:
    """CPU time a live process used so far (Linux /proc): both workers must have worked."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 1)


def main() -> None:
    """Benchmark: ``--url`` (default $DEBITORSIM_TEST_POSTGRES_URL) and ``--fees``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=os.environ.get("DEBITORSIM_TEST_POSTGRES_URL"))
    parser.add_argument("--fees", type=int, default=10_000)
    args = parser.parse_args()
    if not args.url:
        parser.error("give --url or set DEBITORSIM_TEST_POSTGRES_URL (scripts/postgres.sh start)")
    from tests.postgres.server import fresh_database

    with fresh_database(args.url) as url, tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(url, Path(tmp), args.fees), indent=2))


if __name__ == "__main__":
    main()
