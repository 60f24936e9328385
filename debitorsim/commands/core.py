"""`debitorsim core`: serve the integration core (FBS fee API, callback receiver)."""

from __future__ import annotations

import argparse
import sys

NAME = "core"
HELP = "serve the integration core (FBS fee API, callback receiver)"
BUILT = False


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""


def run(args: argparse.Namespace) -> int:
    """Not built yet: say so and fail."""
    print(f"debitorsim {NAME}: not built yet (see the open issues).", file=sys.stderr)
    return 2
