"""The scheduler's persisted jobs (`simulators.scheduler`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulators.store.sql import SqlTx, dt, us

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    due_us INTEGER NOT NULL,
    due TEXT NOT NULL,
    payload TEXT NOT NULL,
    key TEXT UNIQUE,
    status TEXT NOT NULL DEFAULT 'pending',
    ran_at TEXT,
    error TEXT
)""",
    """CREATE INDEX IF NOT EXISTS jobs_due ON jobs (status, due_us, id)""",
)


@dataclass(frozen=True, slots=True)
class Job:
    """A persisted job of the scheduler: run handler `name` with `payload` at `due`."""

    id: int
    name: str
    due: datetime
    payload: dict[str, Any]
    key: str | None
    status: str  # pending | done | failed
    ran_at: datetime | None = None
    error: str | None = None


_PAYLOAD = json.JSONEncoder(sort_keys=True)
"""Encodes a job's payload (as ``json.dumps(payload, sort_keys=True)``, one encoder for all)."""


def _job(row: Any) -> Job:
    return Job(
        id=row["id"],
        name=row["name"],
        due=datetime.fromisoformat(row["due"]),
        payload=json.loads(row["payload"]),
        key=row["key"],
        status=row["status"],
        ran_at=dt(row["ran_at"]),
        error=row["error"],
    )


_QUEUE_JOB = (
    "INSERT INTO jobs (name, due_us, due, payload, key) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (key) DO NOTHING"
)
"""A new job, unless one is queued under its key."""
_INSERT_JOB = f"{_QUEUE_JOB} RETURNING id"


class JobsSql(SqlTx):
    """Queue, find and finish jobs."""

    def queue_job(self, name: str, due: datetime, payload: dict[str, Any], key: str) -> None:
        """Queue a job unless one is queued under `key` (then nothing changes): `insert_job`
        for a caller that needs no `Job` back (one statement, nothing read back)."""
        self._c.execute(_QUEUE_JOB, (name, us(due), due.isoformat(), _PAYLOAD.encode(payload), key))

    def insert_job(self, name: str, due: datetime, payload: dict[str, Any], key: str | None) -> Job:
        """Queue a job, or return the one already queued under `key`."""
        # One statement on the common path (a new key): insert, and read back only a duplicate.
        due_text, payload_text = due.isoformat(), _PAYLOAD.encode(payload)
        rows = self._c.execute(_INSERT_JOB, (name, us(due), due_text, payload_text, key)).fetchall()
        if not rows:
            return _job(self._one("SELECT * FROM jobs WHERE key = ?", (key,)))
        # The new row as `_job` would read it back (status and the rest are the defaults).
        return Job(
            id=rows[0]["id"],
            name=name,
            due=datetime.fromisoformat(due_text),
            payload=json.loads(payload_text),
            key=key,
            status="pending",
        )

    def next_due_job(self, until: datetime) -> Job | None:
        """The earliest pending job due by `until`."""
        row = self._one(
            "SELECT * FROM jobs WHERE status = 'pending' AND due_us <= ? ORDER BY due_us, id LIMIT 1",
            (us(until),),
        )
        return _job(row) if row else None

    def finish_job(self, job_id: int, status: str, ran_at: datetime, error: str | None) -> None:
        """Mark a job done or failed."""
        self._c.execute(
            "UPDATE jobs SET status = ?, ran_at = ?, error = ? WHERE id = ?",
            (status, ran_at.isoformat(), error, job_id),
        )

    def jobs(self, status: str | None, limit: int) -> list[Job]:
        """Jobs in due order."""
        if status is None:
            rows = self._c.execute("SELECT * FROM jobs ORDER BY due_us, id LIMIT ?", (limit,))
        else:
            rows = self._c.execute(
                "SELECT * FROM jobs WHERE status = ? ORDER BY due_us, id LIMIT ?", (status, limit)
            )
        return [_job(r) for r in rows]
