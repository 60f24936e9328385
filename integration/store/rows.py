"""How the store writes times, and the one value of its own it hands out: an outbox row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime


def ts(when: datetime) -> str:
    """A sortable UTC text timestamp for the database."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def from_ts(text: str | None) -> datetime | None:
    """Read a timestamp written by `ts` (None for a column left empty)."""
    return datetime.fromisoformat(text) if text else None


def at_ts(text: str) -> datetime:
    """Read a timestamp written by `ts` into a column that is never empty."""
    return datetime.fromisoformat(text)


def from_date(text: str | None) -> date | None:
    """Read an ISO date (None for a column left empty)."""
    return date.fromisoformat(text) if text else None


@dataclass(frozen=True, kw_only=True)
class OutboxRow:
    """One outgoing message as stored."""

    id: int
    msg_id: str
    ordering_key: str
    kommunekode: str
    operation: str
    payload: str
    state: str
    attempts: int
    not_before: datetime
    created: datetime
    sent_at: datetime | None = None
    last_error: str | None = None
    fault_code: str | None = None
    fault_text: str | None = None
