"""Two `debitorsim core-worker` processes on one PostgreSQL queue: does any worker send a
fee it does not hold, or is any claim created twice or lost?

Used by `test_two_workers.py` (a few hundred fees) and by the benchmark
``python -m tests.postgres.two_workers --fees 10000`` (issue 8: 10,000 fees).
The simulator and both workers are real processes on one database; the fees are
created through `FbsService.create_fees` (fee and outbox row in one transaction).
Sends are counted in the simulator's request journal, per FordringId, and held
against the attempts the outbox recorded for that fee's message: a worker records an
attempt only while it holds the message's lease, so a send that no recorded attempt
accounts for came from a worker that had lost the message to the other one.
A second send after a technical fault (a timeout) is at-least-once delivery, allowed
(docs/reliability.md, promise 2) and reported as `resent_after_a_fault`.
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
        by_claim = {r.ordering_key: r for r in rows}
        unaccounted = sorted(
            fid for fid, n in sends.items() if not _accounted(n, by_claim.get(fid))
        )
        lost = sum(
            (bed.root / f"{name}.log").read_text(errors="replace").count("lease ran out")
            for name in ("worker", "worker2")
        )
        return {
            "fees": fees,
            "seconds": round(seconds, 1),
            "fees_per_s": round(fees / seconds, 1),
            "outbox": bed.outbox(),
            "claims_sent": len(sends),
            "sent_twice": sorted(fid for fid, n in sends.items() if n > 1),
            "sends_not_by_the_lease_holder": unaccounted,
            "resent_after_a_fault": sorted(
                fid for fid, n in sends.items() if n > 1 and fid not in unaccounted
            ),
            "never_sent": sorted({f.fordring_id for f in created} - set(sends)),
            "worker_cpu_s": cpu,
            "rows_attempted_more_than_once": sum(1 for r in rows if r.attempts != 1),
            "leases_lost": lost,
            "ledger_claims": ledger["claims"],
            "ledger_problems": ledger["problems"],
        }
    finally:
        bed.stop()


def _accounted(sends: int, row: Any) -> bool:
    """Whether the outbox's record of a message explains how often the journal saw it sent.

    Each send is one attempt of the worker holding the lease, and every attempt before the
    last was a retry after a technical fault (`last_error` kept). Two workers each recording
    an outcome for one send apiece shows as two attempts without a fault; a worker that sent
    a message it had lost (its outcome refused) shows as more sends than attempts.
    """
    if row is None:
        return False
    return sends <= row.attempts and (row.attempts == 1 or row.last_error is not None)


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
