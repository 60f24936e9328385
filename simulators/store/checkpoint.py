"""The WAL's checkpoints, on a thread of their own instead of inside a writer's COMMIT.

SQLite's automatic checkpoint runs in the COMMIT that takes the WAL past 1,000 pages: that
writer copies every page back into the database file and syncs it while it still holds
the write lock, so every other writer of every process waits for it (every ~60 claims,
milliseconds each). The store switches it off on its connections (``PRAGMA
wal_autocheckpoint = 0``) and counts its write commits; every `every`-th wakes this
checkpointer, which runs on its own connection in two passes:

1. a PASSIVE checkpoint while the writers go on: it takes no write lock and copies the
   bulk, up to the last frame committed when it began;
2. the same with the writers of every process held (the store's write lock): it copies
   only what was committed during the first pass, and since nothing new can come, it
   reaches the WAL's end, so the next writer starts the WAL from its beginning again.

Without the second pass a steady load never lets a checkpoint reach the end, and the WAL
grows without bound (1.8 GB in 32 s of OpretFordring at c=32); with it the WAL stayed at
18 MB in the same run.

Durability does not change: a commit is durable once it is in the WAL (the checkpoint
only copies committed pages on), and a checkpoint interrupted by a crash is finished by
the next one. One checkpointer per store and process; the checkpoints of two processes
are serialised by SQLite itself (the later one finds the work done or is told "busy" and
tries again at its next wake-up).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 64
"""Write commits between two checkpoints: ~1,000 WAL pages at ~16 pages per claim, the
amount SQLite's own automatic checkpoint waits for."""


class WalCheckpointer:
    """Checkpoints the WAL on its own thread every `every` commits (see the module);
    `hold_writers` holds every writer of every process while it is entered.

    The thread starts at the first checkpoint due in this process (a store opened before
    a fork, as gunicorn's workers may inherit it, gets a thread in each child)."""

    def __init__(
        self,
        path: Path,
        hold_writers: Callable[[], AbstractContextManager[None]],
        every: int = CHECKPOINT_EVERY,
    ) -> None:
        self._path = path
        self._hold_writers = hold_writers
        self._every = every
        self.commits = 0
        """Write commits of this store in this process."""
        self._done = threading.Condition()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._closed = False
        self.checkpoints = 0
        """Checkpoints run by this process's thread (for tests and diagnostics)."""

    def committed(self) -> None:
        """One write transaction committed; wakes the thread every `every`-th time.

        Never raises: the commit it follows stands whatever happens here."""
        self.commits += 1  # under the store's write lock: no race with another writer
        if self.commits % self._every == 0:
            try:
                self._start_if_needed()
            except RuntimeError:  # no thread to be had: the WAL grows until one starts
                log.exception("cannot start the WAL checkpoint thread of %s", self._path)
                return
            self._wake.set()

    def wait_for(self, checkpoints: int, timeout: float) -> bool:
        """Block until this process has run `checkpoints` checkpoints (False on timeout)."""
        with self._done:
            return self._done.wait_for(lambda: self.checkpoints >= checkpoints, timeout)

    def close(self) -> None:
        """Stop the thread (after the checkpoint it may be running)."""
        self._closed = True
        thread = self._thread
        self._wake.set()
        if thread is not None and self._pid == os.getpid():
            thread.join()
        self._thread = None

    def _start_if_needed(self) -> None:
        if (self._thread is not None and self._pid == os.getpid()) or self._closed:
            return
        if str(self._path) == ":memory:":
            return
        self._pid = os.getpid()
        self._wake = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(self._wake,), name="wal-checkpoint", daemon=True
        )
        self._thread.start()

    def _run(self, wake: threading.Event) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            while True:
                wake.wait()
                wake.clear()
                if self._closed:
                    return
                try:
                    self._checkpoint(conn)
                except sqlite3.Error:
                    # The next wake-up tries again; the WAL only grows meanwhile.
                    log.exception("WAL checkpoint of %s failed", self._path)
                    continue
                with self._done:
                    self.checkpoints += 1
                    self._done.notify_all()
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        """The two passes of the module's docstring."""
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        with self._hold_writers():
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
