"""Logged-in citizens of the payment pages, kept in the store (not in process memory).

Every gunicorn worker of the simulator sees the same sessions, so a browser may
land on any of them. The cookie holds only a random token; the table keeps the
token's SHA-256 (a copy of the database does not hand out live sessions), the
municipality and the CPR number (as the ledger's accounts already do). The
table is bounded to the newest `limit` sessions.
"""

from __future__ import annotations

import hashlib
import secrets

from simulators.store.base import Store

MAX_SESSIONS = 10_000

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS payment_sessions (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        kommunekode TEXT NOT NULL,
        cpr_nummer TEXT NOT NULL)""",
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """Payment-page sessions by random token, in the simulator's store (bounded)."""

    def __init__(self, store: Store, limit: int = MAX_SESSIONS) -> None:
        self.store = store
        self.limit = max(1, limit)
        with store.transaction() as tx:
            if not tx.has_table("payment_sessions"):
                for statement in SCHEMA:
                    tx.sql().execute(statement)

    def open(self, kommunekode: str, cpr: str) -> str:
        """A new session; returns its token (for the cookie)."""
        token = secrets.token_urlsafe(24)
        with self.store.transaction() as tx:
            c = tx.sql()
            row = c.execute(
                "INSERT INTO payment_sessions (token_hash, kommunekode, cpr_nummer)"
                " VALUES (?, ?, ?) RETURNING id",
                (_hash(token), kommunekode, cpr),
            ).fetchone()
            c.execute("DELETE FROM payment_sessions WHERE id <= ?", (int(row["id"]) - self.limit,))
        return token

    def cpr(self, token: str | None, kommunekode: str) -> str | None:
        """The CPR of a session in this municipality, or None."""
        if not token:
            return None
        with self.store.read() as tx:
            row = (
                tx.sql()
                .execute(
                    "SELECT kommunekode, cpr_nummer FROM payment_sessions WHERE token_hash = ?",
                    (_hash(token),),
                )
                .fetchone()
            )
        if row is None or row["kommunekode"] != kommunekode:
            return None
        cpr: str = row["cpr_nummer"]
        return cpr

    def close(self, token: str | None) -> None:
        """End a session."""
        if not token:
            return
        with self.store.transaction() as tx:
            tx.sql().execute("DELETE FROM payment_sessions WHERE token_hash = ?", (_hash(token),))
