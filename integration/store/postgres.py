"""The core's store on PostgreSQL (psycopg 3), selected by `CoreConfig.database_url`.

`PgRepo` runs the same qmark SQL as the SQLite repository (`SqlRepo`) over
`PgConnection`, and differs only where the dialects do: new ids come from
``RETURNING``, and `claim_due` reserves rows with ``SELECT ... FOR UPDATE SKIP
LOCKED``, so several workers on several hosts take disjoint rows from one queue
without waiting for each other.

Every other write transaction first takes a transaction-scoped advisory lock,
exactly what ``BEGIN IMMEDIATE`` gives on SQLite: check-then-write sequences
(find-or-create a patron, apply a callback event once, derive a balance) stay
serialised. The claim transaction skips that lock: its row locks are enough.
Tables live in the schema ``core``, so the simulators' store can share the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from datetime import datetime
from typing import Any

import psycopg

from integration.store.outbox import CLAIMABLE, read_outbox_row
from integration.store.repo import SqlRepo
from integration.store.rows import OutboxRow, ts
from integration.store.schema import SCHEMA
from pgsupport import ConnectionPool, create_schema, lock_key, pg_sql

CORE_SCHEMA = "core"


class PgConnection:
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


class PgRepo(SqlRepo[PgConnection]):
    """The core's reads and writes on PostgreSQL."""

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
            pg_sql(f"{CLAIMABLE} FOR UPDATE OF o SKIP LOCKED"),
            (ts(now), ts(lease_now), limit),
        ).fetchall()
        if rows:
            self.conn.raw.execute(
                "UPDATE outbox SET lease_until=%s WHERE id = ANY(%s)",
                (ts(lease_until), [r[0] for r in rows]),
            )
        return [read_outbox_row(r) for r in rows]


class PgStore:
    """The core's database on PostgreSQL: hands out a `PgRepo` per transaction."""

    def __init__(self, url: str, *, schema: str = CORE_SCHEMA) -> None:
        self.url = url
        self.path = url
        self.schema = schema
        self._lock_key = lock_key(schema)
        create_schema(url, schema, SCHEMA)
        self._pool = ConnectionPool(url, schema, tuples=True)

    @contextmanager
    def _begin(self, write: bool) -> Iterator[PgRepo]:
        raw = self._pool.get()
        try:
            raw.execute("BEGIN" if write else "BEGIN ISOLATION LEVEL REPEATABLE READ")
            try:
                yield PgRepo(PgConnection(raw, self._lock_key if write else None))
            except BaseException:
                with suppress(psycopg.Error):
                    raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
        finally:
            self._pool.put(raw)

    def tx(self) -> AbstractContextManager[PgRepo]:
        """A write transaction (the writers' lock taken at the first statement):
        commits on success, rolls back on error."""
        return self._begin(True)

    def read(self) -> AbstractContextManager[PgRepo]:
        """Reads in one consistent snapshot (REPEATABLE READ)."""
        return self._begin(False)

    def close(self) -> None:
        """Close the idle connections."""
        self._pool.close()
