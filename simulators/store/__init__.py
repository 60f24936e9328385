"""Storage beneath the simulators' domain: the narrow interface and its SQLite backend."""

from simulators.store.base import Job, JournalEntry, Store, Tx
from simulators.store.sqlite import SqliteStore

__all__ = ["Job", "JournalEntry", "SqliteStore", "Store", "Tx"]
