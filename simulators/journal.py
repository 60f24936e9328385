"""The bounded request journal: every SOAP call, its verdict and the fault given.

Queryable by municipality, operation, verdict and fault code, so a vendor sees
exactly why a message was refused. It keeps only the newest `max_rows` calls,
and can be switched off. CPR numbers are masked before anything is stored.
"""

from __future__ import annotations

import re
from typing import Any

from oeir.identifiers import mask_cprs_in_text
from simulators.ledger import Clock
from simulators.store.base import JournalEntry, Store

MAX_STORED_CHARS = 64 * 1024
_CPR_ELEMENT = re.compile(r"(<(?:[\w.-]+:)?CPRNummer(?:\s[^>]*)?>)([^<]*)(<)")


def mask_message(data: bytes | str) -> str:
    """The message as text, truncated, with every CPR number masked.

    Masks valid CPR numbers anywhere, and the content of any CPRNummer element even
    when it is not a valid CPR number (it may still be one with a typo).
    """
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    if len(text) > MAX_STORED_CHARS:
        text = text[:MAX_STORED_CHARS] + "…[truncated]"
    text = _CPR_ELEMENT.sub(lambda m: f"{m.group(1)}{m.group(2)[:6]}-****{m.group(3)}", text)
    return mask_cprs_in_text(text)


class Journal:
    """Records SOAP calls into the store, bounded to `max_rows`."""

    def __init__(self, store: Store, clock: Clock, *, enabled: bool = True, max_rows: int = 10_000):
        self.store = store
        self.clock = clock
        self.enabled = enabled
        self.max_rows = max(1, max_rows)

    def record(
        self,
        *,
        service: str,
        operation: str | None,
        kommunekode: str | None,
        verdict: str,
        fejlkode: str | None,
        felt: str | None,
        http_status: int,
        request: bytes | str,
        detail: str | None,
    ) -> int | None:
        """Record one call (no-op when disabled); returns the entry id."""
        if not self.enabled:
            return None
        entry = JournalEntry(
            id=0,
            tidspunkt=self.clock.now(),
            service=service,
            operation=operation,
            kommunekode=kommunekode,
            verdict=verdict,
            fejlkode=fejlkode,
            felt=mask_cprs_in_text(felt) if felt else None,
            http_status=http_status,
            request=mask_message(request),
            detail=mask_cprs_in_text(detail) if detail else None,
        )
        with self.store.transaction() as tx:
            return tx.add_journal(entry, self.max_rows)

    def query(
        self,
        *,
        kommunekode: str | None = None,
        operation: str | None = None,
        verdict: str | None = None,
        fejlkode: str | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> list[JournalEntry]:
        """Newest first, filtered; page with `before` (the last id seen)."""
        with self.store.read() as tx:
            return tx.journal(
                kommunekode=kommunekode,
                operation=operation,
                verdict=verdict,
                fejlkode=fejlkode,
                before=before,
                limit=max(1, min(limit, 1000)),
            )


def entry_as_dict(entry: JournalEntry, *, with_message: bool = True) -> dict[str, Any]:
    """A JSON-ready view of a journal entry."""
    data: dict[str, Any] = {
        "id": entry.id,
        "tidspunkt": entry.tidspunkt.isoformat(),
        "service": entry.service,
        "operation": entry.operation,
        "kommunekode": entry.kommunekode,
        "verdict": entry.verdict,
        "fejlkode": entry.fejlkode,
        "felt": entry.felt,
        "http_status": entry.http_status,
        "detail": entry.detail,
    }
    if with_message:
        data["request"] = entry.request
    return data
