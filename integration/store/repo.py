"""The SQL both backends share: every concern's statements on one connection."""

from __future__ import annotations

from integration.store.base import ConnT
from integration.store.events import EventSql
from integration.store.fees import FeeSql
from integration.store.outbox import OutboxSql
from integration.store.schema import RESET_TABLES


class SqlRepo(FeeSql[ConnT], EventSql[ConnT], OutboxSql[ConnT]):
    """All reads and writes of the core in qmark SQL; a backend adds how it makes new ids."""

    def row_counts(self) -> dict[str, int]:
        """Rows per table (what `reset` would remove)."""
        return {
            table: int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            for table in RESET_TABLES
        }

    def reset(self) -> dict[str, int]:
        """Delete every row of every table (the schema stays); rows removed per table.

        Children before parents (fees refer to patrons).
        """
        return {
            table: max(0, int(self.conn.execute(f"DELETE FROM {table}").rowcount or 0))
            for table in RESET_TABLES
        }
