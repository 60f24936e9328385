"""Measure gunicorn worker x thread counts for the simulator (the figures in docs/load.md).

    python -m load.bench.tune                       # OpretFordring c=32 and 100 ms latency c=200
    python -m load.bench.tune --specs 1x16,2x8 --seconds 10

Each spec is WORKERSxTHREADS under `gthread`; `gevent:N` tries gevent workers for the
latency figure. Results go to reports/tune.json and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from load.bench import calls, table
from load.support import runner, traffic
from oeir import kommuner


def opret(workers: int, threads: int, seconds: float) -> dict[str, Any]:
    """OpretFordring c=32, journal on, with this many workers and threads."""
    calls.SIM_WORKERS, calls.SIM_THREADS = workers, threads
    return table.opret_fordring(table.Settings(seconds=seconds), journal=True)


def latency(kind: str, workers: int, threads: int, seconds: float) -> dict[str, Any]:
    """The static answer behind 100 ms at c=200 (the serving set-up alone)."""
    call, _ = traffic.Traffic(seed=7).opret_fordring(kommuner.alle()[0])
    with tempfile.TemporaryDirectory() as d:
        tpl = Path(d) / "body.xml"
        tpl.write_bytes(call.body)
        with runner.Gunicorn(
            "load.bench.fault_injection:delayed_static()",
            workers=workers,
            threads=threads,
            worker_class=kind,
            env={"DEBITORSIM_BENCH_DELAY_MS": "100"},
        ) as g:
            g.wait_ready()
            runner.wrk(g.url + "/x", connections=200, seconds=2, template=tpl)
            return runner.wrk(
                g.url + "/x", connections=200, seconds=seconds, template=tpl
            ).as_dict()


def _figure(r: dict[str, Any]) -> str:
    """A measured rate, or why it is not valid (failed requests)."""
    return runner.not_valid(r) or (
        f"{r['rps']:>7,.0f} req/s  p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the matrix and print it."""
    p = argparse.ArgumentParser(prog="python -m load.bench.tune", description=__doc__)
    p.add_argument("--specs", default="1x1,1x8,1x16,2x1,2x4,2x8,4x1")
    p.add_argument("--latency-specs", default="2x110,2x220,1x220,gevent:2")
    p.add_argument("--seconds", type=float, default=8.0)
    args = p.parse_args(argv)
    out: dict[str, Any] = {"opret_fordring_c32": {}, "latency_static_c200": {}}
    for spec in filter(None, args.specs.split(",")):
        w, t = map(int, spec.split("x"))
        r = opret(w, t, args.seconds)
        out["opret_fordring_c32"][spec] = r
        print(f"OpretFordring c=32  {spec:>8}: {_figure(r)}", flush=True)
    for spec in filter(None, args.latency_specs.split(",")):
        if spec.startswith("gevent:"):
            kind, w, t = "gevent", int(spec.split(":")[1]), 1
        else:
            kind, (w, t) = "gthread", map(int, spec.split("x"))
        r = latency(kind, w, t, args.seconds)
        out["latency_static_c200"][spec] = r
        print(f"100 ms latency c=200 {spec:>8}: {_figure(r)}", flush=True)
    Path("reports").mkdir(exist_ok=True)
    Path("reports/tune.json").write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
