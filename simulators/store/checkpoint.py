"""The WAL's checkpoints, on a thread of their own instead of inside a writer's COMMIT.

SQLite's automatic checkpoint runs in the COMMIT that takes the WAL past 1,000 pages: that
writer copies every page back into the database file and syncs it while it still holds
the write lock, so every other writer of every process waits for it (every ~60 claims,
milliseconds each). The store switches it off on its connections (``PRAGMA
wal_autocheckpoint = 0``) and counts its write commits; every `every`-th wakes this
checkpointer, which runs a PASSIVE checkpoint on its own connection. A passive checkpoint
takes no write lock: writers go on while it copies, and the next writer after a complete
one starts the WAL from its beginning again, so the file stays bounded.

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
from pathlib import Path

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 64
"""Write commits between two checkpoints: ~1,000 WAL pages at ~16 pages per claim, the
amount SQLite's own automatic checkpoint waits for."""


class WalCheckpointer:
    """Runs ``PRAGMA wal_checkpoint(PASSIVE)`` on its own thread every `every` commits.

    The thread starts at the first checkpoint due in this process (a store opened before
    a fork, as gunicorn's workers may inherit it, gets a thread in each child)."""

    def __init__(self, path: Path, every: int = CHECKPOINT_EVERY) -> None:
        self._path = path
        self._every = every
        self.commits = 0
        """Write commits of this store in this process."""
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
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
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    # The next wake-up tries again; the WAL only grows meanwhile.
                    log.exception("WAL checkpoint of %s failed", self._path)
                    continue
                with self._done:
                    self.checkpoints += 1
                    self._done.notify_all()
        finally:
            conn.close()
