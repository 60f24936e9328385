"""How long `debitorsim snapshot save` and `load` take for N claims (docs/snapshots.md).

Builds a simulator with N claims (one debtor account each, spread over four
municipalities) and a day of jobs, serves it on a free loopback port, then times the
command line's ``save`` and ``load`` against it, end to end over HTTP (best of three).

    .venv/bin/python scripts/snapshot_timing.py 1000 10000
    .venv/bin/python scripts/snapshot_timing.py --database-url postgresql://... 1000
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from debitorsim import cli
from oeir import model
from simulators import SimConfig, create_app, simulator_of
from simulators.engine import Simulator
from wsgiserve import ServerThread


def claim(i: int, kommunekode: str) -> model.Fordring:
    """The i-th late-return fee, of a debtor of its own."""
    due = date(2026, 1, 19)
    return model.Fordring(
        fordring_id=f"T-{i}",
        fordring_type=model.FordringType.GEBYR,
        klassifikationskode="BIB-GEBYR",
        hovedstol=5000 + i % 100,
        stiftelsesdato=due - timedelta(days=14),
        forfaldsdato=due,
        sidste_rettidige_betalingsdato=due,
        tekst="Gebyr (for sent)",
        debitor=model.Debitor(cpr_nummer=f"{i % 28 + 1:02d}0190{i % 10_000:04d}", navn="Låner"),
        kreditor=model.Kreditor(agency_id=f"DK-7{kommunekode}00", kommunekode=kommunekode),
    )


def build(sim: Simulator, n: int) -> None:
    """N claims and a day of jobs."""
    kodes = [t.kode for t in sim.tenants.all()][:4]
    with sim.store.transaction():
        for i in range(n):
            sim.ledger.opret_fordring(claim(i, kodes[i % 4]))
    sim.advance(timedelta(days=1))


def timed(argv: list[str]) -> float:
    """Seconds one `debitorsim` command takes (its output swallowed)."""
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(argv) == 0, argv
    return time.perf_counter() - started


def main() -> None:
    """Print one line per N: rows, file size, save and load time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("claims", type=int, nargs="+", help="numbers of claims to time")
    parser.add_argument("--database-url", default=None, help="PostgreSQL (default: SQLite)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    backend = "PostgreSQL" if args.database_url else "SQLite"
    for n in args.claims:
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app(
                SimConfig(data_dir=Path(tmp), synchronous="OFF", database_url=args.database_url)
            )
            sim = simulator_of(app)
            try:
                sim.reset()
                build(sim, n)
                stats = sim.stats()
                file = Path(tmp) / "snapshot.json"
                with ServerThread(app) as server:
                    url = ["--sim-url", server.base_url]
                    save = min(timed(["snapshot", "save", str(file), *url]) for _ in range(3))
                    load = min(timed(["snapshot", "load", str(file), *url]) for _ in range(3))
                size = file.stat().st_size / 1e6
            finally:
                sim.close()
        rows = stats["accounts"] + stats["claims"] + stats["events"] + stats["jobs"]
        print(
            f"{backend}: {n} claims ({rows} rows of accounts, claims, events, jobs), "
            f"{size:.1f} MB: save {save:.2f} s, load {load:.2f} s"
        )


if __name__ == "__main__":
    main()
