"""The `debitorsim` command line: one subcommand per part of the test bed."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from debitorsim.commands import (
    certs,
    clock,
    core,
    core_worker,
    kommuner,
    load,
    reconcile,
    reset,
    scenarios,
    sim,
    snapshot,
    up,
    verify,
)
from debitorsim.commands.remote import CommandError
from debitorsim.datadir import UnusableDataDir

COMMANDS = (
    up,
    sim,
    core,
    core_worker,
    clock,
    reset,
    verify,
    snapshot,
    reconcile,
    kommuner,
    scenarios,
    load,
    certs,
)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the description's line breaks and shows every option's default.

    The default is added as ``(default: X)`` unless the help text already says what the
    default is, or there is none to show (unset, or a flag that is off).
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or "%(default)" in text:
            return text
        if action.default in (None, False, [], argparse.SUPPRESS, ""):
            return text
        if not action.option_strings and action.nargs not in ("?", "*"):
            return text
        return f"{text} (default: %(default)s)"


def _overview() -> str:
    """Each command once: what it does and an example."""
    lines = ["Commands (`debitorsim COMMAND --help` tells more):"]
    for c in COMMANDS:
        lines.append(f"  {c.NAME:<12} {c.HELP}")
        lines.append(f"  {'':<12}   e.g. {c.EXAMPLE}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="debitorsim",
        description="Test bed for the FBS debtor integration (ØiR / FK-ØKO, SF1590_B).",
        epilog=_overview(),
        formatter_class=HelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", help="one of the commands below")
    for command in COMMANDS:
        p = sub.add_parser(
            command.NAME,
            description=command.HELP,
            epilog=f"Example:\n  {command.EXAMPLE}",
            formatter_class=HelpFormatter,
        )
        command.configure(p)
        p.set_defaults(run=command.run)
    return parser


def _quiet_stdout() -> None:
    """After a closed pipe (`debitorsim ... | head -1`): send the rest of the output nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `debitorsim` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        code = args.run(args)
        sys.stdout.flush()
        return code
    except (CommandError, UnusableDataDir) as exc:
        print(f"debitorsim {args.command}: {exc}", file=sys.stderr)
        return getattr(exc, "code", 1)
    except BrokenPipeError:
        # The reader stopped reading; what it read is true, the rest is not wanted.
        _quiet_stdout()
        return 0


if __name__ == "__main__":
    sys.exit(main())
