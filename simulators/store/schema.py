"""Every table of the simulators' store, in one list, created when the store opens.

Each concern module keeps its own tables' DDL next to its SQL; this module puts them
together, so a backend creates them all at once (SQLite ``executescript``, PostgreSQL
`pgsupport.create_schema`), and no table is made later on first use. The DDL is
SQLite's; the PostgreSQL backend translates it (`pgsupport.pg_ddl`).
"""

from __future__ import annotations

from simulators.store import calls, faults, jobs, journal, ledger, meta, sessions, time

SCHEMA: tuple[str, ...] = (
    *meta.SCHEMA,
    *ledger.SCHEMA,
    *jobs.SCHEMA,
    *journal.SCHEMA,
    *faults.SCHEMA,
    *calls.SCHEMA,
    *time.SCHEMA,
    *sessions.SCHEMA,
)
"""The statements creating every table and index (``IF NOT EXISTS``: safe on every open).
Columns newer than their table are added by the backends on open
(`simulators.store.journal.JOURNAL_ADDED_COLUMNS`)."""

RESET: tuple[str, ...] = (
    "claims",
    "accounts",
    "idempotency",
    "events",
    "jobs",
    "journal",
    "tenant_overrides",
    "call_ids",
    "meta",
)
"""What an admin reset empties, in this order (claims before the accounts they reference).
Fault rules are not data and stay; the time tables follow the new instance id
(`simulators.store.time`); payment sessions stay."""

COUNTABLE = frozenset({"accounts", "claims", "events", "jobs", "journal"})
"""Tables `Tx.count` counts (and ``pending_jobs``)."""


def script() -> str:
    """`SCHEMA` as one SQL script."""
    return ";\n".join(SCHEMA) + ";\n"
