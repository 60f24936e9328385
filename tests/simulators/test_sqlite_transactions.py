"""The SQLite store's transactions: the outermost of a thread begins and ends, a nested one
joins it, and whatever happens the write locks (the thread lock of this process and the
file lock of every process) are free again afterwards."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from pathlib import Path

import pytest

from simulators.store import SqliteStore


def _file_lock_is_free(path: Path) -> bool:
    """True when another open file description can take the writers' file lock now."""
    fd = os.open(f"{path}-writelock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "sim.sqlite3"


@pytest.fixture
def sqlite_store(path: Path) -> SqliteStore:
    store = SqliteStore(path, synchronous="OFF")
    yield store  # type: ignore[misc]
    store.close()


def test_a_failed_begin_leaves_the_write_locks_free(sqlite_store: SqliteStore, path: Path) -> None:
    conn = sqlite_store._conn()
    conn.execute("BEGIN")  # BEGIN IMMEDIATE now fails: a transaction is already open
    with pytest.raises(sqlite3.OperationalError), sqlite_store.transaction():
        pytest.fail("the body ran without a transaction")
    assert not sqlite_store._write_lock.locked()
    assert _file_lock_is_free(path)
    conn.execute("ROLLBACK")
    with sqlite_store.transaction() as tx:
        tx.set_meta("k", "v")
    with sqlite_store.read() as tx:
        assert tx.get_meta("k") == "v"


def test_a_file_lock_that_cannot_be_taken_leaves_the_thread_lock_free(
    sqlite_store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse() -> None:
        raise OSError("no lock file")

    monkeypatch.setattr(sqlite_store, "_lock_other_processes", refuse)
    with pytest.raises(OSError), sqlite_store.transaction():
        pytest.fail("the body ran without the locks")
    assert not sqlite_store._write_lock.locked()
    monkeypatch.undo()
    with sqlite_store.transaction() as tx:
        tx.set_meta("k", "v")


def test_nested_transactions_join_the_outer_one_and_roll_back_with_it(
    sqlite_store: SqliteStore, path: Path
) -> None:
    with pytest.raises(RuntimeError), sqlite_store.transaction() as outer:
        outer.set_meta("a", "1")
        with sqlite_store.transaction() as inner, sqlite_store.read() as reader:
            assert inner is outer and reader is outer
            inner.set_meta("b", "2")
        assert not _file_lock_is_free(path)
        raise RuntimeError("undo")
    assert not sqlite_store._write_lock.locked() and _file_lock_is_free(path)
    with sqlite_store.read() as tx:
        assert (tx.get_meta("a"), tx.get_meta("b")) == (None, None)
    with sqlite_store.transaction() as outer:
        with sqlite_store.transaction() as inner:
            inner.set_meta("b", "2")
        outer.set_meta("a", "1")
    with sqlite_store.read() as tx:
        assert (tx.get_meta("a"), tx.get_meta("b")) == ("1", "2")
    assert not sqlite_store._write_lock.locked() and _file_lock_is_free(path)


def test_a_read_takes_no_write_lock(sqlite_store: SqliteStore, path: Path) -> None:
    with sqlite_store.read():
        assert not sqlite_store._write_lock.locked() and _file_lock_is_free(path)


def test_a_failed_commit_rolls_back_and_the_thread_can_write_again(
    sqlite_store: SqliteStore, path: Path
) -> None:
    """A COMMIT that fails (here a deferred foreign key; in production a full disk or an I/O
    error) leaves SQLite's transaction open: it is rolled back, so the call's changes are
    gone, the caller sees the error, and the thread's next transaction begins as usual."""
    conn = sqlite_store._conn()
    conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    conn.execute(
        "CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
    )
    with pytest.raises(sqlite3.IntegrityError), sqlite_store.transaction() as tx:
        tx.set_meta("k", "lost")
        conn.execute("INSERT INTO child (p) VALUES (999)")  # checked only at COMMIT
    assert not conn.in_transaction
    assert not sqlite_store._write_lock.locked() and _file_lock_is_free(path)
    with sqlite_store.transaction() as tx:
        tx.set_meta("k", "kept")
    with sqlite_store.read() as tx:
        assert tx.get_meta("k") == "kept"
        assert conn.execute("SELECT count(*) FROM child").fetchone()[0] == 0
