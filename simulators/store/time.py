"""Storage for behaviour over time: callback batches, delivery attempts, timeline marks.

A narrow repository (`TimeRepo`) over the simulators' store transaction, so its
writes commit together with the ledger changes and jobs of the same unit of work.
Its tables are created with the store's (`simulators.store.schema`) and reached
through the store's portable SQL (`Tx.sql()`), so both backends run it.

After an admin reset of the core store (a new ``instance_id``), these tables are
emptied on first write, so a callback cursor never points past a fresh event log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulators.store.base import Tx

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS time_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS cb_cursor (
        kommunekode TEXT PRIMARY KEY, last_seq INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS cb_batches (
        id INTEGER PRIMARY KEY,
        kommunekode TEXT NOT NULL,
        created TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt TEXT,
        delivered_at TEXT,
        event_ids TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS cb_batches_pending ON cb_batches (kommunekode, status, id)""",
    """CREATE TABLE IF NOT EXISTS cb_items (
        event_id TEXT PRIMARY KEY,
        batch_id INTEGER NOT NULL,
        kommunekode TEXT NOT NULL,
        fordring_id TEXT)""",
    """CREATE INDEX IF NOT EXISTS cb_items_claim ON cb_items (kommunekode, fordring_id)""",
    """CREATE TABLE IF NOT EXISTS cb_attempts (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL,
        kommunekode TEXT NOT NULL,
        tidspunkt TEXT NOT NULL,
        url TEXT,
        outcome TEXT NOT NULL,
        http_status INTEGER,
        fejlkode TEXT,
        detail TEXT,
        modtaget INTEGER NOT NULL DEFAULT 0,
        dublet INTEGER NOT NULL DEFAULT 0,
        next_attempt TEXT)""",
    """CREATE INDEX IF NOT EXISTS cb_attempts_kommune ON cb_attempts (kommunekode, id)""",
    """CREATE INDEX IF NOT EXISTS cb_attempts_batch ON cb_attempts (batch_id, id)""",
    """CREATE TABLE IF NOT EXISTS tl_marks (
        id INTEGER PRIMARY KEY,
        kommunekode TEXT NOT NULL,
        fordring_id TEXT NOT NULL,
        step TEXT NOT NULL,
        tidspunkt TEXT NOT NULL,
        detail TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS tl_marks_claim ON tl_marks (kommunekode, fordring_id, id)""",
)
_TABLES = ("cb_cursor", "cb_batches", "cb_items", "cb_attempts", "tl_marks")
"""Emptied on the first write after a store reset (`time_meta` keeps whose they are)."""


@dataclass(frozen=True, slots=True)
class Batch:
    """One callback message (at most 1000 events) for one municipality."""

    id: int
    kommunekode: str
    created: datetime
    status: str  # pending | delivered | afvist
    attempts: int
    next_attempt: datetime | None
    delivered_at: datetime | None
    event_ids: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "id": self.id,
            "kommunekode": self.kommunekode,
            "created": self.created.isoformat(),
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt": self.next_attempt.isoformat() if self.next_attempt else None,
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
            "events": len(self.event_ids),
            "event_ids": list(self.event_ids),
        }


@dataclass(frozen=True, slots=True)
class Attempt:
    """One delivery attempt of a batch and its outcome."""

    id: int
    batch_id: int
    kommunekode: str
    tidspunkt: datetime
    url: str | None
    outcome: str  # ok | http_fejl | soap_fault | utilgaengelig | ingen_url | ufuldstaendig
    http_status: int | None
    fejlkode: str | None
    detail: str | None
    modtaget: int
    dublet: int
    next_attempt: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "id": self.id,
            "batch_id": self.batch_id,
            "kommunekode": self.kommunekode,
            "tidspunkt": self.tidspunkt.isoformat(),
            "url": self.url,
            "outcome": self.outcome,
            "http_status": self.http_status,
            "fejlkode": self.fejlkode,
            "detail": self.detail,
            "modtaget": self.modtaget,
            "dublet": self.dublet,
            "next_attempt": self.next_attempt.isoformat() if self.next_attempt else None,
        }


