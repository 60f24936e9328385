"""`debitorsim snapshot`: save a running simulator's whole state to a file, or load one.

``save FILE`` asks ``GET /admin/snapshot`` and writes the document (readable by its owner
only: it holds CPR numbers, as the database does); ``load FILE`` sends it back with
``PUT /admin/snapshot``, which replaces the state atomically. The request journal is
not part of a snapshot (``--clear-journal`` empties it on load); payment-page sessions
are dropped on load. See docs/snapshots.md.

A file that is not a snapshot, of another format or of a newer version is refused in
one line with exit code 2 (format and version checked here first, the rest by the
simulator).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from debitorsim.commands.remote import (
    DEFAULT_SIM_URL,
    CommandError,
    add_token_option,
    call,
    token_of,
)

NAME = "snapshot"
HELP = "save a running simulator's whole state to a file, or load one (a known start per test)"
EXAMPLE = "debitorsim snapshot save national.json && debitorsim snapshot load national.json"

REFUSED = 2
"""Exit code for a file that is no loadable snapshot."""

SHOWN = ("accounts", "claims", "events", "jobs", "fault_rules")
"""The row counts the summary line names."""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""
    parser.add_argument(
        "action", choices=("save", "load"), help="save: simulator -> FILE; load: FILE -> simulator"
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the snapshot file (JSON)")
    parser.add_argument("--sim-url", default=DEFAULT_SIM_URL, help="simulator base URL")
    add_token_option(parser)
    parser.add_argument(
        "--clear-journal",
        action="store_true",
        help="load: also empty the request journal (by default it is kept)",
    )
    parser.add_argument(
        "--pretty",
        action="store_true",
        help="save: one table row per line, for a file kept in version control",
    )


def run(args: argparse.Namespace) -> int:
    """Save or load; print one summary line."""
    if args.action == "save":
        return _save(args)
    return _load(args)


def _save(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    document = call(
        "GET", args.sim_url, "/admin/snapshot", option="--sim-url", token=token_of(args)
    )
    text = _pretty(document) if args.pretty else json.dumps(document, ensure_ascii=False)
    _write_private(args.file, text)
    took = time.perf_counter() - started
    print(f"saved {args.file} from {args.sim_url}: {_summary(document)} ({took:.2f} s)")
    return 0


def _load(args: argparse.Namespace) -> int:
    from simulators.snapshot import SnapshotError, check_format

    try:
        document = json.loads(args.file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc.strerror or exc}", REFUSED) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"{args.file} is not a snapshot (not JSON: {exc})", REFUSED) from None
    try:
        check_format(document)  # the simulator checks the rest (a refusal: exit 2 too)
    except SnapshotError as exc:
        raise CommandError(f"{args.file}: {exc}", REFUSED) from None
    started = time.perf_counter()
    try:
        answer = call(
            "PUT",
            args.sim_url,
            "/admin/snapshot",
            option="--sim-url",
            token=token_of(args),
            body=document,
            params={"clear_journal": "true"} if args.clear_journal else None,
            timeout=600.0,
        )
    except CommandError as exc:
        if exc.status == 400:
            raise CommandError(f"{args.file}: {exc}", REFUSED) from None
        raise
    took = time.perf_counter() - started
    rows = answer.get("rows", {})
    clock = answer.get("clock", {})
    journal = "journal emptied" if args.clear_journal else "journal kept"
    print(
        f"loaded {args.file} into {args.sim_url}: {_counts(rows)}; clock {clock.get('now')} "
        f"({clock.get('mode')}); {journal}; payment sessions dropped ({took:.2f} s)"
    )
    return 0


def _summary(document: dict[str, Any]) -> str:
    tables = document.get("tables", {})
    rows = {name: len(part.get("rows", [])) for name, part in tables.items()}
    clock = document.get("clock", {})
    return f"{_counts(rows)}; clock {clock.get('now')} ({clock.get('mode')})"


def _counts(rows: dict[str, Any]) -> str:
    return ", ".join(f"{rows.get(name, 0)} {name.replace('_', ' ')}" for name in SHOWN)


def _pretty(document: dict[str, Any]) -> str:
    """The document with each table row on a line of its own (small diffs between saves)."""
    head = {k: v for k, v in document.items() if k != "tables"}
    lines = [json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "tables": {']
    tables = list(document.get("tables", {}).items())
    for t, (name, part) in enumerate(tables):
        lines.append(f"  {json.dumps(name)}: {{")
        lines.append(f'   "columns": {json.dumps(part["columns"], ensure_ascii=False)},')
        rows = [json.dumps(row, ensure_ascii=False) for row in part["rows"]]
        if rows:
            lines.append('   "rows": [')
            lines.append(",\n".join(f"    {row}" for row in rows))
            lines.append("   ]")
        else:
            lines.append('   "rows": []')
        lines.append("  }" + ("," if t < len(tables) - 1 else ""))
    lines.append(" }\n}\n")
    return "\n".join(lines)


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only, replacing it in one step."""
    path = path.expanduser()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent.resolve())
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
