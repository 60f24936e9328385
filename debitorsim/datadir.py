"""Start-up check of a data directory: an unusable one stops a command with one clear line.

SQLite needs to write in the directory itself (the database, its ``-wal`` and ``-shm``
files, the writers' lock file), not only in the database file. A read-only directory
or file used to surface as a traceback from deep inside the store
(``sqlite3.OperationalError: unable to open database file``); `require_writable`
finds it first and says what, where and how to fix it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

SIDE_FILES = ("", "-wal", "-shm", "-writelock")
"""What SQLite (and `simulators.store.sqlite`) writes next to a database file."""


class UnusableDataDir(Exception):
    """The data directory cannot hold the databases; `str()` is the one line to print."""


def require_writable(data_dir: str | Path, databases: Sequence[str] = ()) -> None:
    """Raise `UnusableDataDir` unless `data_dir` (created if missing) and the existing
    files of `databases` (file names in it) can be written."""
    where = Path(data_dir).absolute()
    culprit = ""
    try:
        where.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".debitorsim-probe-", dir=where)
        os.close(fd)
        os.unlink(probe)
        for name in databases:
            for suffix in SIDE_FILES:
                path = where / f"{name}{suffix}"
                if path.exists():
                    culprit = f" (file {path.name})"
                    path.open("r+b").close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UnusableDataDir(
            f"cannot write to the data directory {where}{culprit}: {reason}. "
            f"Make it writable (e.g. chmod -R u+w {where}) or pass --data-dir with a writable "
            "directory."
        ) from exc
