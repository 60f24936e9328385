"""`debitorsim clock`: show or move the virtual clock of a running simulator (over its admin API)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

NAME = "clock"
HELP = "show or move the virtual clock"
BUILT = True


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""
    parser.add_argument(
        "action",
        choices=("show", "advance", "set", "mode"),
        help="show | advance P1D | set 2026-03-02T09:00 | mode frozen|real|accelerated",
    )
    parser.add_argument("value", nargs="?", help="ISO 8601 duration, datetime, or mode")
    parser.add_argument("--factor", type=float, default=None, help="speed for mode accelerated")
    parser.add_argument("--sim-url", default="http://127.0.0.1:8081", help="simulator base URL")
    parser.add_argument(
        "--token",
        default=os.environ.get("DEBITORSIM_ADMIN_TOKEN"),
        help="admin Bearer token (or $DEBITORSIM_ADMIN_TOKEN)",
    )
    parser.add_argument("--json", action="store_true", help="print the raw JSON answer")


def _body(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.action == "show":
        return None
    if not args.value:
        raise SystemExit(f"debitorsim clock {args.action}: a value is required")
    if args.action == "mode":
        return {"mode": args.value, **({"factor": args.factor} if args.factor else {})}
    return {args.action: args.value}


def run(args: argparse.Namespace) -> int:
    """Call GET or POST /admin/clock and print the clock (and the jobs that ran)."""
    import requests

    url = args.sim_url.rstrip("/") + "/admin/clock"
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    body = _body(args)
    try:
        if body is None:
            r = requests.get(url, headers=headers, timeout=60)
        else:
            r = requests.post(url, json=body, headers=headers, timeout=600)
    except requests.RequestException as exc:
        print(f"debitorsim clock: cannot reach {url}: {exc}", file=sys.stderr)
        return 1
    try:
        data = r.json()
    except ValueError:
        print(f"debitorsim clock: HTTP {r.status_code} from {url}", file=sys.stderr)
        return 1
    if r.status_code != 200:
        print(f"debitorsim clock: {data.get('error', r.status_code)}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(f"now   {data['now']}  ({data['mode']}, pending jobs: {data['pending_jobs']})")
    runs = data.get("jobs_run", [])
    if runs:
        failed = sum(1 for j in runs if j["status"] != "done")
        print(f"ran   {len(runs)} job(s), {failed} failed")
        for j in runs:
            print(f"      {j['due']}  {j['name']:<24} {j['status']}")
    return 0
