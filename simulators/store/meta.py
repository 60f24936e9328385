"""Settings (the ``meta`` table: clock state, instance id) and the municipalities'
persisted overrides (``tenant_overrides``)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from simulators.store.sql import SqlTx

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS tenant_overrides (
    kommunekode TEXT PRIMARY KEY,
    data TEXT NOT NULL
)""",
)

PEEK_META = "SELECT value FROM meta WHERE key = ?"
"""One setting, read outside a transaction (the shared virtual clock, on every request)."""


class MetaSql(SqlTx):
    """Settings and tenant overrides."""

    def get_meta(self, key: str) -> str | None:
        """A stored setting, or None."""
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        self._c.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def instance_id(self) -> str:
        """A random id of this database's life (renewed by reset); salts event ids."""
        value = self.get_meta("instance_id")
        if value is None:
            value = str(uuid.uuid4())
            self.set_meta("instance_id", value)
        return value

    # -- tenants ------------------------------------------------------------
    def tenant_overrides(self) -> dict[str, dict[str, Any]]:
        """Persisted overrides by municipality."""
        rows = self._c.execute("SELECT kommunekode, data FROM tenant_overrides")
        return {r["kommunekode"]: json.loads(r["data"]) for r in rows}

    def set_tenant_override(self, kommunekode: str, data: dict[str, Any]) -> None:
        """Replace one municipality's overrides (an empty dict removes them)."""
        if not data:
            self._c.execute("DELETE FROM tenant_overrides WHERE kommunekode = ?", (kommunekode,))
            return
        self._c.execute(
            "INSERT INTO tenant_overrides (kommunekode, data) VALUES (?, ?) "
            "ON CONFLICT (kommunekode) DO UPDATE SET data = excluded.data",
            (kommunekode, json.dumps(data, sort_keys=True)),
        )
