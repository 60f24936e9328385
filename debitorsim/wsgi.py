"""Production WSGI entry points: gunicorn-loadable factories for the simulator and the core.

    gunicorn -c python:debitorsim.wsgi --bind 127.0.0.1:8081 'debitorsim.wsgi:simulator()'
    gunicorn -c python:debitorsim.wsgi --bind 127.0.0.1:8080 'debitorsim.wsgi:core()'

`-c python:debitorsim.wsgi` reads the gunicorn settings at the end of this module
(gthread workers and threads as measured on the 2-core machine, TCP_NODELAY): the
simulator runs 2 workers × 128 threads of which 1 per worker does SOAP work at a time
(`simulators.web.work_slots`; the other threads hold delayed calls and waiting ones),
the core 1 × 16.

Configuration comes from the environment (a WSGI server passes no arguments):

| variable | meaning | default |
|---|---|---|
| DEBITORSIM_SIM_DB | simulator SQLite file | .debitorsim/simulator.db |
| DEBITORSIM_CORE_DB | core SQLite file | .debitorsim/core.db |
| DEBITORSIM_SIM_URL | where the core sends SOAP (Serviceplatformen) | http://127.0.0.1:8081 |
| DEBITORSIM_CORE_URL | where the simulator sends callbacks | http://127.0.0.1:8080 |
| DEBITORSIM_JOURNAL | simulator request journal on/off | on |
| DEBITORSIM_CLOCK_MODE | simulator clock: frozen, real or accelerated | real |
| DEBITORSIM_FAULTS | simulator fault rules, a JSON list (docs/faults.md) | [] |
| DEBITORSIM_OUTBOX_WORKER | run the core's outbox worker inside each gunicorn worker | on |
| DEBITORSIM_WORK_SLOTS | simulator SOAP calls per worker doing their work at once (0: no limit) | 1 |
| DEBITORSIM_REQUEST_TIMEOUT | seconds a request may take to arrive completely (debitorsim.gworker) | 10 |
| DEBITORSIM_MAX_CLIENT_CONNECTIONS | open connections of one client address per worker | 1024 |
| DEBITORSIM_ALLOWED_HOSTS | public names (comma-separated) state-changing requests may address besides loopback | (none) |
| DEBITORSIM_TRUST_PROXY | behind one reverse proxy: scheme, host, prefix from X-Forwarded-Proto/-Host/-Prefix | off |

TLS is not served by gunicorn here: the guarded worker reads each request before the TLS
layer would exist, and gunicorn gives the app no client certificate to bind a service
agreement to. `on_starting` refuses ``--certfile``/``--keyfile`` with this worker; use
``debitorsim sim --tls`` / ``up --tls``, or a TLS-terminating proxy in front (docs/tls.md).

Both stores are SQLite in WAL mode with per-thread connections, ``BEGIN IMMEDIATE``
writers and a 30 s busy timeout, so several gunicorn worker processes can share one
file: reads run in parallel, writes are serialised by SQLite. Everything the simulator's
workers must agree on is in its store (ledger, payment sessions, fault rules, the virtual
clock, which each request reads); the clock driver runs in one of them. See docs/load.md for the measured worker/thread counts.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

from debitorsim.serving import allowed_hosts

_ON = {"1", "on", "true", "yes"}


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in _ON


def _db(name: str, default: str) -> str:
    path = _env(name, default)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return path


def simulator() -> Any:
    """The simulators' WSGI app (Serviceplatformen + the four debtor systems, admin API).

    Every municipality's FBS callback goes to DEBITORSIM_CORE_URL (when set). The clock
    runs in real time: a load test is about wall-clock throughput.
    """
    from debitorsim.testbed import callback_overrides
    from simulators import SimConfig, create_app

    core_url = _env("DEBITORSIM_CORE_URL", "http://127.0.0.1:8080")
    tenants = callback_overrides(core_url) if core_url else {}
    config = SimConfig(
        database=Path(_db("DEBITORSIM_SIM_DB", ".debitorsim/simulator.db")),
        database_url=os.environ.get("DEBITORSIM_DATABASE_URL") or None,
        journal_enabled=_flag("DEBITORSIM_JOURNAL", True),
        clock_mode=_env("DEBITORSIM_CLOCK_MODE", "real"),
        tenants=tenants,
        core_url=core_url or None,
        # Stored once in the simulator's database by the first worker to start; the
        # others find them there (as they find rules POSTed to /admin/faults).
        faults=tuple(json.loads(_env("DEBITORSIM_FAULTS", "[]"))),
        work_slots=int(_env("DEBITORSIM_WORK_SLOTS", "1")) or None,
        allowed_hosts=allowed_hosts(),
        trust_proxy=_flag("DEBITORSIM_TRUST_PROXY", False),
    )
    app = create_app(config)  # with its behaviour over time (callbacks, payments, collection)
    _drive_clock_in_one_process(app, config.database_path)
    return app


def _drive_clock_in_one_process(app: Any, database: Path) -> None:
    """Run the scheduler's clock driver in exactly one gunicorn worker per database
    (`simulators.scheduler.drive_in_one_process`); the others share its clock via the store."""
    from simulators import simulator_of
    from simulators.scheduler import drive_in_one_process

    driver = drive_in_one_process(simulator_of(app).scheduler, database)
    if driver is not None:
        app.extensions["debitorsim.clock_driver"] = driver


def core() -> Any:
    """The integration core's WSGI app, with its outbox worker in a background thread."""
    from integration.config import CoreConfig
    from integration.core import Core
    from integration.web.app import create_app

    config = CoreConfig(
        db_path=_db("DEBITORSIM_CORE_DB", ".debitorsim/core.db"),
        database_url=os.environ.get("DEBITORSIM_DATABASE_URL") or None,
        sp_url=_env("DEBITORSIM_SIM_URL", "http://127.0.0.1:8081"),
        allowed_hosts=allowed_hosts(),
        trust_proxy=_flag("DEBITORSIM_TRUST_PROXY", False),
    )
    built = Core.build(config)
    if _flag("DEBITORSIM_OUTBOX_WORKER", True):
        # Each gunicorn worker runs one loop; the outbox leases rows, so loops never double-send.
        stop = threading.Event()
        threading.Thread(
            target=built.worker.serve, args=(stop, 0.2), name="outbox", daemon=True
        ).start()
    return create_app(config, core=built)


