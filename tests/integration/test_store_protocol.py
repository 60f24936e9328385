"""The SQLite store is what the core is written against (`Store`, `Repo`), and opening it
creates every table of the one schema list."""

from __future__ import annotations

from pathlib import Path

from integration.store import RESET_TABLES, Repo, SqliteStore, Store
from integration.store.schema import TABLES


def test_the_sqlite_store_hands_out_repos_for_writes_and_reads(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "core.sqlite3")
    assert isinstance(store, Store)
    with store.tx() as repo:
        assert isinstance(repo, Repo)
    with store.read() as repo:
        assert isinstance(repo, Repo)
    store.close()


def test_opening_a_store_creates_every_table_of_the_schema_list(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "core.sqlite3")
    with store.read() as repo:
        names = {
            row[0] for row in repo.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    store.close()
    assert {table.name for table in TABLES} <= names
    assert sorted(RESET_TABLES) == sorted(table.name for table in TABLES)
