"""`debitorsim reconcile`: reconcile FBS with the debtor system for one municipality."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from debitorsim.commands.core import add_core_options, build_config

NAME = "reconcile"
HELP = "reconcile FBS with the debtor system for one municipality"
BUILT = True


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""
    parser.add_argument("--kommune", required=True, help="three-digit municipality code, e.g. 101")
    add_core_options(parser)
    parser.add_argument("--format", choices=("json", "html"), default="json")
    parser.add_argument("--out", default=None, help="write the report here instead of stdout")
    parser.add_argument("--page-size", type=int, default=100)


def run(args: argparse.Namespace) -> int:
    """Print (or write) the report; exit 1 when differences were found, 2 on errors."""
    from integration.client import BusinessFault, TechnicalFault
    from integration.core import Core
    from integration.reconcile import reconcile, render_html

    config = build_config(args)
    core = Core.build(config)
    try:
        report = reconcile(
            core.store, core.client, args.kommune, config.clock.now(), args.page_size
        )
    except (BusinessFault, TechnicalFault) as exc:
        print(f"debitorsim reconcile: the debtor system could not be read: {exc}", file=sys.stderr)
        return 2
    text = (
        render_html(report)
        if args.format == "html"
        else json.dumps(report.as_json(), ensure_ascii=False, indent=2)
    )
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"{len(report.differences)} difference(s); report in {args.out}")
    else:
        print(text)
    return 1 if report.differences else 0
