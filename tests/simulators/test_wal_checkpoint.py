"""The WAL is checkpointed on a thread of its own, never inside a writer's COMMIT
(`simulators.store.checkpoint`): the writers' connections have SQLite's automatic
checkpoint off, the thread wakes every `checkpoint_every` commits, and the WAL it empties
is started again from its beginning, so it stays bounded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from simulators.store import SqliteStore

EVERY = 16
WAIT = 60.0  # seconds a background thread may take on a loaded machine; not a timing check


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    s = SqliteStore(tmp_path / "sim.sqlite3", checkpoint_every=EVERY)
    yield s  # type: ignore[misc]
    s.close()


def _commit(store: SqliteStore, n: int) -> None:
    for i in range(n):
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
