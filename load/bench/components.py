"""Where one `OpretFordring`'s server CPU goes, component by component.

    python -m load.bench.components                  # in-process breakdown (no wrk needed)
    python -m load.bench.components --serving        # plus CPU per call under gunicorn (wrk)
    python -m load.bench.components --claims-per-account 0 --calls 2000

Two measurements, both CPU time, so a busy machine inflates them far less than it
inflates throughput:

* **in-process**: the simulator's WSGI app called directly on one thread with prebuilt
  environs (no HTTP, no client), as `debitorsim.wsgi` configures it (SQLite, journal on,
  one work slot), on 64 accounts that already hold `claims_per_account` claims (the bench's
  c=32 run ends with ~300 per account). `total_cpu_us` is the process's CPU per call
  without instrumentation (the caller, the work slot's thread, the journal writer). The
  breakdown then times each component by the CPU of the thread it runs on (exclusive of
  the components it calls) by wrapping the functions that do it and every SQL statement
  on every connection; the wrappers' own cost is calibrated and subtracted.
* **serving** (`--serving`, needs wrk): CPU seconds of all gunicorn processes (master and
  workers, every thread) per request over a wrk run at c=32, for a static WSGI answer,
  Flask + lxml, and the simulator's OpretFordring: what serving adds beyond the app, and
  the server CPU per call the issue's target is about.

`make bench` runs both (`components` in reports/bench.json) and prints one row each.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from load.support import runner

ACCOUNTS = 64


@dataclass
class Timers:
    """Exclusive CPU time per component (ns, the thread's own) and call counts."""

    ns: dict[str, int]
    calls: dict[str, int]
    local: threading.local

    @classmethod
    def new(cls) -> Timers:
        """Empty timers."""
        return cls(defaultdict(int), defaultdict(int), threading.local())

    def timed(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """`fn` with its exclusive time added to `name` (time in timed callees is theirs)."""
        clock = time.thread_time_ns
        local, ns, calls = self.local, self.ns, self.calls

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            stack = getattr(local, "stack", None)
            if stack is None:
                stack = local.stack = []
            stack.append(0)
            started = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                took = clock() - started
                inner = stack.pop()
                ns[name] += took - inner
                calls[name] += 1
                if stack:
                    stack[-1] += took

        wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
        return wrapper

    def overhead_ns(self) -> float:
        """What one wrapped call costs beyond the call itself (calibrated, median of 5)."""
        probe = Timers.new()
        noop = probe.timed("x", lambda: None)
        plain = lambda: None  # noqa: E731
        runs = []
        for _ in range(5):
            t0 = time.thread_time_ns()
            for _ in range(20_000):
                noop()
            t1 = time.thread_time_ns()
            for _ in range(20_000):
                plain()
            t2 = time.thread_time_ns()
            runs.append(((t1 - t0) - (t2 - t1)) / 20_000)
        return sorted(runs)[2]


def _sql_label(sql: str) -> str:
    """A short name for a statement: ``sql: INSERT claims``, ``sql: SELECT claims``, COMMIT."""
    words = sql.split()
    if not words:
        return "sql: ?"
    verb = words[0].upper()
    if verb in ("BEGIN", "COMMIT", "ROLLBACK"):
        return f"sql: {verb}"
    upper = [w.upper() for w in words]
    for key in ("INTO", "FROM", "UPDATE"):
        if key in upper:
            i = upper.index(key)
            if i + 1 < len(words):
                table = words[i + 1].strip("(,")
                return f"sql: {verb} {table}" if key != "UPDATE" else f"sql: UPDATE {table}"
    return f"sql: {verb}"


class _TimedCursor:
    def __init__(self, cursor: Any, timers: Timers, label: str) -> None:
        self._cursor, self._timers, self._label = cursor, timers, label

    def fetchone(self) -> Any:
        return self._timers.timed(self._label, self._cursor.fetchone)()

    def fetchall(self) -> Any:
        return self._timers.timed(self._label, self._cursor.fetchall)()

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class _TimedConnection:
    """A thread's SQLite connection with every statement timed under its label."""

    def __init__(self, conn: Any, timers: Timers) -> None:
        self._conn, self._timers = conn, timers
        self.statements = 0

    def execute(self, sql: str, args: Any = ()) -> _TimedCursor:
        if threading.current_thread().name != "journal-writer":  # the SOAP calls' own
            self.statements += 1
        label = _sql_label(sql)
        cursor = self._timers.timed(label, self._conn.execute)(sql, args)
        return _TimedCursor(cursor, self._timers, label)

    def executemany(self, sql: str, rows: Any) -> Any:
        self.statements += 1
        return self._timers.timed(_sql_label(sql), self._conn.executemany)(sql, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _targets() -> list[tuple[Any, str, str]]:
    """(owner, attribute, component) of every function the breakdown times."""
    from oeir import codec, rules, safexml, schema, soap, sp_context
    from oeir.same_origin import SameOrigin
    from simulators import engine, journal, platform, replay
    from simulators import rules as profile_rules
    from simulators.ledger import commands, core
    from simulators.store import ledger as ledger_sql
    from simulators.web import soap_calls
    from simulators.web.fault_middleware import FaultMiddleware
    from simulators.web.work_slots import WorkSlots

    return [
        (SameOrigin, "__call__", "wsgi: same-origin guard"),
        (engine.Simulator, "refresh_clock", "wsgi: clock refresh"),
        (FaultMiddleware, "__call__", "wsgi: fault middleware"),
        (WorkSlots, "__call__", "wsgi: work slot, body read"),
        (soap_calls.SoapCalls, "__call__", "wsgi: SOAP endpoint, response"),
        (soap_calls.SoapCalls, "_call", "wsgi: SOAP endpoint, response"),
        (soap_calls, "journal", "journal: record (queue)"),
        (soap_calls, "read_body", "wsgi: body read"),
        (soap, "read_request", "soap: envelope split, operation"),
        (safexml, "parse", "xml: safe parse"),
        (sp_context, "read", "soap: SP header blocks"),
        (schema.Schemas, "envelope_valid", "xsd: validation"),
        (schema.Schemas, "validate", "xsd: validation"),
        (codec, "from_element", "codec: decode"),
        (platform, "route", "rules: routing, agreement"),
        (rules, "validate", "rules: shared business rules"),
        (profile_rules, "kommunekoder", "rules: profile"),
        (profile_rules, "validate", "rules: profile"),
        (replay, "answer_once", "replay: call-id record"),
        (replay, "content_digest", "replay: content hash"),
        (commands.Commands, "opret_fordring", "ledger: logic"),
        (commands, "claim_payload", "ledger: claim payload (canonical JSON)"),
        (core.LedgerCore, "_fits_account", "ledger: account balance bound"),
        (core.LedgerCore, "_emit", "ledger: events + listeners"),
        (ledger_sql, "_claim", "store: row decode"),
        (ledger_sql, "_account", "store: row decode"),
        (soap, "response_envelope", "soap: response envelope"),
        (journal.Journal, "_write", "journal: writer thread (mask + insert)"),
    ]


@contextlib.contextmanager
def _instrumented(timers: Timers) -> Iterator[None]:
    saved = []
    try:
        for owner, attr, name in _targets():
            original = owner.__dict__[attr]
            saved.append((owner, attr, original))
            setattr(owner, attr, timers.timed(name, original))
        yield
    finally:
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)


# --- the in-process scenario -------------------------------------------------------------


def _environ(call: Any) -> dict[str, Any]:
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(
        path=call.path,
        method="POST",
        data=call.body,
        headers=call.headers,
        base_url="http://127.0.0.1/",
    )
    try:
        return builder.get_environ()
    finally:
        builder.close()


def _scenario(
    db: Path, journal: bool, claims_per_account: int, calls: int, accounts: int = ACCOUNTS
) -> tuple[Any, list[Any]]:
    """The app as `debitorsim.wsgi` builds it, `accounts` accounts holding the claims, and
    `calls` OpretFordring environs spread over them."""
    from load.support import traffic
    from oeir import kommuner, model
    from simulators import SimConfig, create_app, simulator_of

    app = create_app(
        SimConfig(database=db, journal_enabled=journal, clock_mode="real", work_slots=1)
    )
    sim = simulator_of(app)
    t = traffic.Traffic(seed=11)
    debtors = []
    for i in range(accounts):
        kommune = kommuner.alle()[i % len(kommuner.alle())]
        debitor = t.debitor()
        sim.ledger.opret_debitorkonto(
            model.OpretDebitorkonto(
                debitor=debitor,
                kreditor=model.Kreditor(
                    agency_id=traffic.agency_id(kommune), kommunekode=kommune.kode
                ),
                fordringer=tuple(t.fordring(kommune, debitor) for _ in range(claims_per_account)),
            )
        )
        debtors.append((kommune, debitor))
    environs = [_environ(t.opret_fordring(*debtors[i % accounts])[0]) for i in range(calls)]
    return app, environs


def _call(app: Any, environ: dict[str, Any]) -> None:
    status: list[str] = []
    body = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
    if not status or not status[0].startswith("200"):
        raise RuntimeError(f"OpretFordring answered {status}: {body[:300]!r}")


def _fresh(environ: dict[str, Any]) -> dict[str, Any]:
    env = dict(environ)
    env["wsgi.input"] = io.BytesIO(environ["wsgi.input"].getvalue())
    return env


def in_process(
    *,
    calls: int = 1500,
    claims_per_account: int = 150,
    journal: bool = True,
    accounts: int = ACCOUNTS,
) -> dict[str, Any]:
    """CPU per OpretFordring in the app on one thread, and its breakdown (see the module).

    The claims go round `accounts` accounts: with as many accounts as calls, each call
    adds the first claim or so to its account (what a claim costs apart from its account).
    """
    from simulators import simulator_of

    with tempfile.TemporaryDirectory() as d:
        app, environs = _scenario(
            Path(d) / "sim.db", journal, claims_per_account, 3 * calls, accounts
        )
        sim = simulator_of(app)
        for e in environs[:calls]:  # warm-up: XSDs, caches, the journal writer
            _call(app, _fresh(e))
        sim.journal.flush()
        # Uninstrumented: the process's CPU (this thread, the work slot's, the journal
        # writer's: the machine's other processes are not in it); the writer's on its own
        journal_cls = type(sim.journal)
        original_write = journal_cls.__dict__["_write"]
        writer_cpu = [0.0]

        def write(self: Any, batch: Any) -> None:
            t0 = time.thread_time()
            try:
                original_write(self, batch)
            finally:
                writer_cpu[0] += time.thread_time() - t0

        journal_cls._write = write  # type: ignore[method-assign]
        try:
            batch = [_fresh(e) for e in environs[calls : 2 * calls]]
            t0 = time.process_time()
            w0 = time.perf_counter()
            for e in batch:
                _call(app, e)
            wall = time.perf_counter() - w0
            sim.journal.flush()
            cpu = time.process_time() - t0
        finally:
            journal_cls._write = original_write  # type: ignore[method-assign]
        total_us = cpu / calls * 1e6

        # Instrumented: the breakdown; every thread's connection times its statements
        timers = Timers.new()
        store_cls = type(sim.store)
        original_conn = store_cls.__dict__["_conn"]
        proxies: dict[int, _TimedConnection] = {}

        def conn(self: Any) -> Any:
            real = original_conn(self)
            proxy = proxies.get(id(real))
            if proxy is None:
                proxy = proxies[id(real)] = _TimedConnection(real, timers)
            return proxy

        top = timers.timed("wsgi: werkzeug/other", app)
        batch = [_fresh(e) for e in environs[2 * calls :]]
        store_cls._conn = conn  # type: ignore[method-assign]
        try:
            with _instrumented(timers):
                for e in batch:
                    _call(top, e)
                sim.journal.flush()
        finally:
            store_cls._conn = original_conn  # type: ignore[method-assign]
        overhead = timers.overhead_ns()
        wraps = sum(timers.calls.values())
        components: dict[str, float] = {}
        for name, ns in timers.ns.items():
            # each timed call's own cost lands in its parent's exclusive time: take it out there
            components[name] = ns / calls / 1000
        components["wsgi: werkzeug/other"] = max(
            0.0, components.get("wsgi: werkzeug/other", 0.0) - wraps * overhead / calls / 1000
        )
        sql_total = sum(v for k, v in components.items() if k.startswith("sql: "))
        statements = sum(p.statements for p in proxies.values())
        sim.close()
    ranked = dict(sorted(components.items(), key=lambda kv: -kv[1]))
    return {
        "calls": calls,
        "claims_per_account": claims_per_account,
        "accounts": accounts,
        "journal": journal,
        "total_cpu_us": round(total_us, 1),
        "journal_writer_cpu_us": round(writer_cpu[0] / calls * 1e6, 1),
        "wall_us": round(wall / calls * 1e6, 1),
        "instrumented_sum_us": round(sum(components.values()), 1),
        "wrapper_overhead_ns": round(overhead),
        "sql_statements_per_call": round(statements / calls, 2),
        "sql_us": round(sql_total, 1),
        "components_us": {k: round(v, 1) for k, v in ranked.items()},
    }


# --- instruction counts (valgrind) -------------------------------------------------------


def _measure_loop(calls: int, claims_per_account: int, journal: bool) -> None:
    """The loop `instructions` counts: warm up, then `calls` calls inside one
    `functools.reduce` (callgrind collects only inside it, per thread), the work slot's
    and the journal writer's work inside their own."""
    import functools

    from simulators import simulator_of
    from simulators.web.work_slots import WorkSlots

    with tempfile.TemporaryDirectory() as d:
        app, environs = _scenario(Path(d) / "sim.db", journal, claims_per_account, 2 * calls)
        sim = simulator_of(app)
        for e in environs[:calls]:
            _call(app, _fresh(e))
        sim.journal.flush()
        journal_cls = type(sim.journal)
        original = journal_cls.__dict__["_write"]

        def write(self: Any, batch: Any) -> None:  # counted: runs inside reduce
            functools.reduce(lambda _, b: original(self, b), [batch], None)

        def work(self: Any, environ: Any, start_response: Any) -> Any:  # the slot's thread
            return functools.reduce(lambda _, x: slot_work(self, environ, start_response), [0], 0)

        slot_work = WorkSlots.__dict__["_work"]
        journal_cls._write = write  # type: ignore[method-assign]
        WorkSlots._work = work  # type: ignore[method-assign]
        batch = [_fresh(e) for e in environs[calls:]]
        functools.reduce(lambda _, e: _call(app, e), batch, None)
        sim.journal.flush()
        journal_cls._write = original  # type: ignore[method-assign]
        WorkSlots._work = slot_work  # type: ignore[method-assign]
        sim.close()


def instructions(
    calls: int = 200, claims_per_account: int = 0, journal: bool = True
) -> dict[str, Any]:
    """User-space instructions per OpretFordring in-process (callgrind, `_measure_loop`)."""
    from load.support.runner import callgrind_instructions

    args = [
        "load.bench.components",
        "--measure-loop",
        "--calls",
        str(calls),
        "--claims-per-account",
        str(claims_per_account),
        "--journal",
        "on" if journal else "off",
    ]
    total = callgrind_instructions(args)
    if total is None:
        return {"skipped": "valgrind not installed"}
    return {
        "calls": calls,
        "claims_per_account": claims_per_account,
        "journal": journal,
        "instructions_per_call": round(total / calls),
    }


# --- under gunicorn ----------------------------------------------------------------------


def _cpu_per_request(pid: int, run: Callable[[], Any]) -> dict[str, Any]:
    from load.support.runner import cpu_seconds

    before = cpu_seconds(pid)
    r = run()
    used = cpu_seconds(pid) - before
    done = max(1, r.requests - r.errors)
    return {
        "rps": r.rps,
        "requests": r.requests,
        "failed": r.failed,
        "cpu_us_per_request": round(used / done * 1e6),
    }


def serving(seconds: float = 10.0) -> dict[str, Any]:
    """Server CPU per request under our gunicorn settings at c=32 (see the module)."""
    from load.bench import calls
    from load.support import runner, traffic
    from load.support.testbed import TestBed
    from oeir import kommuner

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as d:
        call, _ = traffic.Traffic(seed=1).opret_fordring(kommuner.alle()[0])
        tpl = calls.template_file(Path(d) / "body.xml", [call.body])
        for key, app in (
            ("static_wsgi", "load.bench.ceiling:static()"),
            ("flask_lxml", "load.bench.ceiling:flask_lxml_app()"),
        ):
            with runner.Gunicorn(
                app, workers=calls.SIM_WORKERS, threads=calls.SIM_THREADS, env={}
            ) as g:
                g.wait_ready()
                runner.wrk(g.url + "/x", connections=32, seconds=2, template=tpl)
                out[key] = _cpu_per_request(
                    g.pid,
                    lambda g=g: runner.wrk(
                        g.url + "/x", connections=32, seconds=seconds, template=tpl
                    ),
                )
        t = traffic.Traffic(seed=2)
        with TestBed(
            Path(d) / "bed",
            sim_workers=calls.SIM_WORKERS,
            sim_threads=calls.SIM_THREADS,
            with_core=False,
        ) as bed:
            debtors = calls.open_debtors(bed.sim_url, ACCOUNTS, t)
            tpl = calls.opret_fordring_template(Path(d), debtors, t)
            url = bed.sim_url + traffic.DEBITOR_REGISTRERING.path
            kw: dict[str, Any] = {
                "connections": 32,
                "template": tpl,
                "extra": [calls.soap_action("OpretFordring")],
            }
            runner.wrk(url, seconds=2, **kw)
            out["opret_fordring"] = _cpu_per_request(
                bed.servers[0].pid, lambda: runner.wrk(url, seconds=seconds, **kw)
            )
    return out


def run(seconds: float = 10.0, calls: int = 1500, with_serving: bool = True) -> dict[str, Any]:
    """The `components` figure of `make bench`: in-process breakdown (on 64 accounts of
    150 claims, and on new accounts) and, with wrk, the CPU per request under gunicorn."""
    result: dict[str, Any] = {
        "in_process": in_process(calls=calls),
        "in_process_empty_accounts": in_process(
            calls=calls, claims_per_account=0, accounts=3 * calls
        ),
    }
    if with_serving:
        result["serving"] = serving(seconds)
    return result


def rows(r: dict[str, Any]) -> list[tuple[str, str]]:
    """(figure, measured) rows for the bench table."""
    if "skipped" in r:
        return [("server CPU per OpretFordring", "skipped: " + r["skipped"][:70])]
    out = []
    s = r.get("serving", {})
    if "opret_fordring" in s:
        bad = next(filter(None, map(runner.not_valid, s.values())), None)
        out.append(
            (
                "server CPU per OpretFordring (gunicorn)",
                bad
                or f"{s['opret_fordring']['cpu_us_per_request']} µs; static WSGI "
                f"{s['static_wsgi']['cpu_us_per_request']} µs, Flask+lxml "
                f"{s['flask_lxml']['cpu_us_per_request']} µs",
            )
        )
    for key in ("in_process", "in_process_empty_accounts"):
        p = r[key]
        top = ", ".join(f"{k} {v:.0f}" for k, v in list(p["components_us"].items())[:4])
        where = (
            f"{p['claims_per_account']} claims/account"
            if p["claims_per_account"]
            else "new accounts"
        )
        out.append(
            (
                f"app CPU per OpretFordring, {where}",
                f"{p['total_cpu_us']:.0f} µs ({p['sql_statements_per_call']:.0f} SQL "
                f"{p['sql_us']:.0f} µs); {top}",
            )
        )
    return out


def _print(p: dict[str, Any]) -> None:
    print(
        f"OpretFordring in-process, {p['claims_per_account']} claims on each of {p['accounts']}"
        f" accounts, journal {'on' if p['journal'] else 'off'}:"
    )
    print(
        f"  CPU per call {p['total_cpu_us']} µs (journal writer {p['journal_writer_cpu_us']} µs),"
        f" wall {p['wall_us']} µs; {p['sql_statements_per_call']} SQL statements, {p['sql_us']} µs"
    )
    print(
        f"  breakdown (instrumented, sum {p['instrumented_sum_us']} µs,"
        f" wrapper cost {p['wrapper_overhead_ns']} ns taken out):"
    )
    for name, us in p["components_us"].items():
        print(f"    {us:8.1f} µs  {name}")


def main(argv: list[str] | None = None) -> int:
    """Print the breakdown (and with --serving the gunicorn figures); --json for all of it."""
    p = argparse.ArgumentParser(prog="python -m load.bench.components", description=__doc__)
    p.add_argument("--calls", type=int, default=1500)
    p.add_argument(
        "--claims-per-account",
        type=int,
        default=None,
        help="claims on each account before measuring (default 150; 0 with --instructions)",
    )
    p.add_argument("--journal", choices=("on", "off"), default="on")
    p.add_argument("--serving", action="store_true", help="also CPU per request under gunicorn")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--instructions", action="store_true", help="instructions per call (callgrind) only"
    )
    p.add_argument("--measure-loop", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    on = args.journal == "on"
    if args.measure_loop:
        _measure_loop(args.calls, args.claims_per_account or 0, on)
        return 0
    if args.instructions:
        print(json.dumps(instructions(args.calls, args.claims_per_account or 0, on), indent=2))
        return 0
    if args.claims_per_account is None:
        args.claims_per_account = 150
    result: dict[str, Any] = {
        "in_process": in_process(
            calls=args.calls,
            claims_per_account=args.claims_per_account,
            journal=args.journal == "on",
        )
    }
    if args.serving:
        result["serving"] = serving(args.seconds)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    _print(result["in_process"])
    for key, s in result.get("serving", {}).items():
        print(
            f"under gunicorn, {key}: {s['cpu_us_per_request']} µs CPU per request ({s['rps']} req/s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
