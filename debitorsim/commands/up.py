"""`debitorsim up`: start the whole test bed: simulators, core, worker, one clock."""

from __future__ import annotations

import argparse
import errno
import signal
import threading
from datetime import datetime
from pathlib import Path

NAME = "up"
HELP = "start the whole test bed: simulators, core, worker, one clock"
EXAMPLE = "debitorsim up --sim-port 8081 --core-port 8080"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""
    parser.add_argument("--sim-port", type=int, default=8081, help="simulator port (0 = free)")
    parser.add_argument("--core-port", type=int, default=8080, help="core port (0 = free)")
    parser.add_argument("--data-dir", default=".debitorsim", help="directory of the SQLite files")
    parser.add_argument(
        "--clock",
        choices=("frozen", "real", "accelerated"),
        default="frozen",
        help="clock mode for a fresh data dir (default frozen: move it with `debitorsim clock`)",
    )
    parser.add_argument("--factor", type=float, default=60.0, help="speed in accelerated mode")
    parser.add_argument("--start", default=None, help="virtual start time (ISO), fresh data dir")
    parser.add_argument("--tenants", default=None, help='TOML: ["101"] system = "opus" ...')
    from debitorsim.serving import add_tls_options

    add_tls_options(parser, serving=False)


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C or SIGTERM, then stop the worker and servers and close the stores."""
    from debitorsim.commands.remote import CommandError, port_in_use
    from debitorsim.commands.sim import kept_from_last_run, load_tenants
    from debitorsim.datadir import require_writable
    from debitorsim.serving import tls_dir
    from debitorsim.testbed import CORE_DB, SIM_DB, Testbed, TestbedConfig

    require_writable(args.data_dir, [SIM_DB, CORE_DB])

    config = TestbedConfig(
        data_dir=Path(args.data_dir),
        sim_port=args.sim_port,
        core_port=args.core_port,
        clock_mode=args.clock,
        clock_factor=args.factor,
        clock_start=datetime.fromisoformat(args.start) if args.start else None,
        tenants=load_tenants(args.tenants),
        tls=tls_dir(args.tls),
    )
    stopping = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    bed = Testbed(config)
    try:
        bed.start()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        failed = (
            ("--sim-port", args.sim_port)
            if bed.sim_server is None
            else ("--core-port", args.core_port)
        )
        bed.stop_servers()
        raise CommandError(port_in_use(config.host, failed[1], failed[0])) from exc
    state = kept_from_last_run(bed.sim, bed.core) if bed.sim is not None else None
    try:
        bed.run_in_background()
        print(f"debitorsim test bed is up (data in {Path(args.data_dir).resolve()})")
        for what, url in bed.urls():
            print(f"  {what:<36} {url}")
        print(f"  {'virtual clock now':<36} {bed.clock.now().isoformat()} ({bed.clock.mode})")
        if state:
            print(f"  {'state':<36} {state}")
        if config.tls:
            print(f"  {'TLS: certificates (docs/tls.md)':<36} {config.tls.path.resolve()}")
        print("Ctrl-C or SIGTERM stops it.", flush=True)
        while not stopping.wait(3600):
            pass
    finally:
        bed.stop()
    print("debitorsim test bed stopped", flush=True)
    return 0
