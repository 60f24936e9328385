"""Profile one simulator operation in-process: what a request costs without HTTP or load tool.

    python -m load.bench.profile_sim                          # OpretFordring, journal on
    python -m load.bench.profile_sim --operation HentDebitorkonto --claims 1000000 --journal off
    python -m load.bench.profile_sim --profile                # plus a pyinstrument call tree

Runs the real app (`simulators.create_app`) through Flask's test client on one
thread: requests per second here are the simulator's own CPU cost per call, the
upper bound for one core. The bench compares that with what arrives over HTTP.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from load.bench import table
from load.support import traffic
from oeir import kommuner


def _app(db: Path, journal: bool) -> Any:
    from simulators import SimConfig, create_app

    return create_app(SimConfig(database=db, journal_enabled=journal, clock_mode="real"))


def _write_calls(operation: str, app: Any, n: int) -> list[traffic.SoapCall]:
    """`n` OpretFordring (on one existing account) or OpretDebitorkonto requests."""
    t = traffic.Traffic(seed=1)
    kommune = kommuner.by_kode()["101"]
    first, debitor, _ = t.opret_debitorkonto(kommune)
    app.test_client().post(first.path, data=first.body, headers=first.headers)
    if operation == "OpretDebitorkonto":
        return [t.opret_debitorkonto(kommune)[0] for _ in range(n)]
    return [t.opret_fordring(kommune, debitor)[0] for _ in range(n)]


def main(argv: list[str] | None = None) -> int:
    """Measure (and optionally profile) one operation."""
    p = argparse.ArgumentParser(prog="python -m load.bench.profile_sim", description=__doc__)
    p.add_argument(
        "--operation",
        default="OpretFordring",
        choices=("OpretFordring", "OpretDebitorkonto", "HentDebitorkonto"),
    )
    p.add_argument("--journal", choices=("on", "off"), default="on")
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--claims", type=int, default=20_000, help="seeded claims (HentDebitorkonto)")
    p.add_argument("--profile", action="store_true", help="print a pyinstrument call tree")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "sim.db"
        n = args.requests
        if args.operation == "HentDebitorkonto":
            table.seed(db, args.claims, 4)
            app = _app(db, args.journal == "on")
            todo = _hent(db, 3 * n)
        else:
            app = _app(db, args.journal == "on")
            todo = _write_calls(args.operation, app, 3 * n)
        client = app.test_client()

        def run(batch: list[traffic.SoapCall]) -> list[float]:
            out = []
            for c in batch:
                t0 = time.perf_counter()
                r = client.post(c.path, data=c.body, headers=c.headers)
                out.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    raise SystemExit(f"{c.operation}: HTTP {r.status_code}: {r.data[:300]!r}")
            return out

        run(todo[:n])  # warm-up: XSDs, caches
        lat = sorted(run(todo[n : 2 * n]))
        total = sum(lat)
        print(
            f"{args.operation}, journal {args.journal}: {n / total:,.0f} req/s on one thread, "
            f"p50 {lat[n // 2] * 1000:.2f} ms, p99 {lat[int(n * 0.99)] * 1000:.2f} ms (in-process)"
        )
        if args.profile:
            from pyinstrument import Profiler

            prof = Profiler(interval=0.0005)
            prof.start()
            run(todo[2 * n :])
            prof.stop()
            print(prof.output_text(unicode=False, color=False))
    return 0


def _hent(db: Path, n: int) -> list[traffic.SoapCall]:
    """`n` look-ups of random seeded accounts."""
    from simulators.store.sqlite import SqliteStore

    store = SqliteStore(db)
    with store.read() as tx:
        rows = tx._c.execute("SELECT nummer, kommunekode FROM accounts").fetchall()
    store.close()
    rng = random.Random(1)
    t = traffic.Traffic(seed=1)
    return [
        t.hent_debitorkonto(kommuner.by_kode()[row[1]], kontonummer=row[0])
        for row in rng.choices(rows, k=n)
    ]


if __name__ == "__main__":
    sys.exit(main())
