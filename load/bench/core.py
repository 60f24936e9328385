"""Benchmark: N fees through the integration core's outbox → simulator (real HTTP) → acknowledgement.

    python -m load.bench.core --fees 100000
    python -m load.bench.core --fees 2000 --compare-clients 2000   # lxml vs zeep client

The simulator runs under gunicorn on loopback (`load.support.testbed.TestBed`, as in
production); the core (store, FbsService, OutboxWorker) runs in this process.
The N fees are created as FBS batch runs (1,000 fees per transaction, each
with its outbox row), then the worker delivers until every message is
acknowledged by the debtor system. Peak memory is this process's peak RSS
(`resource.getrusage`) and, separately, the simulator's sampled peak RSS.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from integration.client import DebtorClient
from integration.config import CoreConfig, MunicipalityRules, OutboxSettings
from integration.core import Core
from integration.domain.model import FeeType, Material
from integration.fbs.service import NewFee
from integration.reconcile import reconcile
from oeir import model, testdata

# One municipality per debtor system in the simulator's registry (101 EG, 147 Opus,
# 561 Prisme 2009, 621 Prisme 2015), plus four more.
KOMMUNER = ("101", "147", "561", "621", "151", "157", "159", "161")
CHUNK = 1_000


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fees(n: int, seed: int = 5) -> list[NewFee]:
    """N fees for N/4 patrons spread over `KOMMUNER` (a late fee or a compensation each)."""
    fake = testdata.faker(seed)
    rng = random.Random(seed)
    patrons = max(1, n // 4)
    cprs = [fake.cpr() for _ in range(min(patrons, 50_000))]
    out = []
    for i in range(n):
        p = min(i // 4, patrons - 1)  # an FBS run creates a patron's fees together
        kommune = KOMMUNER[p % len(KOMMUNER)]
        compensation = rng.random() < 0.3
        out.append(
            NewFee(
                agency_id=f"DK-7{kommune}00",
                type=FeeType.COMPENSATION if compensation else FeeType.FEE,
                reason_message="Erstatning for bortkommet materiale"
                if compensation
                else "Gebyr (for sent)",
                amount=rng.randint(100, 150) * 100 if compensation else rng.randint(10, 60) * 100,
                cpr=cprs[p % len(cprs)] if p < len(cprs) else _cpr(p),
                name=f"Låner {p}",
                materials=(
                    Material(
                        material_item_number=str(3_800_000_000 + i),
                        record_id=f"870970-basis:{20_000_000 + i}",
                    ),
                ),
                skriftligt_anerkendt=compensation,
            )
        )
    return out


def _cpr(p: int) -> str:
    day, month, year = 1 + p % 28, 1 + (p // 28) % 12, 40 + (p // 336) % 50
    return f"{day:02d}{month:02d}{year:02d}{p % 4:01d}{p % 1000:03d}"


def _cpu_seconds(server: Any) -> float:
    """User+system CPU seconds of a gunicorn master and its workers so far (from /proc)."""
    from load.support.runner import _children

    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in [server.pid, *_children(server.pid)]:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / tick


class _RssSampler(threading.Thread):
    """Samples the simulator's RSS (all its gunicorn processes) twice a second."""

    def __init__(self, server: Any) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(Exception):  # a process may be between workers
                self.peak = max(self.peak, self.server.rss_bytes())
            self.stop.wait(0.5)


