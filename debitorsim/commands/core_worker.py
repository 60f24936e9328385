"""`debitorsim core-worker`: run the outbox worker on its own."""

from __future__ import annotations

import argparse
import sys

NAME = "core-worker"
HELP = "run the outbox worker on its own"
BUILT = False


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""


def run(args: argparse.Namespace) -> int:
    """Not built yet: say so and fail."""
    print(f"debitorsim {NAME}: not built yet (see the open issues).", file=sys.stderr)
    return 2
