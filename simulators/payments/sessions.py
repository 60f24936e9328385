"""Logged-in citizens of the payment pages, kept in the store (not in process memory).

Every gunicorn worker of the simulator sees the same sessions, so a browser may
land on any of them. The cookie holds only a random token; the table keeps the
token's SHA-256 (a copy of the database does not hand out live sessions), the
municipality and the CPR number (as the ledger's accounts already do), in
`simulators.store.sessions`. The table is bounded to the newest `limit` sessions.
"""

from __future__ import annotations

import hashlib
import secrets

from simulators.store.base import Store

MAX_SESSIONS = 10_000


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """Payment-page sessions by random token, in the simulator's store (bounded)."""

    def __init__(self, store: Store, limit: int = MAX_SESSIONS) -> None:
        self.store = store
        self.limit = max(1, limit)

    def open(self, kommunekode: str, cpr: str) -> str:
        """A new session; returns its token (for the cookie)."""
        token = secrets.token_urlsafe(24)
        with self.store.transaction() as tx:
            tx.open_session(_hash(token), kommunekode, cpr, self.limit)
        return token

    def cpr(self, token: str | None, kommunekode: str) -> str | None:
        """The CPR of a session in this municipality, or None."""
        if not token:
            return None
        with self.store.read() as tx:
            found = tx.session(_hash(token))
        if found is None or found[0] != kommunekode:
            return None
        return found[1]

    def close(self, token: str | None) -> None:
        """End a session."""
        if not token:
            return
        with self.store.transaction() as tx:
            tx.close_session(_hash(token))