def run(
    n: int,
    *,
    concurrency: int = 8,
    coalesce: int = 100,
    sim_workers: int = 2,
    sim_threads: int = 8,
    workdir: Path | None = None,
    verify_kommune: str | None = "621",
) -> dict[str, Any]:
    """Send `n` fees end to end and return throughput, memory and correctness counts."""
    from load.support.testbed import TestBed

    with tempfile.TemporaryDirectory(prefix="bench-core-") as tmp:
        work = workdir or Path(tmp)
        with TestBed(
            work, sim_workers=sim_workers, sim_threads=sim_threads, with_core=False, journal=False
        ) as bed:
            sampler = _RssSampler(bed.servers[0])
            sampler.start()
            config = CoreConfig(
                db_path=str(work / "core.sqlite"),
                sp_url=bed.sim_url,
                default_rules=MunicipalityRules(max_text_length=60),
                outbox=OutboxSettings(
                    batch_size=max(50, concurrency * 25),
                    concurrency=concurrency,
                    coalesce_max=coalesce,
                    http_timeout_s=30,
                ),
            )
            core = Core.build(config)
            fees = _fees(n)
            t0, cpu0 = time.perf_counter(), time.process_time()
            sim_cpu0 = _cpu_seconds(bed.servers[0])
            for i in range(0, n, CHUNK):
                core.service.create_fees(fees[i : i + CHUNK])
            del fees
            t_created = time.perf_counter()
            calls = retried = parked = 0
            deadline = t_created + 3_600
            while time.perf_counter() < deadline:
                r = core.worker.run_once()
                calls, retried, parked = calls + r.calls, retried + r.retried, parked + r.parked
                if r.handled == 0:
                    with core.store.read() as repo:
                        if repo.outbox_counts()["pending"] == 0:
                            break
                    time.sleep(0.2)  # a retry is waiting for its backoff (real clock here)
            t_done, cpu_done = time.perf_counter(), time.process_time()
            sim_cpu = _cpu_seconds(bed.servers[0]) - sim_cpu0
            core.worker.close()
            with core.store.read() as repo:
                counts = repo.outbox_counts()
                handed = repo.conn.execute(
                    "SELECT COUNT(*) FROM fees WHERE handed_over_at IS NOT NULL"
                ).fetchone()[0]
            verified: dict[str, Any] = {}
            if verify_kommune:
                report = reconcile(core.store, core.client, verify_kommune, config.clock.now(), 100)
                verified = {
                    "kommune": verify_kommune,
                    "claims": report.fbs_claims,
                    "matched": report.matched,
                    "differences": len(report.differences),
                }
            sampler.stop.set()
            sampler.join()
            total = t_done - t0
            return {
                "fees": n,
                "seconds_total": round(total, 1),
                "seconds_create": round(t_created - t0, 1),
                "seconds_deliver": round(t_done - t_created, 1),
                "fees_per_second": round(n / total, 1),
                "cpu_seconds_core_process": round(cpu_done - cpu0, 1),
                "cpu_seconds_simulator": round(sim_cpu, 1),
                "soap_calls": calls,
                "retried": retried,
                "parked": parked,
                "outbox": counts,
                "handed_over": handed,
                "acknowledged_all": counts["sent"] == n and handed == n,
                "peak_rss_mb_core_process": round(_peak_rss_mb(), 1),
                "peak_rss_mb_simulator": round(sampler.peak / 2**20, 1),
                "concurrency": concurrency,
                "coalesce_max": coalesce,
                "sim_workers": sim_workers,
                "reconciled_sample": verified,
            }


def compare_clients(calls: int, sim_workers: int = 1) -> dict[str, Any]:
    """The lxml client and the zeep client, each making `calls` OpretFordring calls.

    Same simulator, same messages, one call at a time; reports calls per second
    and the client-side CPU time per call, and checks the answers are equal.
    """
    from integration.client.zeep_client import ZeepDebtorClient
    from load.support.testbed import TestBed

    fake = testdata.faker(11)
    kommune = "101"
    results: dict[str, Any] = {"calls": calls}
    answers: dict[str, list[Any]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-clients-") as tmp,
        TestBed(Path(tmp), sim_workers=sim_workers, with_core=False, journal=False) as bed,
    ):
        config = CoreConfig(sp_url=bed.sim_url)
        debitor = model.Debitor(cpr_nummer=fake.cpr(), navn="Bench Person")
        for name, client in (("lxml", DebtorClient(config)), ("zeep", ZeepDebtorClient(config))):
            first = testdata.fordring(fake, kommunekode=kommune, debitor=debitor)
            client.call(
                kommune,
                model.OpretDebitorkonto(
                    debitor=debitor, kreditor=first.kreditor, fordringer=(first,)
                ),
                f"warm-{name}",
            )
            msgs = [
                model.OpretFordring(
                    fordring=replace(
                        testdata.fordring(fake, kommunekode=kommune, debitor=debitor),
                        fordring_id=f"BENCH-{name}-{i}",
                    )
                )
                for i in range(calls)
            ]
            wall, cpu = time.perf_counter(), time.process_time()
            got = [client.call(kommune, m, f"{name}-{i}") for i, m in enumerate(msgs)]
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            answers[name] = [(a.fordring_id.split("-", 2)[2], a.debitorkontonummer) for a in got]
            results[name] = {
                "calls_per_second": round(calls / wall, 1),
                "client_cpu_ms_per_call": round(1000 * cpu / calls, 3),
            }
    results["same_answers"] = answers["lxml"] == answers["zeep"]
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line: run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(prog="python -m load.bench.core", description=__doc__)
    parser.add_argument("--fees", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--coalesce",
        type=int,
        default=100,
        help="max new claims of one debtor per OpretDebitorkonto (1 = one call per fee)",
    )
    parser.add_argument("--sim-workers", type=int, default=2)
    parser.add_argument("--compare-clients", type=int, default=0, metavar="CALLS")
    parser.add_argument("--out", default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    result: dict[str, Any] = {}
    if args.compare_clients:
        result["clients"] = compare_clients(args.compare_clients)
    if args.fees:
        result["end_to_end"] = run(
            args.fees,
            concurrency=args.concurrency,
            coalesce=args.coalesce,
            sim_workers=args.sim_workers,
        )
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    e2e = result.get("end_to_end")
    return 0 if e2e is None or e2e["acknowledged_all"] else 1


if __name__ == "__main__":
    sys.exit(main())
