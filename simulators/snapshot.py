"""Snapshots: the whole simulator state as one JSON document, saved and loaded in one go.

`save(sim)` reads the state in one read transaction; `load(sim, document)` replaces it in
one write transaction of the store (SQLite or PostgreSQL), so a load that fails for any
reason leaves the old state exactly as it was. A vendor's test suite thus starts each test
from a known national state (``debitorsim snapshot save/load``, ``GET/PUT /admin/snapshot``).

What a snapshot holds: the ledger (accounts, claims, events, idempotency records), the
scheduler's jobs, the callback pipeline's cursors, batches and attempts, timeline marks,
the municipalities' persisted overrides, the fault rules with their counts, the recorded
call ids (`simulators.replay`) and the virtual clock (time, mode, factor).

What it does not hold: the request journal (it records what was called; a load leaves it
as it is), and payment-page sessions (dropped on load: a citizen logs in again). The
store's instance id is renewed on every load, so events written after a load get event
ids no earlier run has seen (the core de-duplicates callbacks by event id).

Rows are stored table by table with their column names, so a snapshot of an older
version of the same format still loads when a column was added since (it gets its
default). A document of another format or a newer version is refused with a
`SnapshotError` (HTTP 400, CLI exit 2). A snapshot holds CPR numbers unmasked, as the
database does: keep it like the database.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from simulators.clock import ClockMode
from simulators.engine import CLOCK_KEY, Simulator
from simulators.faults.rules import FaultRuleError, parse_rule
from simulators.profiles import ProfileError
from simulators.store.base import Tx
from simulators.store.time import TimeRepo

FORMAT = "debitorsim-snapshot"
VERSION = 1
"""The snapshot format this simulator writes and the newest version it reads."""

INSTANCE_KEY = "instance_id"


class SnapshotError(ValueError):
    """A document that cannot be loaded; the message says what is wrong (nothing changed)."""


@dataclass(frozen=True, slots=True)
class Table:
    """A table a snapshot holds: its key columns (row order), its generated id column, and
    the columns it does not hold because the store counts them from other rows (counted
    again on load)."""

    name: str
    key: tuple[str, ...]
    generated: str | None = None
    derived: tuple[str, ...] = ()


TABLES: tuple[Table, ...] = (
    # Ledger (simulators.store): accounts before claims (claims.konto references them).
    # accounts.owed is its claims' balances summed (simulators.store.ledger).
    Table("accounts", ("nummer",), derived=("owed",)),
    Table("claims", ("kommunekode", "fordring_id")),
    Table("idempotency", ("scope", "kommunekode", "key")),
    Table("events", ("seq",), "seq"),
    Table("jobs", ("id",), "id"),
    Table("tenant_overrides", ("kommunekode",)),
    Table("fault_rules", ("id",), "id"),
    Table("call_ids", ("id",), "id"),
    # Behaviour over time (simulators.store.time).
    Table("cb_cursor", ("kommunekode",)),
    Table("cb_batches", ("id",), "id"),
    Table("cb_items", ("event_id",)),
    Table("cb_attempts", ("id",), "id"),
    Table("tl_marks", ("id",), "id"),
)
"""Every table of the state, in load order (deleted in the reverse order)."""

NOT_SAVED: Mapping[str, str] = {
    "journal": "the request journal is not state: a load leaves it as it is",
    "payment_sessions": "payment-page sessions are dropped on load (log in again)",
    "meta": "the clock is saved as `clock`; the instance id is renewed on load",
    "fault_state": "the rule id sequence is saved as `faults.next_id`",
    "time_meta": "bookkeeping of the instance id",
}
"""Tables of the store a snapshot leaves out on purpose, and why (a test keeps this and
`TABLES` covering every table, so a new table cannot be forgotten)."""

_BY_NAME = {t.name: t for t in TABLES}
_MAX_INT = 2**63 - 1


# -- save --------------------------------------------------------------------------


def save(sim: Simulator) -> dict[str, Any]:
    """The whole state of `sim` as a JSON-ready document (one consistent read)."""
    sim.faults.flush()  # fired counts and the journal queued in this process
    sim.refresh_clock()
    with sim.store.read() as tx:
        tables = {t.name: _dump(tx, t) for t in TABLES}
        next_id = tx.fault_state().next_id
        clock_now = sim.clock.now()
    clock = {
        "now": clock_now.isoformat(),
        "mode": str(sim.clock.mode),
        "factor": sim.clock.state.factor,
    }
    faults = {"next_id": next_id}
    return {
        "format": FORMAT,
        "version": VERSION,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "digest": content_digest(clock, faults, tables),
        "clock": clock,
        "faults": faults,
        "tables": tables,
    }


def content_digest(clock: Any, faults: Any, tables: Any) -> str:
    """SHA-256 over a snapshot's contents as written (``sha256:<hex>``): a load finds by it
    that the rows are exactly as a save wrote them, and spares reading every row back."""
    text = json.dumps([clock, faults, tables], sort_keys=True, separators=(",", ":"))
    return f"sha256:{hashlib.sha256(text.encode()).hexdigest()}"


def _dump(tx: Tx, table: Table) -> dict[str, Any]:
    columns, rows = tx.table_rows(table.name, table.key)
    if not any(c in table.derived for c in columns):
        return {"columns": columns, "rows": [list(row) for row in rows]}
    keep = [i for i, c in enumerate(columns) if c not in table.derived]
    return {
        "columns": [columns[i] for i in keep],
        "rows": [[row[i] for i in keep] for row in rows],
    }


def _row(row: Any) -> Mapping[str, Any]:
    """A row as a mapping (sqlite3.Row or psycopg's dict row)."""
    return row if isinstance(row, Mapping) else dict(zip(row.keys(), tuple(row), strict=True))


# -- load --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Parsed:
    clock: tuple[datetime, ClockMode, float]
    next_id: int
    tables: dict[str, tuple[list[str], list[list[Any]]]]
    as_saved: bool


def check(document: Any) -> _Parsed:
    """The document's parts, or `SnapshotError` saying what is wrong with its shape."""
    check_format(document)
    clock, faults, tables = document.get("clock"), document.get("faults"), document.get("tables")
    parsed = _Parsed(
        clock=_check_clock(clock),
        next_id=_check_next_id(faults),
        tables=_check_tables(tables),
        as_saved=False,
    )
    digest = document.get("digest")
    if digest is not None and digest == content_digest(clock, faults, tables):
        return replace(parsed, as_saved=True)
    return parsed


def check_format(document: Any) -> None:
    """`SnapshotError` unless `document` is a snapshot of a format and version this
    simulator reads (the cheap first check; `check` looks at everything)."""
    if not isinstance(document, Mapping):
        raise SnapshotError("a snapshot is a JSON object")
    if document.get("format") != FORMAT:
        raise SnapshotError(
            f"not a debitorsim snapshot: format is {document.get('format')!r}, expected {FORMAT!r}"
        )
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SnapshotError(f"snapshot version must be a positive integer, not {version!r}")
    if version > VERSION:
        raise SnapshotError(
            f"snapshot version {version} is newer than this debitorsim reads (up to {VERSION}): "
            "load it with the debitorsim that saved it, or upgrade"
        )


def _check_clock(clock: Any) -> tuple[datetime, ClockMode, float]:
    if not isinstance(clock, Mapping):
        raise SnapshotError("clock must be an object with now, mode and factor")
    try:
        now = datetime.fromisoformat(str(clock.get("now")))
        mode = ClockMode(clock.get("mode"))
    except ValueError as exc:
        raise SnapshotError(f"clock: {exc}") from None
    if now.tzinfo is None:
        raise SnapshotError("clock.now must carry its UTC offset")
    factor = clock.get("factor", 1.0)
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not 0 < factor < 1e9:
        raise SnapshotError("clock.factor must be a positive number")
    return now, mode, float(factor)


def _check_next_id(faults: Any) -> int:
    next_id = faults.get("next_id") if isinstance(faults, Mapping) else None
    if isinstance(next_id, bool) or not isinstance(next_id, int) or not 1 <= next_id <= _MAX_INT:
        raise SnapshotError("faults.next_id must be a positive integer")
    return next_id


def _check_tables(tables: Any) -> dict[str, tuple[list[str], list[list[Any]]]]:
    if not isinstance(tables, Mapping):
        raise SnapshotError("tables must be an object: table name -> {columns, rows}")
    out: dict[str, tuple[list[str], list[list[Any]]]] = {}
    for name, part in tables.items():
        if name not in _BY_NAME:
            raise SnapshotError(f"unknown table {name!r} (a snapshot of a newer debitorsim?)")
        if not isinstance(part, Mapping):
            raise SnapshotError(f"tables.{name} must be an object with columns and rows")
        columns, rows = part.get("columns"), part.get("rows")
        if (
            not isinstance(columns, list)
            or not columns
            or not all(isinstance(c, str) for c in columns)
            or len(set(columns)) != len(columns)
        ):
            raise SnapshotError(f"tables.{name}.columns must be a list of distinct column names")
        if not isinstance(rows, list):
            raise SnapshotError(f"tables.{name}.rows must be a list")
        width = len(columns)
        types: set[type] = set()
        for i, row in enumerate(rows):
            if type(row) is not list or len(row) != width:
                raise SnapshotError(f"tables.{name}.rows[{i}] must be a list of {width} values")
            types.update(map(type, row))
        if not types <= _SCALARS:
            # Exact types: a bool or float (an amount in kroner?) is refused, not coerced.
            i = next(i for i, row in enumerate(rows) if not set(map(type, row)) <= _SCALARS)
            raise SnapshotError(
                f"tables.{name}.rows[{i}]: a value must be text, an integer or null"
            )
        out[name] = (columns, rows)
    return out


_SCALARS = frozenset({str, int, type(None)})


def load(sim: Simulator, document: Any, *, clear_journal: bool = False) -> dict[str, Any]:
    """Replace the whole state of `sim` by the snapshot `document`, atomically; with
    `clear_journal` the request journal is emptied in the same transaction.

    Raises `SnapshotError` (nothing changed) for a document of another format, a newer
    version, or contents this simulator cannot use. Returns a summary: rows per table and
    the clock.
    """
    parsed = check(document)
    sim.faults.flush()  # counts queued in this process belong to the rules being replaced
    try:
        with _jobs_paused(sim):
            with sim.store.transaction() as tx:
                counts = _replace(sim, tx, parsed)
                _verify(sim, tx, every_row=not parsed.as_saved)
                if clear_journal:
                    tx.sql().execute("DELETE FROM journal")
            _take_up_clock(sim, parsed.clock)
    except SnapshotError:
        sim.tenants.reload()
        raise
    except (sqlite3.Error, OverflowError, *_pg_errors()) as exc:
        sim.tenants.reload()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SnapshotError(f"the snapshot's rows do not fit this simulator: {first}") from None
    sim.faults.active()  # takes up the new rule set now (other processes on their next call)
    return {
        "loaded": True,
        "rows": counts,
        "clock": sim.clock.as_dict(),
        "journal": "emptied" if clear_journal else "kept",
        "payment_sessions": "dropped",
    }


def _take_up_clock(sim: Simulator, clock: tuple[datetime, ClockMode, float]) -> None:
    """The loaded clock, now: read from the store, or set on a clock handed to the
    simulator from outside (`SimConfig.clock`, e.g. one shared with the core in a test bed)."""
    sim.refresh_clock()
    if sim.config.clock is not None:
        now, mode, factor = clock
        sim.clock.set_mode(mode, factor)  # first: switching keeps the time it tells
        sim.clock.set(now)


@contextmanager
def _jobs_paused(sim: Simulator) -> Iterator[None]:
    """No job of this process runs while the jobs are replaced."""
    with sim.scheduler.exclusive():
        yield


def _pg_errors() -> tuple[type[Exception], ...]:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return ()
    return (psycopg.Error,)


def _replace(sim: Simulator, tx: Tx, parsed: _Parsed) -> dict[str, int]:
    """Delete the state's rows and write the snapshot's, inside `tx`."""
    c = tx.sql()
    columns_of = {t.name: _columns(tx, t.name) for t in TABLES}
    for name, (columns, _rows) in parsed.tables.items():
        unknown = [col for col in columns if col not in columns_of[name]]
        if unknown:
            raise SnapshotError(
                f"tables.{name}: unknown column(s) {', '.join(unknown)} "
                "(a snapshot of a newer debitorsim?)"
            )
    for table in reversed(TABLES):
        c.execute(f"DELETE FROM {table.name}")
    c.execute("DELETE FROM payment_sessions")
    # The rule set moves on as after a clear: every process rebuilds its rules and
    # releases held requests (the rules themselves are gone already).
    tx.clear_fault_rules()
    counts: dict[str, int] = {}
    for table in TABLES:
        columns, rows = parsed.tables.get(table.name, ([], []))
        if rows:
            tx.insert_rows(table.name, columns, rows)
        if table.generated:
            tx.restart_ids(table.name, table.generated)
        counts[table.name] = len(rows)
    tx.recount_owed()  # accounts.owed from the claims loaded (whatever the document says)
    _fault_state(tx, parsed.next_id)
    _new_instance(tx)
    now, mode, factor = parsed.clock
    tx.set_meta(CLOCK_KEY, sim.clock.state_showing(now, mode, factor).to_json())
    return counts


def _columns(tx: Tx, table: str) -> list[str]:
    cur = tx.sql().execute(f"SELECT * FROM {table} LIMIT 0")
    return [d[0] for d in cur.description]


def _fault_state(tx: Tx, next_id: int) -> None:
    """The rule id sequence continues as saved (and past every loaded rule)."""
    highest = max((row.id for row in tx.fault_rules()), default=0)
    tx.sql().execute(
        "UPDATE fault_state SET next_id = ? WHERE name = 'rules'", (max(next_id, highest + 1),)
    )


def _new_instance(tx: Tx) -> None:
    """A fresh instance id (new events get ids never used before), which the time tables
    follow so they are not emptied as after a reset."""
    instance = str(uuid.uuid4())
    tx.set_meta(INSTANCE_KEY, instance)
    tx.sql().execute(
        "INSERT INTO time_meta (key, value) VALUES ('instance', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (instance,),
    )


def _verify(sim: Simulator, tx: Tx, *, every_row: bool) -> None:
    """Read the loaded rows back as the simulator will (a value it cannot read is refused
    now, not on some later call): the municipalities' overrides, and with `every_row`
    every account, claim, event, job, batch, attempt and fault rule (not needed for rows
    exactly as a save wrote them)."""
    try:
        sim.tenants.reload()  # reads the loaded overrides (this transaction)
    except (ProfileError, ValueError, TypeError) as exc:
        raise SnapshotError(f"tenant_overrides: {exc}") from None
    if not every_row:
        return
    try:
        for kode in _codes(tx, "accounts"):
            tx.accounts_page(kode, None, _MAX_INT)
        for kode in _codes(tx, "claims"):
            tx.claims_page(kode, None, _MAX_INT)
        tx.events(after=0, limit=_MAX_INT)
        tx.jobs(None, _MAX_INT)
        repo = TimeRepo(tx, write=False)
        repo.batches(limit=_MAX_INT)
        repo.attempts(limit=_MAX_INT)
        for row in tx.fault_rules():
            parse_rule(json.loads(row.definition), row.id)
    except (ValueError, TypeError, KeyError, FaultRuleError) as exc:
        raise SnapshotError(
            f"the snapshot holds a value this simulator cannot read: {exc}"
        ) from None


def _codes(tx: Tx, table: str) -> list[str]:
    """The municipalities with rows in `table`."""
    rows = tx.sql().execute(f"SELECT DISTINCT kommunekode FROM {table}")
    return [str(_row(r)["kommunekode"]) for r in rows]
