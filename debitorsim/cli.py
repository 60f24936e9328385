"""The `debitorsim` command line: one subcommand per part of the test bed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

Handler = Callable[[argparse.Namespace], int]

_PLAN = """\
Plan of the test bed (subcommands marked * are not built yet):
  up            simulators + integration core + worker on one virtual clock
  sim           the four debtor-system simulators behind a simulated Serviceplatformen
  core          the FBS side: fee API, outbox, callback receiver, reconciliation
  core-worker   the outbox worker on its own
  clock         show or move the test bed's virtual clock
  reconcile     compare FBS with the debtor system for one municipality
  scenarios     run the KLIK go-live scenarios and write the readiness report
  load          Locust load profiles (smoke, national, stress)
"""


def _not_built(name: str) -> Handler:
    def handler(args: argparse.Namespace) -> int:
        print(f"debitorsim {name}: not built yet (see the open issues).", file=sys.stderr)
        return 2

    return handler


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand of the plan."""
    parser = argparse.ArgumentParser(
        prog="debitorsim",
        description="Test bed for the FBS debtor integration (ØiR / FK-ØKO, SF1590_B).",
        epilog=_PLAN,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in [
        ("up", "start the whole test bed"),
        ("sim", "serve the debtor-system simulators"),
        ("core", "serve the integration core"),
        ("core-worker", "run the outbox worker"),
        ("clock", "show or move the virtual clock"),
        ("reconcile", "reconcile FBS with the debtor system"),
        ("scenarios", "run the go-live scenarios"),
        ("load", "run a Locust load profile"),
    ]:
        p = sub.add_parser(name, help=help_text)
        p.set_defaults(handler=_not_built(name))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `debitorsim` console script."""
    parser = build_parser()
    args, _unknown = parser.parse_known_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
