"""`debitorsim sim`: serve the four debtor-system simulators behind a simulated Serviceplatformen."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from debitorsim.commands.remote import serve_or_explain
from debitorsim.serving import add_allowed_host_option, add_tls_options

NAME = "sim"
HELP = "serve the four debtor-system simulators behind a simulated Serviceplatformen"
EXAMPLE = "debitorsim sim --port 8081 --clock frozen"
DEFAULT_PORT = 8081


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default loopback)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    add_allowed_host_option(parser)
    add_tls_options(parser)
    parser.add_argument("--data-dir", default=".debitorsim", help="directory of the SQLite file")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DEBITORSIM_DATABASE_URL") or None,
        help="postgresql://... selects PostgreSQL (default: $DEBITORSIM_DATABASE_URL, else SQLite)",
    )
    parser.add_argument(
        "--admin-token",
        default=None,
        help="Bearer token for /admin (generated and printed when binding beyond loopback)",
    )
    parser.add_argument(
        "--clock",
        choices=("frozen", "real", "accelerated"),
        default=None,
        help="clock mode for a fresh data dir (default frozen); a saved clock keeps its own",
    )
    parser.add_argument("--factor", type=float, default=60.0, help="speed in accelerated mode")
    parser.add_argument(
        "--start", default=None, help="virtual start time (ISO) for a fresh data dir"
    )
    parser.add_argument("--tenants", default=None, help='TOML: ["101"] system = "opus" ...')
    parser.add_argument(
        "--journal-max-rows", type=int, default=10_000, help="request journal rows kept (oldest go)"
    )
    parser.add_argument("--no-journal", action="store_true", help="switch the request journal off")
    parser.add_argument(
        "--faults", default=None, help="TOML with [[fault]] tables: fault rules active at start"
    )


def load_tenants(path: str | None) -> dict[str, dict[str, Any]]:
    """Per-municipality overrides from a TOML file: one table per kommunekode."""
    if not path:
        return {}
    with Path(path).open("rb") as fh:
        data = tomllib.load(fh)
    return {str(k): dict(v) for k, v in data.items()}


def load_faults(path: str | None) -> tuple[dict[str, Any], ...]:
    """Fault-injection rules from a TOML file: an array of ``[[fault]]`` tables (docs/faults.md)."""
    if not path:
        return ()
    with Path(path).open("rb") as fh:
        data = tomllib.load(fh)
    return tuple(dict(rule) for rule in data.get("fault", []))


def urls(base: str) -> list[str]:
    """The lines that tell a user where everything is."""
    from oeir import wsdl
    from simulators.web.sp import SERVED

    lines = [f"simulated Serviceplatformen on {base}"]
    for service in SERVED:
        lines.append(f"  {service.name:<26} {base}{service.path}   (WSDL: ?wsdl)")
    lines.append(f"  schemas                    {base}{wsdl.SCHEMA_PATH}/oeir.xsd")
    lines.append(f"  admin API                  {base}/admin/")
    lines.append(f"  OpenAPI                    {base}/admin/openapi.json")
    return lines


def _where(config: Any) -> str:
    """The database for the banner (a PostgreSQL URL without its password)."""
    if not config.database_url:
        return str(config.database_path)
    from urllib.parse import urlsplit

    url = urlsplit(config.database_url)
    return url._replace(netloc=url.netloc.rpartition("@")[2]).geturl()


def kept_from_last_run(sim: Any, core: Any = None) -> str:
    """The banner line saying what a start found from an earlier run (or that it is fresh).

    Counts the simulator's claims and accounts, the fault rules added through the admin
    API, and (for `up`) the core's fees; rules from ``--faults`` are this start's own.
    """
    from simulators.faults.injector import API

    stats = sim.stats()
    with sim.store.read() as tx:
        rules = sum(1 for row in tx.fault_rules() if row.source == API)
    parts = []
    if stats["claims"] or stats["accounts"]:
        parts.append(f"{stats['claims']} claim(s) on {stats['accounts']} account(s)")
    if core is not None:
        with core.store.read() as repo:
            fees = repo.row_counts()["fees"]
        if fees:
            parts.append(f"{fees} FBS fee(s) in the core")
    if rules:
        parts.append(f"{rules} fault rule(s) still active (GET /admin/faults)")
    if not parts:
        return "fresh: nothing kept from an earlier run"
    return "KEPT from the last run: " + ", ".join(parts) + "; `debitorsim reset` starts fresh"


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted (Ctrl-C or SIGTERM); the store is closed cleanly."""
    from debitorsim.datadir import require_writable
    from debitorsim.serving import allowed_hosts, tls_dir
    from oeir.same_origin import LOOPBACK_NAMES
    from simulators import SimConfig, create_app, simulator_of
    from simulators.scheduler import drive_in_one_process

    token = args.admin_token
    generated = False
    if args.host not in LOOPBACK_NAMES and not token:
        token, generated = secrets.token_urlsafe(24), True
    config = SimConfig(
        data_dir=Path(args.data_dir),
        database_url=args.database_url,
        clock_mode=args.clock or "frozen",
        clock_factor=args.factor,
        clock_start=datetime.fromisoformat(args.start) if args.start else None,
        journal_enabled=not args.no_journal,
        journal_max_rows=args.journal_max_rows,
        admin_token=token,
        bind_host=args.host,
        allowed_hosts=allowed_hosts(args.allowed_host),
        tenants=load_tenants(args.tenants),
        faults=load_faults(args.faults),
        tls=tls_dir(args.tls),
        trust_proxy=args.trust_proxy,
    )
    # the data dir holds the SQLite file, and with PostgreSQL still the clock driver's lock
    require_writable(
        config.database_path.parent, [] if config.database_url else [config.database_path.name]
    )
    app = create_app(config)
    sim = simulator_of(app)
    if args.clock and sim.clock.mode != args.clock:
        sim.set_mode(args.clock, args.factor)
    tls = config.tls.server_context() if config.tls else None
    server = serve_or_explain(args.host, args.port, app, tls, sim.close)
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    base = f"{'https' if tls else 'http'}://{host}:{server.server_port}"
    print(f"listening on {base}", flush=True)
    for line in urls(base):
        print(line)
    print(f"  database                   {_where(config)}")
    print(f"  clock                      {sim.clock.now().isoformat()} ({sim.clock.mode})")
    print(f"  state                      {kept_from_last_run(sim)}")
    if generated:
        print(f"  admin token                {token}")
    if config.tls:
        print(f"  TLS                        client certificates from {config.tls.path}")
    # One driver per database: a second simulator on the data dir shares the clock (it is
    # in the store) and leaves the jobs to the first.
    driver = drive_in_one_process(sim.scheduler, config.database_path)
    where = "this process" if driver else "another process on this database (it runs the jobs)"
    print(f"  clock driver               {where}")
    sys.stdout.flush()

    def _stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if driver is not None:
            driver.stop()
        server.server_close()
        sim.close()
    return 0
