"""The request journal's table (`simulators.journal`, the verify API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulators.store.sql import SqlTx, us

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY,
    tidspunkt TEXT NOT NULL,
    service TEXT NOT NULL,
    operation TEXT,
    kommunekode TEXT,
    verdict TEXT NOT NULL,
    fejlkode TEXT,
    felt TEXT,
    http_status INTEGER NOT NULL,
    request TEXT NOT NULL,
    detail TEXT,
    tidspunkt_us INTEGER,
    response TEXT,
    near_miss TEXT
)""",
    """CREATE INDEX IF NOT EXISTS journal_kommune ON journal (kommunekode, id)""",
    """CREATE INDEX IF NOT EXISTS journal_operation ON journal (operation, id)""",
    """CREATE INDEX IF NOT EXISTS journal_verdict ON journal (verdict, id)""",
)

JOURNAL_ADDED_COLUMNS = (("tidspunkt_us", "INTEGER"), ("response", "TEXT"), ("near_miss", "TEXT"))
"""Journal columns newer than the table: added to a database made before them (verify API:
the virtual time as a number for time windows, the answer sent, the near-miss)."""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One SOAP call as the request journal records it (CPR already masked)."""

    id: int
    tidspunkt: datetime
    service: str
    operation: str | None
    kommunekode: str | None
    verdict: str  # ok | fault | injected (simulators.journal.VERDICTS)
    fejlkode: str | None
    felt: str | None
    http_status: int
    request: str
    detail: str | None
    response: str | None = None
    """The answer sent (CPR masked, truncated as the request); None when none was kept."""
    near_miss: str | None = None
    """For a call refused by routing, agreement or schema: JSON of the closest valid
    expectation and why the call missed it (`simulators.near_miss`)."""


@dataclass(frozen=True, slots=True)
class JournalFilter:
    """What the verify API narrows the journal to in SQL (every field optional, ANDed).

    `since` is inclusive, `until` exclusive, both on the virtual clock.
    """

    service: str | None = None
    operation: str | None = None
    kommunekode: str | None = None
    verdict: str | None = None
    fejlkode: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _journal(row: Any) -> JournalEntry:
    return JournalEntry(
        id=row["id"],
        tidspunkt=datetime.fromisoformat(row["tidspunkt"]),
        service=row["service"],
        operation=row["operation"],
        kommunekode=row["kommunekode"],
        verdict=row["verdict"],
        fejlkode=row["fejlkode"],
        felt=row["felt"],
        http_status=row["http_status"],
        request=row["request"],
        detail=row["detail"],
        response=row["response"],
        near_miss=row["near_miss"],
    )


JOURNAL_INSERT = (
    "INSERT INTO journal (tidspunkt, tidspunkt_us, service, operation, kommunekode, verdict,"
    " fejlkode, felt, http_status, request, detail, response, near_miss)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def journal_values(entry: JournalEntry) -> tuple[Any, ...]:
    """The values of `JOURNAL_INSERT` for one entry."""
    return (
        entry.tidspunkt.isoformat(),
        us(entry.tidspunkt),
        entry.service,
        entry.operation,
        entry.kommunekode,
        entry.verdict,
        entry.fejlkode,
        entry.felt,
        entry.http_status,
        entry.request,
        entry.detail,
        entry.response,
        entry.near_miss,
    )


def journal_where(where: JournalFilter, before: int | None = None) -> tuple[str, list[Any]]:
    """The ``WHERE`` clause (or "") and its arguments for a journal filter."""
    parts: list[str] = []
    args: list[Any] = []
    for column, value in (
        ("service", where.service),
        ("operation", where.operation),
        ("kommunekode", where.kommunekode),
        ("verdict", where.verdict),
        ("fejlkode", where.fejlkode),
    ):
        if value is not None:
            parts.append(f"{column} = ?")
            args.append(value)
    if where.since is not None:
        parts.append("tidspunkt_us >= ?")
        args.append(us(where.since))
    if where.until is not None:
        parts.append("tidspunkt_us < ?")
        args.append(us(where.until))
    if before is not None:
        parts.append("id < ?")
        args.append(before)
    return (f"WHERE {' AND '.join(parts)}" if parts else ""), args


class JournalSql(SqlTx):
    """Record calls and read them back, filtered."""

    def add_journal(self, entry: JournalEntry, max_rows: int) -> int:
        """Record a call, then drop the oldest rows beyond `max_rows`."""
        new_id = self.insert_id(JOURNAL_INSERT, journal_values(entry))
        self._c.execute("DELETE FROM journal WHERE id <= ?", (new_id - max_rows,))
        return new_id

    def journal(
        self,
        *,
        kommunekode: str | None,
        operation: str | None,
        verdict: str | None,
        fejlkode: str | None,
        before: int | None,
        limit: int,
    ) -> list[JournalEntry]:
        """Newest first, filtered."""
        where = JournalFilter(
            kommunekode=kommunekode, operation=operation, verdict=verdict, fejlkode=fejlkode
        )
        return self.journal_matching(where, before=before, limit=limit)

    def journal_matching(
        self, where: JournalFilter, *, before: int | None, limit: int
    ) -> list[JournalEntry]:
        """Newest first, those with id < `before` that pass `where`."""
        clause, args = journal_where(where, before)
        rows = self._c.execute(
            f"SELECT * FROM journal {clause} ORDER BY id DESC LIMIT ?", (*args, limit)
        )
        return [_journal(r) for r in rows]

    def journal_count(self, where: JournalFilter) -> int:
        """How many calls in the journal pass `where`."""
        clause, args = journal_where(where)
        row = self._one(f"SELECT COUNT(*) AS n FROM journal {clause}", args)
        return int(row["n"]) if row else 0

    def journal_counts(self, kommunekode: str | None) -> dict[str, int]:
        """Calls in the journal per verdict, of one municipality or all."""
        where, args = ("WHERE kommunekode = ?", (kommunekode,)) if kommunekode else ("", ())
        rows = self._c.execute(
            f"SELECT verdict, COUNT(*) AS n FROM journal {where} GROUP BY verdict", args
        )
        return {str(r["verdict"]): int(r["n"]) for r in rows}
