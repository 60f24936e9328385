"""`debitorsim clock`: show or move the virtual clock of a running simulator (over its admin API).

Moving the clock runs every job that falls due on the way; the command prints a summary
(jobs run per kind, callback deliveries, failures, the new time), `--verbose` every job.
Setting the clock to an earlier time is allowed (jobs do not run backwards) and warns.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import datetime
from typing import Any

from debitorsim.commands.remote import (
    DEFAULT_SIM_URL,
    CommandError,
    add_token_option,
    call,
    token_of,
)

NAME = "clock"
HELP = "show or move the virtual clock"
EXAMPLE = "debitorsim clock advance P1D"

CALLBACK_JOB = "callbacks.deliver"
"""The job that sends a municipality's DaekningAfskrivningRegistreringAfsend batch."""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""
    parser.add_argument(
        "action",
        choices=("show", "advance", "set", "mode"),
        help="show | advance P1D | set 2026-03-02T09:00 | mode frozen|real|accelerated",
    )
    parser.add_argument(
        "value", nargs="?", help="ISO 8601 duration (advance), datetime (set) or mode (mode)"
    )
    parser.add_argument(
        "--factor", type=float, default=None, help="speed for mode accelerated (default: 60)"
    )
    parser.add_argument("--sim-url", default=DEFAULT_SIM_URL, help="simulator base URL")
    add_token_option(parser)
    parser.add_argument("--json", action="store_true", help="print the raw JSON answer")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list every job that ran, not a summary"
    )


def _body(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.action == "show":
        return None
    if not args.value:
        raise CommandError(f"`clock {args.action}` needs a value, e.g. {_example(args.action)}")
    if args.action == "mode":
        return {"mode": args.value, **({"factor": args.factor} if args.factor else {})}
    return {args.action: args.value}


def _example(action: str) -> str:
    return {
        "advance": "`debitorsim clock advance P1D`",
        "set": "`debitorsim clock set 2026-03-02T09:00`",
    }.get(action, "`debitorsim clock mode frozen`")


def run(args: argparse.Namespace) -> int:
    """Call GET or POST /admin/clock and print the clock and a summary of the jobs that ran."""
    token = token_of(args)
    body = _body(args)
    before = None
    if args.action == "set":
        before = call("GET", args.sim_url, "/admin/clock", option="--sim-url", token=token)
    if body is None:
        data = call("GET", args.sim_url, "/admin/clock", option="--sim-url", token=token)
    else:
        data = call(
            "POST",
            args.sim_url,
            "/admin/clock",
            option="--sim-url",
            token=token,
            body=body,
            timeout=600,
        )
    if before is not None and _earlier(data["now"], before["now"]):
        print(
            f"warning: the clock went BACK from {before['now']} to {data['now']}; jobs do not "
            "run backwards, and what already happened stays (`debitorsim reset` starts fresh)",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    runs = data.get("jobs_run", [])
    for line in summary(runs, verbose=args.verbose):
        print(line)
    print(f"now   {data['now']}  ({data['mode']}, pending jobs: {data['pending_jobs']})")
    return 0


def _earlier(after: str, before: str) -> bool:
    return datetime.fromisoformat(after) < datetime.fromisoformat(before)


def summary(runs: list[dict[str, Any]], *, verbose: bool = False) -> list[str]:
    """Lines about the jobs a clock move ran: counts per kind, callbacks, failures."""
    if not runs:
        return []
    lines = []
    failed = [j for j in runs if j["status"] != "done"]
    lines.append(f"ran   {len(runs)} job(s), {len(failed)} failed")
    per_kind = Counter(j["name"] for j in runs)
    for name, n in sorted(per_kind.items()):
        bad = sum(1 for j in failed if j["name"] == name)
        lines.append(f"      {name:<24} {n:>6}" + (f"  ({bad} failed)" if bad else ""))
    sent = sum(1 for j in runs if j["name"] == CALLBACK_JOB and j["status"] == "done")
    lines.append(f"      callback deliveries run: {sent}")
    if verbose:
        for j in runs:
            lines.append(f"      {j['due']}  {j['name']:<24} {j['status']}")
    else:
        for j in failed[:5]:
            lines.append(f"      failed: {j['due']}  {j['name']}: {j.get('error') or j['status']}")
        if len(failed) > 5:
            lines.append(f"      ... {len(failed) - 5} more failed (--verbose lists every job)")
    return lines
