"""Benchmark: injected latency must not serialise requests.

200 connections, each call held 100 ms by the simulator's own fault injection
(`simulators.faults`, a ``latency`` rule): the ideal is 200 / 0.1 s = 2,000 req/s,
the target 0.95 of it (1,900). The load comes from a separate process (wrk), the
simulator runs under gunicorn with the worker class, workers and threads given.

The fault rules come from the configuration (`DEBITORSIM_BENCH_FAULTS`, JSON); rules
POSTed to ``/admin/faults`` would reach every worker as well (they are in the store).

Two answers behind the delay:
- ``empty`` (default): a ``latency`` rule plus an ``empty_response`` rule, so the figure
  is the serving set-up plus the fault middleware, not the SOAP work;
- ``soap``: only the ``latency`` rule; the real HentDebitorkonto runs after the delay
  (bounded by what the simulator does per second anyway, see docs/load.md).

    .venv/bin/python -m load.bench.latency                     # gthread, 2 x 128 (the default)
    .venv/bin/python -m load.bench.latency --worker-class gevent
    .venv/bin/python -m load.bench.latency --threads 8         # too few threads: serialises
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

FAULTS_ENV = "DEBITORSIM_BENCH_FAULTS"
IDEAL = 2000.0


def app() -> Any:
    """gunicorn factory: the simulators' app with the fault rules of `DEBITORSIM_BENCH_FAULTS`."""
    from simulators import SimConfig, create_app

    db = Path(os.environ.get("DEBITORSIM_SIM_DB", ".debitorsim/bench-latency.db"))
    db.parent.mkdir(parents=True, exist_ok=True)
    config = SimConfig(
        database=db,
        clock_mode="real",
        journal_enabled=os.environ.get("DEBITORSIM_JOURNAL", "on") == "on",
        faults=tuple(json.loads(os.environ.get(FAULTS_ENV, "[]"))),
    )
    return create_app(config)


def _body(directory: Path, sim_url: str) -> tuple[Path, str]:
    """A HentDebitorkonto of an account opened on the running simulator first, so the
    ``soap`` answer is the real look-up, not a DebitorkontoFindesIkke Fault."""
    from load.bench import calls
    from load.support.traffic import Traffic
    from oeir import kommuner, model, soap
    from oeir.services import DEBITOR_FORESPOERGSEL

    kommune = kommuner.by_kode()["101"]
    t = Traffic(seed=5)
    opret, _, _ = t.opret_debitorkonto(kommune)
    svar = soap.read_response(calls.post(sim_url, opret), model.OpretDebitorkontoSvar)
    hent = t.hent_debitorkonto(kommune, kontonummer=svar.debitorkontonummer)
    path = directory / "hent.xml"
    path.write_bytes(hent.body)
    return path, DEBITOR_FORESPOERGSEL.operations["HentDebitorkonto"].soap_action


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start gunicorn with the rules, run wrk against it, return the figures."""
    from load.support import runner
    from oeir.services import DEBITOR_FORESPOERGSEL

    wrk_bin, how = runner.ensure_wrk()
    if wrk_bin is None:
        raise SystemExit(how)
    rules: list[dict[str, Any]] = [{"kind": "latency", "fixed_ms": args.latency_ms}]
    if args.answer == "empty":
        rules.append({"kind": "empty_response"})
    with tempfile.TemporaryDirectory() as d:
        env = {
            "DEBITORSIM_SIM_DB": str(Path(d) / "sim.db"),
            "DEBITORSIM_JOURNAL": "on" if args.journal else "off",
            FAULTS_ENV: json.dumps(rules),
        }
        with runner.Gunicorn(
            "load.bench.latency:app()",
            workers=args.workers,
            threads=args.threads,
            worker_class=args.worker_class,
            env=env,
        ) as g:
            g.wait_ready("/admin/")
            template, action = _body(Path(d), g.url)
            url = g.url + DEBITOR_FORESPOERGSEL.path
            runner.wrk(url, connections=args.connections, seconds=2, template=template)
            r = runner.wrk(
                url,
                connections=args.connections,
                seconds=args.seconds,
                template=template,
                extra=[action],
            )
    ideal = args.connections / (args.latency_ms / 1000)
    return {
        **r.as_dict(),
        "ideal_rps": ideal,
        "of_ideal": round(r.rps / ideal, 3),
        "not_valid": runner.not_valid(r.as_dict()),
        "target_met": r.failed == 0 and r.rps >= 0.95 * ideal,
        "setup": {
            "worker_class": args.worker_class,
            "workers": args.workers,
            "threads": args.threads,
            "connections": args.connections,
            "latency_ms": args.latency_ms,
            "answer": args.answer,
            "journal": args.journal,
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Command line; prints one JSON object, exit status 1 when below 0.95 of the ideal."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker-class", default="gthread", choices=("gthread", "gevent", "sync"))
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=128, help="per worker (gthread)")
    p.add_argument("--connections", type=int, default=200)
    p.add_argument("--latency-ms", type=int, default=100)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--answer", choices=("empty", "soap"), default="empty")
    p.add_argument("--no-journal", dest="journal", action="store_false")
    args = p.parse_args(argv)
    result = run(args)
    print(json.dumps(result, indent=2))
    return 0 if result["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
