"""The WAL is checkpointed on a thread of its own, never inside a writer's COMMIT
(`simulators.store.checkpoint`): the writers' connections have SQLite's automatic
checkpoint off, the thread wakes every `checkpoint_every` commits, and the WAL it empties
is started again from its beginning, so it stays bounded."""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from pathlib import Path

import pytest

from simulators.store import SqliteStore
from simulators.store.checkpoint import WalCheckpointer

EVERY = 16
WAIT = 60.0  # seconds a background thread may take on a loaded machine; not a timing check


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    s = SqliteStore(tmp_path / "sim.sqlite3", checkpoint_every=EVERY)
    yield s  # type: ignore[misc]
    s.close()


_VALUES = itertools.count()


def _commit(store: SqliteStore, n: int) -> None:
    """`n` write transactions, each changing a page (SQLite writes no unchanged page)."""
    for _ in range(n):
        i = next(_VALUES)
        with store.transaction() as tx:
            tx.set_meta(f"k{i % 4}", "x" * 2000 + str(i))


def _until_due(store: SqliteStore) -> int:
    """Commits left until the next checkpoint is due (opening the store commits too)."""
    return EVERY - store._checkpointer.commits % EVERY


def _wal_frames(path: Path) -> int:
    """The frames in the WAL, as a checkpoint of a connection of its own reports them."""
    conn = sqlite3.connect(path)
    try:
        _busy, frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(frames)
    finally:
        conn.close()


def test_writers_do_not_checkpoint_in_their_commit(store: SqliteStore) -> None:
    with store.transaction():
        conn = store._conn()
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0


def test_no_checkpoint_before_the_count_and_one_at_it(store: SqliteStore) -> None:
    _commit(store, _until_due(store) - 1)
    assert store._checkpointer.checkpoints == 0
    assert store._checkpointer._thread is None
    _commit(store, 1)
    assert store._checkpointer.wait_for(1, WAIT)


def test_the_wal_starts_again_after_a_checkpoint(store: SqliteStore, tmp_path: Path) -> None:
    _commit(store, _until_due(store))
    assert store._checkpointer.wait_for(1, WAIT)
    # The checkpoint began after the last commit, so it copied every frame back; the
    # next writer then writes from the WAL's beginning instead of appending.
    _commit(store, 1)
    assert 0 < _wal_frames(tmp_path / "sim.sqlite3") <= 4


def test_close_stops_the_thread(store: SqliteStore) -> None:
    _commit(store, _until_due(store))
    assert store._checkpointer.wait_for(1, WAIT)
    thread = store._checkpointer._thread
    assert thread is not None and thread.is_alive()
    store.close()
    assert not thread.is_alive()


def test_a_checkpoint_also_copies_what_was_committed_while_it_ran(tmp_path: Path) -> None:
    """Under a steady load the lock-free pass never reaches the WAL's end; the pass with
    the writers held copies the rest, so the next writer starts the WAL again (without it
    the WAL grew to 1.8 GB in 32 s of OpretFordring at c=32). Here a reader's old snapshot
    keeps the first pass short of the end, as new commits do under load."""
    path = tmp_path / "sim.sqlite3"
    store = SqliteStore(path, checkpoint_every=10**9)  # its own thread never wakes
    reader = sqlite3.connect(path, isolation_level=None)
    conn = sqlite3.connect(path)
    try:
        _commit(store, 5)
        reader.execute("BEGIN")
        reader.execute("SELECT * FROM meta").fetchall()  # a snapshot of the first 5
        _commit(store, 3)

        def writers_held() -> contextlib.AbstractContextManager[None]:
            reader.execute("COMMIT")  # the snapshot is let go once the writers are held
            return contextlib.nullcontext()

        WalCheckpointer(path, writers_held)._checkpoint(conn)
        _commit(store, 1)
        assert 0 < _wal_frames(path) <= 4
    finally:
        conn.close()
        reader.close()
        store.close()
