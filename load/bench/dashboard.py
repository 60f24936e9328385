"""Benchmark: the dashboard's server time per page with 10,000 claims in one municipality.

    python -m load.bench.dashboard
    python -m load.bench.dashboard --claims 10000 --iterations 200 --json out.json

One simulator (`simulators.create_app` with its behaviour over time, SQLite WAL with
the default ``synchronous=NORMAL``) is seeded through the ledger in one store
transaction: `--claims` claims on accounts of four claims each, all in one KMD Opus
municipality, every fifth claim paid (so the next nightly run has events waiting),
and a journal of `--journal` SOAP calls, a tenth of them refused. Each page is then
requested through the Flask test client (the whole WSGI stack in process, no
network), after a warm-up; the figure is the server time per request: median, p95
and max in milliseconds. The target is a median under 200 ms for every page.
`--check` makes the exit code non-zero when a page misses it.

Not a test: timings depend on the machine (speed goes in benchmarks, not in tests).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from oeir import model, testdata
from simulators import SimConfig, create_app, simulator_of
from simulators.engine import Simulator

TARGET_MS = 200.0


def seed(sim: Simulator, kode: str, claims: int, journal: int) -> list[str]:
    """Claims (4 per account, every 5th paid) and journal rows; returns the claim ids."""
    fake = testdata.faker(1590)
    ids: list[str] = []
    cprs: list[str] = []
    seen: set[str] = set()
    while len(cprs) < claims // 4 + 1:
        cpr = fake.cpr()
        if cpr not in seen:
            seen.add(cpr)
            cprs.append(cpr)
    today = sim.clock.now().date()
    with sim.store.transaction():
        for i in range(claims):
            fid = f"B{i:07d}"
            debitor = model.Debitor(cpr_nummer=cprs[i // 4], navn="Bench Borger")
            fordring = model.Fordring(
                fordring_id=fid,
                fordring_type=model.FordringType.GEBYR,
                klassifikationskode="BIB-GEBYR",
                hovedstol=2500 + (i % 50) * 100,
                stiftelsesdato=today - timedelta(days=i % 60),
                forfaldsdato=today + timedelta(days=14 - i % 60),
                sidste_rettidige_betalingsdato=today + timedelta(days=14 - i % 60),
                tekst="Gebyr (for sent)",
                debitor=debitor,
                kreditor=model.Kreditor(agency_id=f"DK-7{kode}00", kommunekode=kode),
            )
            sim.ledger.opret_fordring(fordring, create_account=True)
            ids.append(fid)
            if i % 5 == 0:
                sim.ledger.daekning(kode, fid, 1000, betalingsmiddel=model.Betalingsmiddel.KORT)
    for i in range(journal):
        refused = i % 10 == 0
        sim.journal.record(
            service="DebitorRegistreringAfsend",
            operation="OpretFordring",
            kommunekode=kode,
            verdict="fault" if refused else "ok",
            fejlkode="SkemaValideringFejlet" if refused else None,
            felt="/o:OpretFordring/o:Fordring/o:Hovedstol" if refused else None,
            http_status=500 if refused else 200,
            request=_message(sim, kode, ids[i % len(ids)], refused),
            detail="line 1: not a valid value" if refused else None,
        )
    return ids


def _message(sim: Simulator, kode: str, fid: str, refused: bool) -> str:
    tenant = sim.tenants.get(kode)
    assert tenant is not None
    amount = "halvtreds" if refused else "50.00"
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:o="urn:debitorsim:oeir:sf1590b:1"><soap:Body><o:OpretFordring><o:Fordring>'
        f"<o:FordringId>{fid}</o:FordringId><o:FordringType>Gebyr</o:FordringType>"
        f"<o:Klassifikationskode>BIB-GEBYR</o:Klassifikationskode><o:Hovedstol>{amount}"
        "</o:Hovedstol></o:Fordring></o:OpretFordring></soap:Body></soap:Envelope>"
    )


def measure(client: Any, url: str, iterations: int, warmup: int = 5) -> dict[str, Any]:
    """Server time of `iterations` GETs of `url` (after `warmup`), in ms."""
    for _ in range(warmup):
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        r = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    times.sort()
    return {
        "url": url,
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 2),
        "max_ms": round(times[-1], 2),
        "bytes": len(r.data),
    }


def run(claims: int = 10_000, iterations: int = 200, journal: int = 2_000) -> dict[str, Any]:
    """Seed, then time every page; returns the figures."""
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        app = create_app(SimConfig(data_dir=Path(tmp)))
        sim = simulator_of(app)
        kode = sim.tenants.for_system("opus")[0].kode
        t0 = time.perf_counter()
        ids = seed(sim, kode, claims, journal)
        seed_s = time.perf_counter() - t0
        stats = sim.stats()
        client = app.test_client()
        with sim.store.read() as tx:
            middle_account = tx.accounts_page(kode, None, claims // 8)[-1].nummer
        faults = sim.journal.query(kommunekode=kode, verdict="fault", limit=1)
        pages = [
            "/",
            "/kommuner",
            "/kommuner?q=frederiks",
            f"/kommuner/{kode}",
            f"/kommuner/{kode}?efter={ids[len(ids) // 2]}",
            f"/kommuner/{kode}?vis=konti",
            f"/kommuner/{kode}?vis=konti&efter={middle_account}",
            f"/kommuner/{kode}/fordringer/{ids[0]}",
            "/journal",
            f"/journal?verdict=fault&kommunekode={kode}",
            f"/journal/{faults[0].id}",
            "/fejl",
            "/borger",
        ]
        results = [measure(client, url, iterations) for url in pages]
        sim.close()
    return {
        "claims_in_municipality": claims,
        "kommunekode": kode,
        "store": stats,
        "seed_seconds": round(seed_s, 1),
        "iterations": iterations,
        "target_median_ms": TARGET_MS,
        "pages": results,
        "slowest_median_ms": max(r["median_ms"] for r in results),
        "slowest_p95_ms": max(r["p95_ms"] for r in results),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table (and JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--journal", type=int, default=2_000)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--check", action="store_true", help="exit 1 if a median misses 200 ms")
    args = parser.parse_args(argv)
    out = run(args.claims, args.iterations, args.journal)
    print(
        f"{out['claims_in_municipality']} claims in {out['kommunekode']}; store {out['store']}; "
        f"seeded in {out['seed_seconds']} s; {out['iterations']} requests per page"
    )
    print(f"{'page':<52} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'KiB':>6}")
    for r in out["pages"]:
        print(
            f"{r['url'][:52]:<52} {r['median_ms']:>10.2f} {r['p95_ms']:>8.2f} "
            f"{r['max_ms']:>8.2f} {r['bytes'] / 1024:>6.1f}"
        )
    print(f"slowest median {out['slowest_median_ms']} ms (target < {TARGET_MS:.0f} ms)")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    if args.check and out["slowest_median_ms"] >= TARGET_MS:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
