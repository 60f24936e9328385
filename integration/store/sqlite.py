"""The core's store on SQLite (the default): WAL mode, one connection per thread.

Write transactions start with ``BEGIN IMMEDIATE``, so that several processes
(the web app and ``debitorsim core-worker``) can share one database file
safely: the check-then-write steps of the services and the outbox claim run
under the database's write lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from integration.store.repo import SqlRepo
from integration.store.schema import SCHEMA


class SqliteRepo(SqlRepo[sqlite3.Connection]):
    """The core's reads and writes on one SQLite connection."""

    def _new_id(self, sql: str, args: Sequence[Any], column: str) -> int:
        return int(self.conn.execute(sql, args).lastrowid or 0)


class SqliteStore:
    """The database in one SQLite file (or in memory): hands out a `SqliteRepo` per transaction."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._local = threading.local()
        self._shared: sqlite3.Connection | None = None
        if self.path == ":memory:":
            # One connection for all threads: an in-memory DB exists per connection.
            self._shared = self._connect()
            self._shared_lock = threading.RLock()
        with self._conn_ctx() as conn:
            conn.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        if self.path != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @contextmanager
    def _conn_ctx(self) -> Iterator[sqlite3.Connection]:
        if self._shared is not None:
            with self._shared_lock:
                yield self._shared
            return
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        yield conn

    @contextmanager
    def tx(self) -> Iterator[SqliteRepo]:
        """A write transaction (BEGIN IMMEDIATE): commits on success, rolls back on error."""
        with self._conn_ctx() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteRepo(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[SqliteRepo]:
        """Reads in one consistent snapshot."""
        with self._conn_ctx() as conn:
            conn.execute("BEGIN")
            try:
                yield SqliteRepo(conn)
            finally:
                conn.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection (and the shared in-memory one)."""
        if self._shared is not None:
            self._shared.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
