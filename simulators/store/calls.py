"""Call ids (CallersServiceCallIdentifier replay, `simulators.replay`).

One row per state-changing SOAP call: its scope (municipality, service, calling user
system), the caller's call id, the hash of the decoded request and the answer sent,
verbatim. Written in the ledger change's own transaction; emptied by `reset`; pruned by
age and count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from simulators.store.sql import SqlTx, us

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS call_ids (
    id INTEGER PRIMARY KEY,
    kommunekode TEXT NOT NULL,
    service TEXT NOT NULL,
    user_system TEXT NOT NULL,
    call_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    digest TEXT NOT NULL,
    answer TEXT NOT NULL,
    recorded_us INTEGER NOT NULL,
    UNIQUE (kommunekode, service, user_system, call_id)
)""",
    """CREATE INDEX IF NOT EXISTS call_ids_recorded ON call_ids (recorded_us)""",
)


@dataclass(frozen=True, slots=True)
class CallKey:
    """Whose call id this is: a call id is unique per municipality, service and user system."""

    kommunekode: str
    service: str
    user_system: str
    call_id: str


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """A state-changing call as recorded: its operation, content hash and the answer sent."""

    operation: str
    digest: str
    answer: str


class CallsSql(SqlTx):
    """Record call ids and find them again."""

    def recorded_call(self, key: CallKey) -> RecordedCall | None:
        """The call recorded under this scope and call id, or None."""
        row = self._one(
            "SELECT operation, digest, answer FROM call_ids WHERE kommunekode = ?"
            " AND service = ? AND user_system = ? AND call_id = ?",
            (key.kommunekode, key.service, key.user_system, key.call_id),
        )
        if row is None:
            return None
        return RecordedCall(operation=row["operation"], digest=row["digest"], answer=row["answer"])

    def record_call(self, key: CallKey, call: RecordedCall, recorded: datetime) -> None:
        """Record a call id with its content hash and answer."""
        self._c.execute(
            "INSERT INTO call_ids (kommunekode, service, user_system, call_id, operation, digest,"
            " answer, recorded_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key.kommunekode,
                key.service,
                key.user_system,
                key.call_id,
                call.operation,
                call.digest,
                call.answer,
                us(recorded),
            ),
        )

    def prune_calls(self, older_than: datetime, keep_rows: int) -> None:
        """Forget calls recorded before `older_than`, and all but the newest `keep_rows`."""
        self._c.execute("DELETE FROM call_ids WHERE recorded_us < ?", (us(older_than),))
        row = self._one("SELECT MAX(id) AS last FROM call_ids")
        if row is not None and row["last"] is not None:
            self._c.execute("DELETE FROM call_ids WHERE id <= ?", (int(row["last"]) - keep_rows,))
