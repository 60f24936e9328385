"""SQLite (WAL) backend of the simulators' store.

One connection per thread (the server is multi-threaded); writers take
``BEGIN IMMEDIATE`` so they are serialised, readers see a consistent snapshot.
The SQL itself is shared with PostgreSQL (`simulators.store.tx.StoreTx`); `SqliteTx`
overrides only where SQLite differs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from simulators.store.checkpoint import CHECKPOINT_EVERY, WalCheckpointer
from simulators.store.faults import FAULT_GENERATION
from simulators.store.journal import JOURNAL_ADDED_COLUMNS
from simulators.store.meta import PEEK_META
from simulators.store.schema import script
from simulators.store.tx import StoreTx


class SqliteTx(StoreTx):
    """The SQLite unit of work (see `simulators.store.base.Tx` for the contract)."""

    _c: sqlite3.Connection

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn)

    def _one(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._c.execute(sql, args).fetchone()
        return row

    def insert_id(self, sql: str, args: Sequence[Any]) -> int:
        """Run an ``INSERT`` and return the new row's id (``lastrowid``: no RETURNING row)."""
        return int(self._c.execute(sql, args).lastrowid or 0)

    # -- snapshots (simulators.snapshot) ---------------------------------------
    def restart_ids(self, table: str, column: str) -> None:
        """Nothing to do: an ``INTEGER PRIMARY KEY`` without AUTOINCREMENT takes max + 1."""

    def table_rows(self, table: str, order: Sequence[str]) -> tuple[list[str], list[Any]]:
        """Every row of `table` in `order`, as plain tuples (no row objects: 10^5 rows)."""
        cur = self._c.cursor()
        cur.row_factory = None
        cur.execute(f"SELECT * FROM {table} ORDER BY {', '.join(order)}")
        return [d[0] for d in cur.description], cur.fetchall()

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Write rows as they are, ids included."""
        self._owed_read = None
        marks = ", ".join("?" for _ in columns)
        self._c.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    # -- end of snapshots -------------------------------------------------------

    def has_table(self, name: str) -> bool:
        """True when the table exists."""
        return (
            self._one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
            is not None
        )


class _Transaction:
    """One ``with`` of `SqliteStore.transaction` or `SqliteStore.read`: the outermost of a
    thread begins and commits (or rolls back); a nested one joins it.

    A class, not a ``contextmanager`` generator: two of them per call, and a generator
    costs a frame and its resumption on entry and on exit."""

    __slots__ = ("_conn", "_store", "_write")

    def __init__(self, store: SqliteStore, write: bool) -> None:
        self._store = store
        self._write = write
        self._conn: sqlite3.Connection | None = None  # set when this one began

    def __enter__(self) -> SqliteTx:
        store = self._store
        conn = store._conn()
        local = store._local
        if local.depth > 0:
            local.depth += 1
            tx: SqliteTx = local.tx
            return tx
        # Writers of this process queue on a Python lock: waiting in SQLite's busy
        # handler means sleeping in steps of milliseconds while the lock is free.
        if self._write:
            store._write_lock.acquire()
            try:
                store._lock_other_processes()
                conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                store._unlock_other_processes()
                store._write_lock.release()
                raise
        else:
            conn.execute("BEGIN DEFERRED")
        local.depth = 1
        local.tx = tx = SqliteTx(conn)
        self._conn = conn
        return tx

    def __exit__(self, kind: type[BaseException] | None, exc: Any, tb: Any) -> None:
        store = self._store
        local = store._local
        conn = self._conn
        if conn is None:  # joined an outer one
            local.depth -= 1
            return
        self._conn = None
        try:
            if kind is not None:
                conn.execute("ROLLBACK")
            else:
                try:
                    conn.execute("COMMIT")
                except BaseException:
                    # A failed COMMIT (a full disk, an I/O error) can leave the transaction
                    # open, and every later BEGIN of this thread would fail on it.
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                if self._write:
                    store._checkpointer.committed()
        finally:
            local.depth = 0
            local.tx = None
            if self._write:
                store._unlock_other_processes()
                store._write_lock.release()


class SqliteStore:
    """SQLite store in WAL mode at `path`; thread-safe, one connection per thread.

    The WAL is checkpointed by a thread of its own every `checkpoint_every` write
    commits (`simulators.store.checkpoint`), never inside a writer's COMMIT."""

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: str = "NORMAL",
        checkpoint_every: int = CHECKPOINT_EVERY,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._synchronous = synchronous
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._lock_fd: int | None = None
        self._lock_pid = 0
        self._closed = False
        self._checkpointer = WalCheckpointer(self.path, self._writers_held, checkpoint_every)
        # Processes opening a new file together (gunicorn workers) take turns: switching it
        # to WAL can answer "database is locked" without waiting in SQLite's busy handler.
        self._lock_other_processes()
        try:
            conn = self._conn()
            conn.executescript(script())
            have = {str(r["name"]) for r in conn.execute("PRAGMA table_info(journal)")}
            for column, kind in JOURNAL_ADDED_COLUMNS:
                if column not in have:
                    conn.execute(f"ALTER TABLE journal ADD COLUMN {column} {kind}")
        finally:
            self._unlock_other_processes()
        with self.transaction() as tx:
            tx.upgrade_ledger()
            tx.instance_id()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise RuntimeError("store is closed")
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {self._synchronous}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA wal_autocheckpoint = 0")  # `WalCheckpointer` does it
            self._local.conn = conn
            self._local.depth = 0
            with self._lock:
                self._all.append(conn)
        return conn

    @contextlib.contextmanager
    def _writers_held(self) -> Iterator[None]:
        """No writer of any process on the file begins or commits while this is held."""
        with self._write_lock:
            self._lock_other_processes()
            try:
                yield
            finally:
                self._unlock_other_processes()

    def _lock_other_processes(self) -> None:
        """Writers of other processes (gunicorn workers) queue on a file lock, woken by the
        kernel when it is free, instead of polling in SQLite's busy handler (p99 > 1 s)."""
        if str(self.path) == ":memory:":
            return
        if self._lock_fd is None or self._lock_pid != os.getpid():
            # A descriptor inherited over fork shares its lock with the parent: open our own.
            self._lock_fd = os.open(f"{self.path}-writelock", os.O_RDWR | os.O_CREAT, 0o600)
            self._lock_pid = os.getpid()
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)

    def _unlock_other_processes(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def transaction(self) -> Any:
        """A write transaction (BEGIN IMMEDIATE); nested calls join the outer one."""
        return _Transaction(self, True)

    def read(self) -> Any:
        """A read snapshot (BEGIN DEFERRED); joins an open transaction of this thread."""
        return _Transaction(self, False)

    # -- fault injection (simulators.faults) ----------------------------------
    def fault_generation(self) -> int:
        """The fault rules' generation: one autocommit SELECT on this thread's connection
        (inside an open transaction of the thread, part of it)."""
        rows = self._conn().execute(FAULT_GENERATION).fetchall()
        return int(rows[0][0]) if rows else 0

    # -- shared virtual clock (simulators.engine.StoredClockSource) -------------
    def peek_meta(self, key: str) -> str | None:
        """A stored setting: one autocommit SELECT on this thread's connection (inside an
        open transaction of the thread, part of it)."""
        rows = self._conn().execute(PEEK_META, (key,)).fetchall()
        return str(rows[0][0]) if rows else None

    # -- end of shared virtual clock ------------------------------------------

    def close(self) -> None:
        """Checkpoint the WAL and close every connection."""
        self._checkpointer.close()
        with self._lock:
            self._closed = True
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(sqlite3.ProgrammingError):
                conn.close()
        self._local.conn = None
        if self._lock_fd is not None and self._lock_pid == os.getpid():
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
        self._lock_fd = None
