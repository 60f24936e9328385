"""`debitorsim reconcile`: reconcile FBS with the debtor system for one municipality."""

from __future__ import annotations

import argparse
import sys

NAME = "reconcile"
HELP = "reconcile FBS with the debtor system for one municipality"
BUILT = False


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""


def run(args: argparse.Namespace) -> int:
    """Not built yet: say so and fail."""
    print(f"debitorsim {NAME}: not built yet (see the open issues).", file=sys.stderr)
    return 2
