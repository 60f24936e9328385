"""What one new claim costs the store: SQL statements, B-trees and pages per `OpretFordring`.

    python -m load.bench.store_cost                       # 300 claims, journal off
    python -m load.bench.store_cost --claims 1000 --list  # plus every statement, with its B-trees
    python -m load.bench.store_cost --instructions        # plus CPU instructions per claim

Runs the real app (`simulators.create_app`, SQLite) through Flask's test client on one
thread, five claims per debtor account as the load suites send them, each with its own
CallersServiceCallIdentifier. Counts are exact, not timed, so they mean the same on a
busy machine:

- *statements*: every statement SQLite ran (``set_trace_callback``), BEGIN and COMMIT
  included;
- *B-trees*: per statement, the tables and indexes it opens (``EXPLAIN``: ``OpenRead`` /
  ``OpenWrite``), summed over the statements of a claim;
- *pages*: the B-tree pages SQLite fetched (``sqlite3_db_status`` cache hits + misses) and
  the pages it wrote to the WAL at COMMIT (cache writes);
- *instructions* (``--instructions``): the process again under ``valgrind --tool=callgrind``,
  collecting only inside the measured loop (run by ``functools.reduce``, the function
  callgrind toggles on): the CPU work of the claims alone, start-up and warm-up left out,
  and nothing counted in that run (the statement trace cost ~5 % of the instructions).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import functools
import json
import re
import sqlite3
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from load.support import runner, traffic
from oeir import kommuner

CLAIMS_PER_ACCOUNT = 5
_DBSTATUS_CACHE_HIT, _DBSTATUS_CACHE_MISS, _DBSTATUS_CACHE_WRITE = 7, 8, 9
_LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")


def _libsqlite() -> Any:
    lib = ctypes.CDLL(ctypes.util.find_library("sqlite3") or "libsqlite3.so.0")
    lib.sqlite3_db_status.argtypes = [
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int),
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    return lib


def _handle(conn: sqlite3.Connection) -> int:
    """The ``sqlite3 *`` of a connection: CPython's connection object holds it right after
    its object header (``pysqlite_Connection.db``)."""
    return ctypes.c_void_p.from_address(id(conn) + 2 * ctypes.sizeof(ctypes.c_void_p)).value or 0


def _status(lib: Any, conn: sqlite3.Connection, op: int, reset: bool = False) -> int:
    cur, hi = ctypes.c_int(0), ctypes.c_int(0)
    lib.sqlite3_db_status(_handle(conn), op, ctypes.byref(cur), ctypes.byref(hi), int(reset))
    return int(cur.value)


def shape(sql: str) -> str:
    """A statement with its bound values taken out (the trace shows them bound)."""
    return re.sub(r"\s+", " ", _LITERAL.sub("?", sql)).strip()


def _btrees(conn: sqlite3.Connection, sql: str) -> list[str]:
    """The tables and indexes `sql` opens, by name."""
    head = sql.lstrip().split(None, 1)[0].upper()
    if head in ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE"):
        return []
    names = {
        int(r[0]): str(r[1])
        for r in conn.execute("SELECT rootpage, name FROM sqlite_master WHERE rootpage > 0")
    }
    opened = {
        names.get(int(r[3]), f"page {r[3]}")
        for r in conn.execute(f"EXPLAIN {sql}")
        if r[1] in ("OpenRead", "OpenWrite") and int(r[3]) > 1
    }
    return sorted(opened)


def measure(
    claims: int, *, journal: bool = False, warm: int = 50, counted: bool = True
) -> dict[str, Any]:
    """Post `warm` + `claims` OpretFordring in-process; the counts of the last `claims`.

    With `counted` False nothing is counted (no trace callback, no page status): the run
    callgrind measures, whose instructions must be the claims' alone."""
    from simulators import SimConfig, create_app
    from simulators.web.context import simulator_of

    lib = _libsqlite()
    with tempfile.TemporaryDirectory() as d:
        app = create_app(
            SimConfig(database=Path(d) / "sim.db", journal_enabled=journal, clock_mode="real")
        )
        client = app.test_client()
        t = traffic.Traffic(seed=1)
        kommune = kommuner.by_kode()["101"]
        calls = []
        for _ in range(-(-(warm + claims) // CLAIMS_PER_ACCOUNT)):
            first, debitor, _ = t.opret_debitorkonto(kommune)
            client.post(first.path, data=first.body, headers=first.headers)
            calls += [t.opret_fordring(kommune, debitor)[0] for _ in range(CLAIMS_PER_ACCOUNT)]

        def post(batch: list[traffic.SoapCall]) -> None:
            for c in batch:
                r = client.post(c.path, data=c.body, headers=c.headers)
                if r.status_code != 200 or traffic.is_fault(r.data):
                    raise SystemExit(f"{c.operation}: HTTP {r.status_code}: {r.data[:300]!r}")

        post(calls[:warm])
        if not counted:
            functools.reduce(lambda _, c: post([c]), calls[warm : warm + claims], None)
            return {"claims": claims, "journal": journal}
        store = simulator_of(app).store
        conns = list(store._all)  # type: ignore[attr-defined]
        sent: list[str] = []
        for conn in conns:
            conn.set_trace_callback(sent.append)
            for op in (_DBSTATUS_CACHE_HIT, _DBSTATUS_CACHE_MISS, _DBSTATUS_CACHE_WRITE):
                _status(lib, conn, op, reset=True)
        # functools.reduce: the function callgrind collects in (`instructions`).
        functools.reduce(lambda _, c: post([c]), calls[warm : warm + claims], None)
        for conn in conns:
            conn.set_trace_callback(None)
        fetched = sum(
            _status(lib, c, op) for c in conns for op in (_DBSTATUS_CACHE_HIT, _DBSTATUS_CACHE_MISS)
        )
        written = sum(_status(lib, c, _DBSTATUS_CACHE_WRITE) for c in conns)
        shapes = Counter(shape(s) for s in sent)
        first_of: dict[str, str] = {}
        for s in sent:
            first_of.setdefault(shape(s), s)
        with store.read() as tx:
            opened = {k: _btrees(tx._c, v) for k, v in first_of.items()}
        store.close()
    per = [
        {"statement": k, "per_claim": n / claims, "btrees": opened[k]}
        for k, n in shapes.most_common()
    ]
    return {
        "claims": claims,
        "journal": journal,
        "statements_per_claim": round(len(sent) / claims, 2),
        "btrees_per_claim": round(sum(p["per_claim"] * len(p["btrees"]) for p in per), 2),
        "pages_fetched_per_claim": round(fetched / claims, 1),
        "pages_written_per_claim": round(written / claims, 2),
        "statements": per,
    }


def instructions(claims: int, journal: bool) -> dict[str, Any]:
    """CPU instructions per claim: one run under callgrind, collecting in the loop only."""
    args = [
        "load.bench.store_cost",
        "--claims",
        str(claims),
        "--journal",
        "on" if journal else "off",
        "--json",
        "--uncounted",
    ]
    total = runner.callgrind_instructions(args)
    if total is None:
        return {"skipped": "valgrind is not installed"}
    return {"instructions_per_claim": round(total / claims)}


def main(argv: list[str] | None = None) -> int:
    """Print the store's cost per claim."""
    p = argparse.ArgumentParser(prog="python -m load.bench.store_cost", description=__doc__)
    p.add_argument("--claims", type=int, default=300)
    p.add_argument("--journal", choices=("on", "off"), default="off")
    p.add_argument("--list", action="store_true", help="every statement, with its B-trees")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--instructions", action="store_true", help="CPU instructions per claim (callgrind)"
    )
    p.add_argument("--uncounted", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    journal = args.journal == "on"
    result = measure(args.claims, journal=journal, counted=not args.uncounted)
    if args.instructions:
        result.update(instructions(args.claims, journal))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"OpretFordring, journal {args.journal}, {args.claims} claims: "
        f"{result['statements_per_claim']} statements, {result['btrees_per_claim']} B-trees, "
        f"{result['pages_fetched_per_claim']} pages fetched, "
        f"{result['pages_written_per_claim']} pages written per claim"
        + (
            f", {result['instructions_per_claim']:,} instructions per claim"
            if "instructions_per_claim" in result
            else ""
        )
    )
    if args.list:
        for s in result["statements"]:
            print(f"{s['per_claim']:5.2f}  [{', '.join(s['btrees'])}]  {s['statement'][:150]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
