"""`debitorsim clock`: show or move the virtual clock."""

from __future__ import annotations

import argparse
import sys

NAME = "clock"
HELP = "show or move the virtual clock"
BUILT = False


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""


def run(args: argparse.Namespace) -> int:
    """Not built yet: say so and fail."""
    print(f"debitorsim {NAME}: not built yet (see the open issues).", file=sys.stderr)
    return 2
