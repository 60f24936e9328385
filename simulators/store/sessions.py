"""Logged-in citizens of the payment pages (`simulators.payments.sessions`).

One row per session: the SHA-256 of its token (the token itself is never stored), the
municipality and the CPR number. Not saved in snapshots; emptied when one is loaded.
"""

from __future__ import annotations

from simulators.store.sql import SqlTx

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS payment_sessions (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        kommunekode TEXT NOT NULL,
        cpr_nummer TEXT NOT NULL)""",
)


class SessionsSql(SqlTx):
    """Open, find and close payment-page sessions."""

    def open_session(self, token_hash: str, kommunekode: str, cpr: str, keep: int) -> None:
        """Store a session, and forget all but the newest `keep`."""
        new_id = self.insert_id(
            "INSERT INTO payment_sessions (token_hash, kommunekode, cpr_nummer) VALUES (?, ?, ?)",
            (token_hash, kommunekode, cpr),
        )
        self._c.execute("DELETE FROM payment_sessions WHERE id <= ?", (new_id - keep,))

    def session(self, token_hash: str) -> tuple[str, str] | None:
        """The (kommunekode, CPR) of a session, or None."""
        row = self._one(
            "SELECT kommunekode, cpr_nummer FROM payment_sessions WHERE token_hash = ?",
            (token_hash,),
        )
        return (str(row["kommunekode"]), str(row["cpr_nummer"])) if row else None

    def close_session(self, token_hash: str) -> None:
        """Forget a session."""
        self._c.execute("DELETE FROM payment_sessions WHERE token_hash = ?", (token_hash,))