# --- gunicorn settings (read by `gunicorn -c python:debitorsim.wsgi`) -------------------
# Measured on the 2-core machine, see docs/load.md: GUNICORN_WORKERS / GUNICORN_THREADS
# override them. Threads also bound concurrent slow requests (injected latency holds one).


def _serving_simulator() -> bool:
    """True when this gunicorn serves `simulator()` (the app is the command's last word)."""
    return any(arg.strip().endswith(":simulator()") for arg in sys.argv[1:])


# gthread, with each request read in the event loop under a deadline before a thread gets it
# (debitorsim/gworker.py: slow or idle clients hold no thread; DEBITORSIM_REQUEST_TIMEOUT,
# DEBITORSIM_MAX_CLIENT_CONNECTIONS).
worker_class = "debitorsim.gworker.GuardedThreadWorker"
worker_connections = int(_env("GUNICORN_WORKER_CONNECTIONS", "4096"))
# The simulator: 2 processes use both cores for its CPU-bound SOAP work (its shared state
# is in the store); 128 threads each hold up to 256 calls delayed by injected latency,
# while DEBITORSIM_WORK_SLOTS bounds the ones working. The core: 1 × 16 (not re-measured).
_SIM = _serving_simulator()
workers = int(_env("GUNICORN_WORKERS", "2" if _SIM else "1"))
threads = int(_env("GUNICORN_THREADS", "128" if _SIM else "16"))
keepalive = 75
backlog = 2048
timeout = 120


def on_starting(server: Any) -> None:
    """Refuse gunicorn's own TLS with the guarded worker (see the module docstring)."""
    if server.cfg.is_ssl and server.cfg.worker_class_str == worker_class:
        raise RuntimeError(
            "gunicorn TLS (--certfile/--keyfile) is not supported with "
            f"{worker_class}: serve TLS with `debitorsim sim --tls` or a TLS-terminating "
            "proxy in front (docs/tls.md)"
        )


def when_ready(server: Any) -> None:
    """Set TCP_NODELAY on the listening sockets (accepted sockets inherit it on Linux).

    gunicorn writes headers and body separately; without NODELAY the second write waits
    for the client's delayed ACK and every answer takes ~40 ms.
    """
    import socket

    for listener in server.LISTENERS:
        sock = listener.sock
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
