"""Every table of the core, in one list: what both backends create when a store opens.

The DDL is SQLite's; the PostgreSQL store translates it (`pgsupport.pg_ddl`).
Parents come before their children, so the list read backwards is an order in
which rows can be deleted (`RESET_TABLES`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    """One table and its indexes."""

    name: str
    ddl: str
    """``CREATE TABLE`` and ``CREATE INDEX`` statements, each ending in ``;``."""


TABLES: tuple[Table, ...] = (
    Table(
        "patrons",
        """
CREATE TABLE IF NOT EXISTS patrons (
    patron_id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id TEXT NOT NULL,
    cpr TEXT, cvr TEXT, name TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS patrons_cpr ON patrons(agency_id, cpr) WHERE cpr IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS patrons_cvr ON patrons(agency_id, cvr) WHERE cvr IS NOT NULL;
""",
    ),
    Table(
        "fees",
        """
CREATE TABLE IF NOT EXISTS fees (
    fee_id INTEGER PRIMARY KEY AUTOINCREMENT,
    fordring_id TEXT UNIQUE,
    agency_id TEXT NOT NULL, kommunekode TEXT NOT NULL,
    patron_id INTEGER NOT NULL REFERENCES patrons(patron_id),
    type TEXT NOT NULL, reason_message TEXT NOT NULL,
    amount INTEGER NOT NULL, written_down INTEGER NOT NULL DEFAULT 0,
    creation_date TEXT NOT NULL, due_date TEXT NOT NULL, last_timely_date TEXT NOT NULL,
    skriftligt_anerkendt INTEGER NOT NULL, materials TEXT NOT NULL,
    daekket INTEGER NOT NULL DEFAULT 0, afskrevet INTEGER NOT NULL DEFAULT 0,
    nedreguleret INTEGER NOT NULL DEFAULT 0,
    paid_date TEXT, cancelled_at TEXT, handed_over_at TEXT, overdraget_status TEXT,
    status TEXT NOT NULL DEFAULT 'open'
);
CREATE INDEX IF NOT EXISTS fees_patron ON fees(patron_id, kommunekode);
CREATE INDEX IF NOT EXISTS fees_kommune ON fees(kommunekode);
""",
    ),
    Table(
        "accounts",
        """
CREATE TABLE IF NOT EXISTS accounts (
    kommunekode TEXT NOT NULL, ident TEXT NOT NULL, kontonummer TEXT NOT NULL,
    PRIMARY KEY (kommunekode, ident)
);
""",
    ),
    Table(
        "block_periods",
        """
CREATE TABLE IF NOT EXISTS block_periods (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patron_id INTEGER NOT NULL, kommunekode TEXT NOT NULL,
    started TEXT NOT NULL, ended TEXT
);
CREATE INDEX IF NOT EXISTS block_patron ON block_periods(patron_id);
""",
    ),
    Table(
        "haendelser",
        """
CREATE TABLE IF NOT EXISTS haendelser (
    haendelse_id TEXT PRIMARY KEY,
    fordring_id TEXT, art TEXT NOT NULL, beloeb INTEGER NOT NULL DEFAULT 0,
    dato TEXT NOT NULL, ref TEXT, status TEXT, received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS haendelser_fordring ON haendelser(fordring_id);
""",
    ),
    Table(
        "outbox",
        """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    msg_id TEXT NOT NULL UNIQUE,
    ordering_key TEXT NOT NULL,
    kommunekode TEXT NOT NULL,
    operation TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before TEXT NOT NULL,
    lease_until TEXT,
    created TEXT NOT NULL,
    sent_at TEXT,
    last_error TEXT, fault_code TEXT, fault_text TEXT
);
CREATE INDEX IF NOT EXISTS outbox_key ON outbox(ordering_key, id) WHERE state != 'sent';
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(not_before, id) WHERE state = 'pending';
""",
    ),
)
"""The core's tables, parents first."""

SCHEMA = "".join(table.ddl for table in TABLES)
"""The whole schema as one script (idempotent: ``IF NOT EXISTS`` throughout)."""

RESET_TABLES = tuple(table.name for table in reversed(TABLES))
"""Every table of the core, children first: an order `Repo.reset` can delete them in."""
