"""Call ids (CallersServiceCallIdentifier replay, `simulators.replay`).

One row per state-changing SOAP call: its scope (municipality, service, calling user
system), the caller's call id, the hash of the decoded request and the answer sent,
verbatim. Written in the ledger change's own transaction; emptied by `reset`.

Bounded by age and count (`SimConfig.call_id_retention`, `call_id_max_rows`): the look-up
of a call (`fresh_call`) sees only records inside both bounds, so a record is forgotten
the moment it leaves them; the rows themselves are deleted in batches, when a new record's
id is a multiple of `PRUNE_EVERY` (`record_call`), instead of three statements on every
call. The table so holds at most `call_id_max_rows` + `PRUNE_EVERY` rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from simulators.store.sql import SqlTx, us

PRUNE_EVERY = 128
"""Forgotten call records are deleted when a new record's id is a multiple of this."""

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

    def fresh_call(self, key: CallKey, older_than: datetime, keep_rows: int) -> RecordedCall | None:
        """The call recorded under this scope and call id, unless it is forgotten: recorded
        before `older_than`, or not among the newest `keep_rows` records. A forgotten record
        still stored is deleted here, so the id can be recorded again."""
        row = self._one(
            "SELECT operation, digest, answer,"
            " recorded_us >= ? AND id > (SELECT MAX(id) FROM call_ids) - ? AS fresh"
            " FROM call_ids WHERE kommunekode = ? AND service = ? AND user_system = ?"
            " AND call_id = ?",
            (us(older_than), keep_rows, key.kommunekode, key.service, key.user_system, key.call_id),
        )
        if row is None:
            return None
        if not row["fresh"]:
            self._c.execute(
                "DELETE FROM call_ids WHERE kommunekode = ? AND service = ? AND user_system = ?"
                " AND call_id = ?",
                (key.kommunekode, key.service, key.user_system, key.call_id),
            )
            return None
        return RecordedCall(operation=row["operation"], digest=row["digest"], answer=row["answer"])

    def record_call(
        self,
        key: CallKey,
        call: RecordedCall,
        recorded: datetime,
        prune: tuple[datetime, int] | None = None,
    ) -> None:
        """Record a call id with its content hash and answer. With `prune` (older_than,
        keep_rows), every `PRUNE_EVERY`-th record also deletes the forgotten ones."""
        new_id = self.insert_id(
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
        if prune is not None and new_id % PRUNE_EVERY == 0:
            self.prune_calls(*prune)

    def prune_calls(self, older_than: datetime, keep_rows: int) -> None:
        """Forget calls recorded before `older_than`, and all but the newest `keep_rows`."""
        self._c.execute("DELETE FROM call_ids WHERE recorded_us < ?", (us(older_than),))
        row = self._one("SELECT MAX(id) AS last FROM call_ids")
        if row is not None and row["last"] is not None:
            self._c.execute("DELETE FROM call_ids WHERE id <= ?", (int(row["last"]) - keep_rows,))
