"""The `debitorsim` command line: one subcommand per part of the test bed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from debitorsim.commands import (
    certs,
    clock,
    core,
    core_worker,
    load,
    reconcile,
    scenarios,
    sim,
    up,
)
from debitorsim.datadir import UnusableDataDir

COMMANDS = (up, sim, core, core_worker, clock, reconcile, scenarios, load, certs)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand of the plan."""
    plan = "\n".join(
        f"  {c.NAME:<12} {c.HELP}{'' if c.BUILT else '  [not built yet]'}" for c in COMMANDS
    )
    parser = argparse.ArgumentParser(
        prog="debitorsim",
        description="Test bed for the FBS debtor integration (ØiR / FK-ØKO, SF1590_B).",
        epilog=f"The plan:\n{plan}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        p = sub.add_parser(command.NAME, help=command.HELP, description=command.HELP)
        command.configure(p)
        p.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `debitorsim` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        return int(args.run(args))
    except UnusableDataDir as exc:
        print(f"debitorsim {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
