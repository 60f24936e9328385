"""Checksums of stored state, to prove a refused request changed nothing.

Both stores are SQLite files in WAL mode; a separate read-only connection sees
every committed row. The simulator's journal (which records every call by design)
and SQLite's own bookkeeping are left out.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

SKIP = frozenset({"journal", "sqlite_sequence", "sqlite_stat1"})


def sqlite_checksum(path: Path | str, skip: frozenset[str] = SKIP) -> str:
    """SHA-256 over every row of every table (in primary-key order), except `skip`."""
    digest = hashlib.sha256()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
            if name not in skip
        ]
        for table in tables:
            digest.update(f"\x00{table}\x00".encode())
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
                digest.update(repr(row).encode())
    return digest.hexdigest()


def row_counts(path: Path | str, skip: frozenset[str] = SKIP) -> dict[str, int]:
    """Rows per table (to show the checksum covers real data)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0]
            for n in names
            if n not in skip
        }
