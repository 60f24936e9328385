"""`debitorsim reconcile`: reconcile FBS with the debtor system for one municipality.

By default the running integration core does it (``GET /harness/reconcile/<kode>`` on
``--core-url``): the same store, debtor system and virtual clock as the test bed the user
runs. With ``--data-dir`` (or ``--database-url``) the command reads a core's store itself,
the file `debitorsim up` keeps (``<data-dir>/core.sqlite3``); it never creates one. Then
the debtor system is asked at ``--sp-url`` and the time comes from the simulator's virtual
clock (``--clock-url``), as the core's own report does.

Exit code: 0 no differences, 1 differences found, 2 the reconciliation could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from debitorsim.commands.kommuner import HINT as KOMMUNER_HINT
from debitorsim.commands.remote import (
    DEFAULT_CORE_URL,
    DEFAULT_SIM_URL,
    CommandError,
    add_token_option,
    call,
    not_running,
    token_of,
)

NAME = "reconcile"
HELP = "reconcile FBS with the debtor system for one municipality (asks the running core)"
EXAMPLE = "debitorsim reconcile --kommune 101 --format html --out afstemning.html"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""
    parser.add_argument("--kommune", required=True, help="three-digit municipality code, e.g. 101")
    parser.add_argument(
        "--core-url", default=DEFAULT_CORE_URL, help="the running integration core to ask"
    )
    add_token_option(parser)
    parser.add_argument("--format", choices=("json", "html"), default="json", help="report format")
    parser.add_argument("--out", default=None, help="write the report to this file, not stdout")
    parser.add_argument(
        "--page-size", type=int, default=100, help="debtor accounts per SoegDebitorkonti page"
    )
    direct = parser.add_argument_group(
        "reading a store directly (instead of asking the running core)"
    )
    direct.add_argument(
        "--data-dir",
        default=None,
        help="read the core's SQLite file in this directory (core.sqlite3, as `debitorsim up` "
        "keeps it, e.g. .debitorsim); default: ask --core-url",
    )
    direct.add_argument(
        "--database-url",
        default=None,
        help="read the core's PostgreSQL store at this postgresql:// URL; default: ask --core-url",
    )
    direct.add_argument(
        "--sp-url",
        default=DEFAULT_SIM_URL,
        help="Serviceplatformen base URL of the debtor system (with --data-dir/--database-url)",
    )
    direct.add_argument(
        "--clock-url",
        default=None,
        help="virtual clock to date the report by (default: <sp-url>/admin/clock; "
        "'system' for the wall clock)",
    )


def run(args: argparse.Namespace) -> int:
    """Print (or write) the report and a one-line summary; exit 1 on differences, 2 on errors."""
    try:
        return _run(args)
    except CommandError as exc:
        exc.code = 2  # 1 means "differences found"
        raise


def _run(args: argparse.Namespace) -> int:
    from oeir import kommuner

    if args.kommune not in kommuner.by_kode():
        raise CommandError(f"unknown kommunekode {args.kommune!r}; {KOMMUNER_HINT}")
    if args.data_dir or args.database_url:
        report, text = _direct(args)
    else:
        report, text = _ask_core(args)
    name = kommuner.by_kode()[args.kommune].navn
    differences = len(report["differences"])
    summary = (
        f"{args.kommune} {name}: {report['fbsClaims']} fordring(er) i FBS, "
        f"{report['debtorClaims']} i debitorsystemet, {report['matched']} stemmer, "
        f"{differences} forskel(le) (generatedAt {report['generatedAt']})"
    )
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(summary)
        print(f"report: {Path(args.out).resolve()}")
    else:
        print(text)
        print(summary, file=sys.stderr)
    return 1 if differences else 0


def _ask_core(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """The running core's report as JSON, and the text to show (JSON or its HTML page)."""
    print(
        f"asking the core at {args.core_url} to reconcile {args.kommune} "
        "(it reads every page of the debtor system)...",
        file=sys.stderr,
        flush=True,
    )
    params = {"pageSize": args.page_size}
    path = f"/harness/reconcile/{args.kommune}"
    token = token_of(args)
    report = call(
        "GET", args.core_url, path, option="--core-url", token=token, params=params, timeout=600
    )
    if args.format == "json":
        return report, json.dumps(report, ensure_ascii=False, indent=2)
    return report, _html(args, path + ".html", params, token)


def _html(args: argparse.Namespace, path: str, params: dict[str, Any], token: str | None) -> str:
    import requests

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        r = requests.get(
            args.core_url.rstrip("/") + path, params=params, headers=headers, timeout=600
        )
    except requests.ConnectionError as exc:
        raise CommandError(not_running(args.core_url, "--core-url")) from exc
    if r.status_code != 200:
        raise CommandError(f"HTTP {r.status_code} from the core's HTML report")
    return r.text


def _direct(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """Reconcile from a store read here; the debtor system and clock are asked over HTTP."""
    from integration.client import BusinessFault, TechnicalFault
    from integration.clock import RemoteClock, SystemClock
    from integration.config import CoreConfig
    from integration.core import Core
    from integration.reconcile import reconcile, render_html
    from integration.settings import DB_FILE

    extra: dict[str, Any] = {"sp_url": args.sp_url}
    if args.database_url:
        extra["database_url"] = args.database_url
    else:
        db = Path(args.data_dir) / DB_FILE
        if not db.is_file():
            raise CommandError(
                f"no core database at {db}: give the --data-dir `debitorsim up` was started "
                "with (default .debitorsim), or leave --data-dir out to ask the running core"
            )
        extra["db_path"] = str(db)
    clock_url = args.clock_url or f"{args.sp_url.rstrip('/')}/admin/clock"
    clock: Any = SystemClock() if clock_url == "system" else RemoteClock(clock_url)
    try:
        now = clock.now()
    except Exception as exc:
        raise CommandError(
            f"cannot read the virtual clock at {clock_url} ({type(exc).__name__}); "
            f"{not_running(args.sp_url, '--sp-url')}, or give --clock-url system"
        ) from exc
    core = Core.build(CoreConfig(clock=clock, **extra))
    progress = Progress()
    try:
        result = reconcile(
            core.store, core.client, args.kommune, now, args.page_size, progress=progress
        )
    except (BusinessFault, TechnicalFault) as exc:
        raise CommandError(f"the debtor system could not be read: {exc}") from exc
    finally:
        progress.end()
        core.close()
    report = result.as_json()
    if args.format == "html":
        return report, render_html(result)
    return report, json.dumps(report, ensure_ascii=False, indent=2)


class Progress:
    """Pages read so far, on stderr: one updating line on a terminal, every 10th page else."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
        self.shown = False

    def __call__(self, pages: int, claims: int) -> None:
        """After each page of the debtor system."""
        line = f"  read {pages} page(s) of the debtor system, {claims} fordring(er)"
        if self.tty:
            print("\r" + line, end="", file=sys.stderr, flush=True)
            self.shown = True
        elif pages % 10 == 0:
            print(line, file=sys.stderr, flush=True)

    def end(self) -> None:
        """End the updating line."""
        if self.shown:
            print(file=sys.stderr)
