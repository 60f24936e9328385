"""`debitorsim kommuner`: the municipalities the test bed knows, with their debtor systems."""

from __future__ import annotations

import argparse

from simulators.profiles import SYSTEMS

NAME = "kommuner"
HELP = "list the municipality codes (kommunekoder) with name and debtor system"
EXAMPLE = "debitorsim kommuner --system prisme2009"
HINT = "`debitorsim kommuner` lists the known codes"
"""What an error about an unknown kommunekode adds, everywhere in the CLI."""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""
    parser.add_argument(
        "--system",
        default=None,
        help=f"only the municipalities on this debtor system ({', '.join(SYSTEMS)})",
    )


def run(args: argparse.Namespace) -> int:
    """One line per municipality: code, name, debtor system (and whether that is public)."""
    from oeir import kommuner
    from simulators.tenants import shipped_assignments

    assignments = shipped_assignments()
    print(f"{'kode':<5} {'kommune':<22} debitorsystem")
    for kommune in kommuner.alle():
        a = assignments.get(kommune.kode)
        if a is None or (args.system and a.system != args.system):
            continue
        basis = "  (illustrativ tildeling)" if a.illustrative else ""
        print(f"{kommune.kode:<5} {kommune.navn:<22} {a.system}{basis}")
    return 0