@dataclass(frozen=True, slots=True)
class Mark:
    """A timeline step recorded outside the ledger's event log (e.g. invoiced)."""

    kommunekode: str
    fordring_id: str
    step: str
    tidspunkt: datetime
    detail: dict[str, Any]


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _batch(row: Any) -> Batch:
    return Batch(
        id=row["id"],
        kommunekode=row["kommunekode"],
        created=datetime.fromisoformat(row["created"]),
        status=row["status"],
        attempts=row["attempts"],
        next_attempt=_dt(row["next_attempt"]),
        delivered_at=_dt(row["delivered_at"]),
        event_ids=tuple(json.loads(row["event_ids"])),
    )


def _attempt(row: Any) -> Attempt:
    return Attempt(
        id=row["id"],
        batch_id=row["batch_id"],
        kommunekode=row["kommunekode"],
        tidspunkt=datetime.fromisoformat(row["tidspunkt"]),
        url=row["url"],
        outcome=row["outcome"],
        http_status=row["http_status"],
        fejlkode=row["fejlkode"],
        detail=row["detail"],
        modtaget=row["modtaget"],
        dublet=row["dublet"],
        next_attempt=_dt(row["next_attempt"]),
    )


def _connection(tx: Tx) -> Any:
    return tx.sql()


class TimeRepo:
    """Reads and writes of the time behaviour, inside one store transaction `tx`.

    Open it with ``write=False`` inside a read snapshot (no reset check: a store reset
    since the last write reads as empty).
    """

    def __init__(self, tx: Tx, *, write: bool = True) -> None:
        self.tx = tx
        self._c = _connection(tx)
        self.stale = False
        if write:
            self._ensure()
        else:
            self.stale = not self._current()

    def _instance(self) -> str | None:
        """The store life these tables belong to (None: not written since they were made)."""
        row = self._c.execute("SELECT value FROM time_meta WHERE key = 'instance'").fetchone()
        return None if row is None else str(row["value"])

    def _current(self) -> bool:
        """True when these tables belong to the store's current life (no reset since)."""
        instance = self._instance()
        return instance is not None and instance == (self.tx.get_meta("instance_id") or "")

    def _ensure(self) -> None:
        """Empty the tables once after a reset of the store (a new instance id)."""
        instance = self.tx.get_meta("instance_id") or ""
        if self._instance() != instance:
            for table in _TABLES:
                self._c.execute(f"DELETE FROM {table}")
            self._c.execute(
                "INSERT INTO time_meta (key, value) VALUES ('instance', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (instance,),
            )

    # -- cursor -------------------------------------------------------------
    def cursor(self, kommunekode: str) -> int:
        """The last event seq of the municipality already put in a batch."""
        row = self._c.execute(
            "SELECT last_seq FROM cb_cursor WHERE kommunekode = ?", (kommunekode,)
        ).fetchone()
        return int(row["last_seq"]) if row else 0

    def set_cursor(self, kommunekode: str, seq: int) -> None:
        """Move the municipality's cursor."""
        self._c.execute(
            "INSERT INTO cb_cursor (kommunekode, last_seq) VALUES (?, ?) "
            "ON CONFLICT (kommunekode) DO UPDATE SET last_seq = excluded.last_seq",
            (kommunekode, seq),
        )

    # -- batches ------------------------------------------------------------
    def add_batch(
        self, kommunekode: str, created: datetime, items: list[tuple[str, str | None]]
    ) -> Batch:
        """Store a new pending batch of (event_id, fordring_id) items."""
        ids = [event_id for event_id, _ in items]
        row = self._c.execute(
            "INSERT INTO cb_batches (kommunekode, created, status, event_ids) VALUES (?, ?, ?, ?)"
            " RETURNING id",
            (kommunekode, created.isoformat(), "pending", json.dumps(ids)),
        ).fetchall()[0]
        batch_id = int(row["id"])
        self._c.executemany(
            "INSERT INTO cb_items (event_id, batch_id, kommunekode, fordring_id) VALUES (?, ?, ?, ?)",
            [(event_id, batch_id, kommunekode, fid) for event_id, fid in items],
        )
        batch = self.batch(batch_id)
        assert batch is not None
        return batch

    def batch(self, batch_id: int) -> Batch | None:
        """One batch."""
        row = self._c.execute("SELECT * FROM cb_batches WHERE id = ?", (batch_id,)).fetchone()
        return _batch(row) if row else None

    def oldest_pending(self, kommunekode: str) -> Batch | None:
        """The municipality's oldest batch not yet delivered."""
        row = self._c.execute(
            "SELECT * FROM cb_batches WHERE kommunekode = ? AND status = 'pending' "
            "ORDER BY id LIMIT 1",
            (kommunekode,),
        ).fetchone()
        return _batch(row) if row else None

    def update_batch(
        self,
        batch_id: int,
        *,
        status: str,
        attempts: int,
        next_attempt: datetime | None,
        delivered_at: datetime | None,
    ) -> None:
        """Record a batch's new state after an attempt."""
        self._c.execute(
            "UPDATE cb_batches SET status = ?, attempts = ?, next_attempt = ?, delivered_at = ? "
            "WHERE id = ?",
            (
                status,
                attempts,
                next_attempt.isoformat() if next_attempt else None,
                delivered_at.isoformat() if delivered_at else None,
                batch_id,
            ),
        )

    def batches(
        self, kommunekode: str | None = None, status: str | None = None, limit: int = 100
    ) -> list[Batch]:
        """Batches, newest first."""
        rows = self._newest("cb_batches", limit, kommunekode=kommunekode, status=status)
        return [_batch(r) for r in rows]

    def batches_of_claim(self, kommunekode: str, fordring_id: str) -> list[tuple[str, Batch]]:
        """(event_id, batch) for each of the claim's events put in a batch."""
        if self.stale:
            return []
        rows = self._c.execute(
            "SELECT i.event_id AS item_event, b.* FROM cb_items i "
            "JOIN cb_batches b ON b.id = i.batch_id "
            "WHERE i.kommunekode = ? AND i.fordring_id = ? ORDER BY b.id",
            (kommunekode, fordring_id),
        )
        return [(r["item_event"], _batch(r)) for r in rows]

    # -- attempts -----------------------------------------------------------
    def add_attempt(self, attempt: Attempt) -> None:
        """Record one delivery attempt (its `id` is assigned here)."""
        self._c.execute(
            "INSERT INTO cb_attempts (batch_id, kommunekode, tidspunkt, url, outcome, http_status,"
            " fejlkode, detail, modtaget, dublet, next_attempt)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                attempt.batch_id,
                attempt.kommunekode,
                attempt.tidspunkt.isoformat(),
                attempt.url,
                attempt.outcome,
                attempt.http_status,
                attempt.fejlkode,
                attempt.detail,
                attempt.modtaget,
                attempt.dublet,
                attempt.next_attempt.isoformat() if attempt.next_attempt else None,
            ),
        )

    def attempts(
        self, kommunekode: str | None = None, batch_id: int | None = None, limit: int = 100
    ) -> list[Attempt]:
        """Delivery attempts, newest first."""
        rows = self._newest("cb_attempts", limit, kommunekode=kommunekode, batch_id=batch_id)
        return [_attempt(r) for r in rows]

    def _newest(self, table: str, limit: int, **equal: object) -> list[Any]:
        """Rows of `table` whose columns equal every non-None value in `equal`, newest first."""
        if self.stale:
            return []
        filters = {column: value for column, value in equal.items() if value is not None}
        where = " AND ".join(f"{column} = ?" for column in filters)
        return list(
            self._c.execute(
                f"SELECT * FROM {table} {'WHERE ' + where if where else ''}"
                " ORDER BY id DESC LIMIT ?",
                (*filters.values(), limit),
            )
        )

    # -- timeline marks -----------------------------------------------------
    def add_mark(self, mark: Mark) -> None:
        """Record a timeline step."""
        self._c.execute(
            "INSERT INTO tl_marks (kommunekode, fordring_id, step, tidspunkt, detail)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                mark.kommunekode,
                mark.fordring_id,
                mark.step,
                mark.tidspunkt.isoformat(),
                json.dumps(mark.detail, ensure_ascii=False, sort_keys=True),
            ),
        )

    def marks(self, kommunekode: str, fordring_id: str) -> list[Mark]:
        """The claim's recorded steps, in order."""
        if self.stale:
            return []
        rows = self._c.execute(
            "SELECT * FROM tl_marks WHERE kommunekode = ? AND fordring_id = ? ORDER BY id",
            (kommunekode, fordring_id),
        )
        return [
            Mark(
                r["kommunekode"],
                r["fordring_id"],
                r["step"],
                datetime.fromisoformat(r["tidspunkt"]),
                json.loads(r["detail"]),
            )
            for r in rows
        ]
