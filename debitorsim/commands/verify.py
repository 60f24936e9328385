"""`debitorsim verify`: assert how many journaled SOAP calls match, for a shell CI step.

Asks a running simulator (``POST /admin/requests/count``, or ``/find`` with ``--show``)
with the matchers given, prints the count and whether the expectation holds, and exits
0 when it does, 1 when it does not, 2 on an error (nothing answers, a bad matcher).
Without ``--count``/``--at-least``/``--at-most`` the expectation is "at least one".
"""

from __future__ import annotations

import argparse
from typing import Any

from debitorsim.commands.remote import (
    DEFAULT_SIM_URL,
    CommandError,
    add_token_option,
    call,
    token_of,
)

NAME = "verify"
HELP = "assert how many SOAP calls the simulator got that match (exit 0 yes, 1 no, 2 error)"
EXAMPLE = "debitorsim verify --operation OpretFordring --element FordringId=FBS-101-7 --count 1"

EXIT_MISMATCH = 1
EXIT_ERROR = 2


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""
    parser.add_argument("--sim-url", default=DEFAULT_SIM_URL, help="simulator base URL")
    add_token_option(parser)
    match = parser.add_argument_group("matchers (all ANDed; none = every journaled call)")
    match.add_argument("--service", help="e.g. DebitorRegistreringAfsend")
    match.add_argument("--operation", help="e.g. OpretFordring")
    match.add_argument("--kommune", metavar="KODE", help="municipality code, e.g. 101")
    match.add_argument("--verdict", choices=("ok", "fault", "injected"), help="the call's verdict")
    match.add_argument("--fejlkode", help="the fault code answered, e.g. FordringFindesIkke")
    match.add_argument(
        "--from",
        dest="since",
        metavar="TIME",
        help="calls at or after this virtual time (ISO 8601; no offset = Copenhagen time)",
    )
    match.add_argument(
        "--to", dest="until", metavar="TIME", help="calls before this virtual time (ISO 8601)"
    )
    match.add_argument(
        "--element",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an element of the request with this exact text (repeatable); CPR numbers are "
        "masked in the journal, so give a CPR as 010190-****",
    )
    match.add_argument(
        "--xpath",
        help="XPath 1.0 on the request envelope, true or non-empty (prefixes soap, o, sp/ic, ac)",
    )
    want = parser.add_mutually_exclusive_group()
    want.add_argument("--count", type=int, metavar="N", help="expect exactly N matching calls")
    want.add_argument("--at-least", type=int, metavar="N", help="expect N or more (default: 1)")
    want.add_argument("--at-most", type=int, metavar="N", help="expect N or fewer")
    parser.add_argument(
        "--show",
        action="store_true",
        help="list the matching calls too (newest first; a refused call with its near-miss)",
    )
    parser.add_argument(
        "--limit", type=int, default=20, help="with --show: at most this many calls listed"
    )


def matcher(args: argparse.Namespace) -> dict[str, Any]:
    """The JSON matcher of the command-line options (only those given)."""
    elements: dict[str, str] = {}
    for pair in args.element:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CommandError(
                f"--element {pair!r}: expected NAME=VALUE, e.g. FordringId=FBS-101-7", EXIT_ERROR
            )
        elements[name.strip()] = value
    found = {
        "service": args.service,
        "operation": args.operation,
        "kommunekode": args.kommune,
        "verdict": args.verdict,
        "fejlkode": args.fejlkode,
        "from": args.since,
        "to": args.until,
        "xpath": args.xpath,
        "elements": elements or None,
    }
    return {k: v for k, v in found.items() if v is not None}


def expectation(args: argparse.Namespace) -> tuple[str, Any]:
    """(words, test) of the expected count: exactly, at least or at most N."""
    if args.count is not None:
        return f"exactly {args.count}", lambda n: n == args.count
    if args.at_most is not None:
        return f"at most {args.at_most}", lambda n: n <= args.at_most
    least = 1 if args.at_least is None else args.at_least
    return f"at least {least}", lambda n: n >= least


def run(args: argparse.Namespace) -> int:
    """Count (or find) the matching calls and compare with the expectation."""
    body = matcher(args)
    words, holds = expectation(args)
    try:
        if args.show:
            answer = call(
                "POST",
                args.sim_url,
                "/admin/requests/find",
                option="--sim-url",
                token=token_of(args),
                body={**body, "limit": max(1, min(args.limit, 1000))},
            )
        else:
            answer = call(
                "POST",
                args.sim_url,
                "/admin/requests/count",
                option="--sim-url",
                token=token_of(args),
                body=body,
            )
    except CommandError as exc:
        raise CommandError(str(exc), EXIT_ERROR) from exc
    n = answer.get("count")
    if not isinstance(n, int):
        raise CommandError(f"{args.sim_url} answered without a count: {answer}", EXIT_ERROR)
    ok = holds(n)
    what = " ".join(f"{k}={v}" for k, v in body.items()) or "every call"
    print(f"{n} call{'' if n == 1 else 's'} match {what}; expected {words}: {'OK' if ok else 'NO'}")
    for row in answer.get("requests", []) if args.show else []:
        print(_row(row))
    return 0 if ok else EXIT_MISMATCH


def _row(row: dict[str, Any]) -> str:
    """One matching call on one line (and its near-miss on the next)."""
    parts = [
        f"#{row.get('id')}",
        str(row.get("tidspunkt")),
        f"{row.get('service')}/{row.get('operation') or '?'}",
        f"kommune {row.get('kommunekode') or '?'}",
        str(row.get("verdict")),
    ]
    if row.get("fejlkode"):
        parts.append(str(row["fejlkode"]))
    line = "  " + "  ".join(parts)
    near = row.get("near_miss")
    if isinstance(near, dict) and near.get("text"):
        line += f"\n      nearly: {near['text']}"
    return line
