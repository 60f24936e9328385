"""`debitorsim sim`: serve the four debtor-system simulators behind a simulated Serviceplatformen."""

from __future__ import annotations

import argparse
import sys

NAME = "sim"
HELP = "serve the four debtor-system simulators behind a simulated Serviceplatformen"
BUILT = False


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""


def run(args: argparse.Namespace) -> int:
    """Not built yet: say so and fail."""
    print(f"debitorsim {NAME}: not built yet (see the open issues).", file=sys.stderr)
    return 2
