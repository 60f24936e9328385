"""Storage beneath the simulators' domain: the narrow interface and its backends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulators.store.base import Job, JournalEntry, Store, Tx
from simulators.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from simulators.config import SimConfig

__all__ = ["Job", "JournalEntry", "SqliteStore", "Store", "Tx", "open_store"]


def open_store(config: SimConfig) -> Store:
    """The store `config` names: PostgreSQL for a ``database_url``, else the SQLite file."""
    if config.database_url:
        from simulators.store.postgres import PgStore

        return PgStore(config.database_url)
    return SqliteStore(config.database_path, synchronous=config.synchronous)
