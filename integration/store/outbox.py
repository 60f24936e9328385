"""The SQL of delivery: the outbox of messages to the debtor system, and the debtor accounts it learns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from integration.store.base import ConnT, SqlBase
from integration.store.rows import OutboxRow, at_ts, from_ts, ts

OUTBOX_COLUMNS = (
    "id, msg_id, ordering_key, kommunekode, operation, payload, state, attempts, "
    "not_before, created, sent_at, last_error, fault_code, fault_text"
)

CLAIMABLE = (
    f"SELECT {OUTBOX_COLUMNS} FROM outbox o WHERE o.state='pending' AND o.not_before<=? "
    "AND (o.lease_until IS NULL OR o.lease_until<=?) "
    "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.ordering_key=o.ordering_key "
    "AND p.id<o.id AND p.state!='sent' AND p.state!='skipped') "
    "ORDER BY o.not_before, o.id LIMIT ?"
)
"""Pending messages due at ``?`` (virtual), without a live lease at ``?`` (real), first in
line for their claim, at most ``?``: what `claim_due` reserves on either backend."""


def read_outbox_row(row: Sequence[Any]) -> OutboxRow:
    """An `OutboxRow` from a row of `OUTBOX_COLUMNS`."""
    return OutboxRow(
        id=row[0],
        msg_id=row[1],
        ordering_key=row[2],
        kommunekode=row[3],
        operation=row[4],
        payload=row[5],
        state=row[6],
        attempts=row[7],
        not_before=at_ts(row[8]),
        created=at_ts(row[9]),
        sent_at=from_ts(row[10]),
        last_error=row[11],
        fault_code=row[12],
        fault_text=row[13],
    )


class OutboxSql(SqlBase[ConnT]):
    """Outgoing messages and the debtor accounts known per municipality."""

    # --- debtor accounts ------------------------------------------------------

    def account(self, kommunekode: str, ident: str) -> str | None:
        """The debtor account number known for this debtor in this municipality."""
        row = self.conn.execute(
            "SELECT kontonummer FROM accounts WHERE kommunekode=? AND ident=?", (kommunekode, ident)
        ).fetchone()
        return row[0] if row else None

    def set_account(self, kommunekode: str, ident: str, kontonummer: str) -> None:
        """Remember a debtor account number."""
        self.conn.execute(
            "INSERT INTO accounts (kommunekode, ident, kontonummer) VALUES (?,?,?) "
            "ON CONFLICT(kommunekode, ident) DO UPDATE SET kontonummer=excluded.kontonummer",
            (kommunekode, ident, kontonummer),
        )

    def forget_account(self, kommunekode: str, ident: str) -> None:
        """Forget an account the debtor system says does not exist."""
        self.conn.execute(
            "DELETE FROM accounts WHERE kommunekode=? AND ident=?", (kommunekode, ident)
        )

    # --- outbox ----------------------------------------------------------------

    def enqueue(
        self,
        *,
        msg_id: str,
        ordering_key: str,
        kommunekode: str,
        operation: str,
        payload: str,
        now: datetime,
    ) -> int:
        """Add an outgoing message (call inside the transaction that changes the fee)."""
        return self._new_id(
            "INSERT INTO outbox (msg_id, ordering_key, kommunekode, operation, payload, "
            "not_before, created) VALUES (?,?,?,?,?,?,?)",
            (msg_id, ordering_key, kommunekode, operation, payload, ts(now), ts(now)),
            "id",
        )

    def claim_due(
        self, now: datetime, limit: int, *, lease_now: datetime, lease_until: datetime
    ) -> list[OutboxRow]:
        """Reserve up to `limit` messages due at `now` that are first in line for their claim.

        `now` is the core's (virtual) clock, for ``not_before``; `lease_now` and
        `lease_until` are real wall-clock time, for the lease: a lease left by a killed
        worker runs out in real time, even while virtual time stands still.
        A message waits while an earlier message for the same claim is not yet
        sent (pending or parked), which keeps each claim's messages in order;
        a parked message a person chose to skip no longer holds the others.
        Call inside a write transaction (``BEGIN IMMEDIATE``) so that two
        workers never reserve the same row.
        """
        rows = self.conn.execute(CLAIMABLE, (ts(now), ts(lease_now), limit)).fetchall()
        if rows:
            self.conn.executemany(
                "UPDATE outbox SET lease_until=? WHERE id=?",
                [(ts(lease_until), r[0]) for r in rows],
            )
        return [read_outbox_row(r) for r in rows]

    def renew_lease(self, row_ids: Sequence[int], held: datetime, until: datetime) -> list[int]:
        """Extend a lease to `until` on the rows still held under it; returns their ids.

        `held` is the ``lease_until`` the caller stamped: a lease's fencing token, since a
        worker can only take a row whose lease ran out and stamps a later one. A row that
        another worker took (or already delivered) since is not renewed: the caller lost it.
        """
        renewed = []
        for row_id in row_ids:
            cur = self.conn.execute(
                "UPDATE outbox SET lease_until=? WHERE id=? AND state='pending' AND lease_until=?",
                (ts(until), row_id, ts(held)),
            )
            if cur.rowcount == 1:
                renewed.append(row_id)
        return renewed

    # The outcome of a send is recorded only by the worker that still holds the row's lease
    # (`held`, the lease_until it stamped): a late answer to a worker whose lease ran out
    # must not overwrite what the worker that took the row over recorded. False: not held.

    def mark_sent(self, row_id: int, now: datetime, *, held: datetime) -> bool:
        """The debtor system took the message."""
        cur = self.conn.execute(
            "UPDATE outbox SET state='sent', sent_at=?, lease_until=NULL, attempts=attempts+1 "
            "WHERE id=? AND state='pending' AND lease_until=?",
            (ts(now), row_id, ts(held)),
        )
        return cur.rowcount == 1

    def mark_retry(self, row_id: int, not_before: datetime, error: str, *, held: datetime) -> bool:
        """A technical fault: try again at `not_before`."""
        cur = self.conn.execute(
            "UPDATE outbox SET attempts=attempts+1, not_before=?, lease_until=NULL, last_error=? "
            "WHERE id=? AND state='pending' AND lease_until=?",
            (ts(not_before), error[:1000], row_id, ts(held)),
        )
        return cur.rowcount == 1

    def mark_parked(self, row_id: int, code: str, text: str, *, held: datetime) -> bool:
        """A business fault: stop, and keep the readable reason for a person to act on."""
        cur = self.conn.execute(
            "UPDATE outbox SET state='parked', attempts=attempts+1, lease_until=NULL, "
            "fault_code=?, fault_text=?, last_error=? "
            "WHERE id=? AND state='pending' AND lease_until=?",
            (code, text[:1000], f"{code}: {text}"[:1000], row_id, ts(held)),
        )
        return cur.rowcount == 1

    def requeue(self, row_id: int, now: datetime) -> bool:
        """Put a parked message back in line (after a person fixed the cause)."""
        cur = self.conn.execute(
            "UPDATE outbox SET state='pending', not_before=?, fault_code=NULL, fault_text=NULL "
            "WHERE id=? AND state='parked'",
            (ts(now), row_id),
        )
        return cur.rowcount == 1

    def skip(self, row_id: int) -> bool:
        """Give up on a parked message (a person decided); later ones of its claim may go."""
        cur = self.conn.execute(
            "UPDATE outbox SET state='skipped' WHERE id=? AND state='parked'", (row_id,)
        )
        return cur.rowcount == 1

    def outbox_rows(self, state: str | None = None, limit: int = 500) -> list[OutboxRow]:
        """Messages, newest first, optionally of one state."""
        if state:
            rows = self.conn.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state=? ORDER BY id DESC LIMIT ?",
                (state, limit),
            )
        else:
            rows = self.conn.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id DESC LIMIT ?", (limit,)
            )
        return [read_outbox_row(r) for r in rows]

    def outbox_row(self, row_id: int) -> OutboxRow | None:
        """One message by its row id."""
        row = self.conn.execute(
            f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id=?", (row_id,)
        ).fetchone()
        return read_outbox_row(row) if row else None

    def outbox_counts(self) -> dict[str, int]:
        """How many messages are pending, sent, parked and skipped."""
        counts = {"pending": 0, "sent": 0, "parked": 0, "skipped": 0}
        for state, n in self.conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state"):
            counts[state] = n
        return counts

    def next_due(self) -> datetime | None:
        """When the earliest pending message becomes due."""
        row = self.conn.execute(
            "SELECT MIN(not_before) FROM outbox WHERE state='pending'"
        ).fetchone()
        return from_ts(row[0]) if row and row[0] else None
