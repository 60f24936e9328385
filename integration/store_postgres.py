"""PostgreSQL backend of the core's repository (psycopg 3), selected by `CoreConfig.database_url`.

`PgRepo` is `integration.store.Repo` over a connection adapter that speaks the
same qmark SQL; it overrides what differs: new ids come from ``RETURNING``, and
`claim_due` reserves rows with ``SELECT ... FOR UPDATE SKIP LOCKED``, so
several workers on several hosts take disjoint rows from one queue without
waiting for each other.

Every other write transaction first takes a transaction-scoped advisory lock,
exactly what ``BEGIN IMMEDIATE`` gives on SQLite: check-then-write sequences
(find-or-create a patron, apply a callback event once, derive a balance) stay
serialised. The claim transaction skips that lock: its row locks are enough.
Tables live in the schema ``core``, so the simulators' store can share the database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any

import psycopg

from integration.store import (
    _OUTBOX_COLUMNS,
    SCHEMA,
    OutboxRow,
    Repo,
    _outbox,
    ts,
)
from pgsupport import ConnectionPool, create_schema, lock_key, pg_sql

CORE_SCHEMA = "core"


class _Conn:
    """The qmark adapter of one transaction; takes the writers' lock before the first statement."""

    def __init__(self, raw: psycopg.Connection[Any], lock: int | None) -> None:
        self.raw = raw
        self._lock = lock

    def lock(self) -> None:
        """Take the writers' lock now (once per transaction)."""
        if self._lock is not None:
            key, self._lock = self._lock, None
            self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (key,))

    def skip_lock(self) -> None:
        """This transaction only claims outbox rows: their row locks protect it."""
        self._lock = None

    def execute(self, sql: str, args: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        """Run one statement."""
        self.lock()
        return self.raw.execute(pg_sql(sql), tuple(args) or None)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> psycopg.Cursor[Any]:
        """Run one statement per parameter row."""
        self.lock()
        cur = self.raw.cursor()
        cur.executemany(pg_sql(sql), [tuple(r) for r in rows])
        return cur


class PgRepo(Repo):
    """The core's reads and writes on PostgreSQL."""

    conn: _Conn  # type: ignore[assignment]

    def _new_id(self, sql: str, args: Sequence[Any], column: str) -> int:
        row = self.conn.execute(f"{sql} RETURNING {column}", args).fetchone()
        return int(row[0]) if row else 0

    def claim_due(
        self, now: datetime, limit: int, *, lease_now: datetime, lease_until: datetime
    ) -> list[OutboxRow]:
        """Reserve up to `limit` due messages first in line for their claim (SKIP LOCKED).

        Same selection as the SQLite repository (`now` virtual, the lease real time).
        Rows another worker is reserving right now are skipped, not waited for; once
        its transaction commits they carry a lease and no longer match.
        """
        self.conn.skip_lock()
        rows = self.conn.raw.execute(
            pg_sql(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox o WHERE o.state='pending' AND o.not_before<=? "
                "AND (o.lease_until IS NULL OR o.lease_until<=?) "
                "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.ordering_key=o.ordering_key "
                "AND p.id<o.id AND p.state!='sent' AND p.state!='skipped') "
                "ORDER BY o.not_before, o.id LIMIT ? FOR UPDATE OF o SKIP LOCKED"
            ),
            (ts(now), ts(lease_now), limit),
        ).fetchall()
        if rows:
            self.conn.raw.execute(
                "UPDATE outbox SET lease_until=%s WHERE id = ANY(%s)",
                (ts(lease_until), [r[0] for r in rows]),
            )
        return [_outbox(r) for r in rows]


class PgStore:
    """The core's database on PostgreSQL: the same `tx()` / `read()` contract as `Store`."""

    def __init__(self, url: str, *, schema: str = CORE_SCHEMA) -> None:
        self.url = url
        self.path = url
        self.schema = schema
        self._lock_key = lock_key(schema)
        create_schema(url, schema, SCHEMA)
        self._pool = ConnectionPool(url, schema, tuples=True)
        self._local = threading.local()

    @contextmanager
    def _begin(self, write: bool) -> Iterator[PgRepo]:
        raw = self._pool.get()
        try:
            raw.execute("BEGIN" if write else "BEGIN ISOLATION LEVEL REPEATABLE READ")
            try:
                yield PgRepo(_Conn(raw, self._lock_key if write else None))  # type: ignore[arg-type]
            except BaseException:
                with suppress(psycopg.Error):
                    raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
        finally:
            self._pool.put(raw)

    def tx(self) -> Any:
        """A write transaction: commits on success, rolls back on error."""
        return self._begin(True)

    def read(self) -> Any:
        """Reads in one consistent snapshot (REPEATABLE READ)."""
        return self._begin(False)

    def close(self) -> None:
        """Close the idle connections."""
        self._pool.close()
