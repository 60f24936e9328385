"""`debitorsim core-worker`: run the outbox worker on its own."""

from __future__ import annotations

import argparse
import threading

from debitorsim.commands.core import add_core_options, build_config

NAME = "core-worker"
HELP = "run the outbox worker on its own"
EXAMPLE = "debitorsim core-worker --once"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""
    add_core_options(parser)
    parser.add_argument(
        "--poll", type=float, default=0.5, help="seconds to wait when nothing is due"
    )
    parser.add_argument(
        "--once", action="store_true", help="deliver what is due now, print counts and exit"
    )


def run(args: argparse.Namespace) -> int:
    """Deliver outbox messages until interrupted (several workers may share one database)."""
    from integration.core import Core

    config = build_config(args)
    core = Core.build(config)
    if args.once:
        r = core.worker.drain()
        print(f"sent {r.sent}, retried {r.retried}, parked {r.parked}")
        return 0
    where = "PostgreSQL" if config.database_url else config.db_path
    print(f"outbox worker on {where} → {config.sp_url} (Ctrl-C stops)", flush=True)
    stop = threading.Event()
    try:
        core.worker.serve(stop, args.poll)
    except KeyboardInterrupt:
        stop.set()
    return 0
