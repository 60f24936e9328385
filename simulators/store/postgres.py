"""PostgreSQL backend of the simulators' store (psycopg 3), selected by a ``postgresql://`` URL.

The store's SQL is shared with SQLite (`simulators.store.tx.StoreTx`): `PgTx` runs it
over a small connection adapter that turns qmark parameters into psycopg's and returns
rows by column name, and overrides the few methods whose dialect differs (table lookup,
identity sequences and COPY for snapshots).

Writers are serialised as in SQLite (``BEGIN IMMEDIATE``): every write
transaction first takes one transaction-scoped advisory lock, so "next number"
reads (event seq, account numbers) never race, across threads and processes.
Reads run in a REPEATABLE READ snapshot. The tables live in their own schema
(``sim``) so the core's tables can share the database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from pgsupport import ConnectionPool, create_schema, lock_key, pg_ddl, pg_sql
from simulators.store.faults import FAULT_GENERATION
from simulators.store.journal import JOURNAL_ADDED_COLUMNS
from simulators.store.meta import PEEK_META
from simulators.store.schema import script
from simulators.store.tx import StoreTx

SIM_SCHEMA = "sim"
_UPGRADE = "".join(
    f";\nALTER TABLE journal ADD COLUMN IF NOT EXISTS {column} {kind}"
    for column, kind in JOURNAL_ADDED_COLUMNS
)
"""Columns a database made before them lacks (`JOURNAL_ADDED_COLUMNS`)."""


class PgConnection:
    """A psycopg connection that speaks the stores' portable SQL (qmark, rows by name)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.raw = conn

    def execute(self, sql: str, args: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        """Run one statement (``CREATE TABLE/INDEX`` and ``ALTER TABLE`` are translated to
        PostgreSQL DDL)."""
        if sql.lstrip()[:6].upper() in ("CREATE", "ALTER "):
            sql = pg_ddl(sql)
        return self.raw.execute(pg_sql(sql), tuple(args) or None)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> psycopg.Cursor[Any]:
        """Run one statement for each parameter row."""
        cur = self.raw.cursor()
        cur.executemany(pg_sql(sql), [tuple(r) for r in rows])
        return cur


class PgTx(StoreTx):
    """The PostgreSQL unit of work: the shared SQL, and its own where the dialects differ."""

    _c: PgConnection

    def __init__(self, conn: PgConnection) -> None:
        super().__init__(conn)

    def has_table(self, name: str) -> bool:
        """True when a table of this name exists in the store's schema."""
        row = self._one("SELECT to_regclass(?) IS NOT NULL AS present", (name,))
        return bool(row and row["present"])

    # -- snapshots (simulators.snapshot) ---------------------------------------
    def restart_ids(self, table: str, column: str) -> None:
        """Move the identity sequence of `table`.`column` past the highest stored value, so
        the next generated id follows it (rows written with explicit ids do not move it)."""
        self._c.execute(
            f"SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(MAX({column}), 0) + 1, false)"
            f" FROM {table}",
            (table, column),
        )

    def table_rows(self, table: str, order: Sequence[str]) -> tuple[list[str], list[Any]]:
        """Every row of `table` in `order`, as plain tuples."""
        cur = self._c.raw.cursor(row_factory=tuple_row)
        cur.execute(f"SELECT * FROM {table} ORDER BY {', '.join(order)}")
        return [d.name for d in cur.description or ()], cur.fetchall()

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Write rows as they are, ids included, with COPY (10^5 rows in well under a second)."""
        self._owed_read = None
        cur = self._c.raw.cursor()
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    # -- end of snapshots -------------------------------------------------------


class PgStore:
    """The simulators' store on PostgreSQL: same contract as `SqliteStore`."""

    def __init__(self, url: str, *, schema: str = SIM_SCHEMA) -> None:
        self.url = url
        self.schema = schema
        self._lock_key = lock_key(schema)
        create_schema(url, schema, script() + _UPGRADE)
        self._pool = ConnectionPool(url, schema)
        self._local = threading.local()
        with self.transaction() as tx:
            tx.upgrade_ledger()
            tx.instance_id()

    @contextmanager
    def _begin(self, write: bool) -> Iterator[PgTx]:
        local = self._local
        if getattr(local, "depth", 0) > 0:
            if write and not local.locked:
                # A write inside a read: take the writers' lock now (SQLite upgrades likewise).
                local.tx._c.execute("SELECT pg_advisory_xact_lock(?)", (self._lock_key,))
                local.locked = True
            local.depth += 1
            try:
                yield local.tx
            finally:
                local.depth -= 1
            return
        raw = self._pool.get()
        conn = PgConnection(raw)
        try:
            if write:
                raw.execute("BEGIN")
                raw.execute("SELECT pg_advisory_xact_lock(%s)", (self._lock_key,))
            else:
                raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            local.depth, local.tx, local.locked = 1, PgTx(conn), write
            try:
                yield local.tx
            except BaseException:
                with suppress(psycopg.Error):
                    raw.execute("ROLLBACK")
                raise
            else:
                raw.execute("COMMIT")
            finally:
                local.depth, local.tx, local.locked = 0, None, False
        finally:
            self._pool.put(raw)

    def transaction(self) -> Any:
        """A write transaction, serialised against all other writers; nested calls join it."""
        return self._begin(write=True)

    def read(self) -> Any:
        """A read snapshot (REPEATABLE READ); joins an open transaction of this thread."""
        return self._begin(write=False)

    # -- fault injection (simulators.faults) ----------------------------------
    def fault_generation(self) -> int:
        """The fault rules' generation: one autocommit SELECT (a round trip to the server),
        inside an open transaction of this thread when there is one."""
        local = self._local
        if getattr(local, "depth", 0) > 0:
            rows = local.tx._c.execute(FAULT_GENERATION).fetchall()
        else:
            raw = self._pool.get()
            try:
                rows = raw.execute(FAULT_GENERATION).fetchall()
            finally:
                self._pool.put(raw)
        return int(rows[0]["generation"]) if rows else 0

    # -- shared virtual clock (simulators.engine.StoredClockSource) -------------
    def peek_meta(self, key: str) -> str | None:
        """A stored setting: one autocommit SELECT (a round trip to the server), inside an
        open transaction of this thread when there is one."""
        local = self._local
        if getattr(local, "depth", 0) > 0:
            rows = local.tx._c.execute(PEEK_META, (key,)).fetchall()
        else:
            raw = self._pool.get()
            try:
                rows = PgConnection(raw).execute(PEEK_META, (key,)).fetchall()
            finally:
                self._pool.put(raw)
        return str(rows[0]["value"]) if rows else None

    # -- end of shared virtual clock ------------------------------------------

    def close(self) -> None:
        """Close every idle connection."""
        self._pool.close()
