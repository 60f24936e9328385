"""The bounded request journal: every SOAP call, its verdict, the fault and the answer given.

Queryable by municipality, operation, verdict and fault code, so a vendor sees
exactly why a message was refused (with a near-miss: the closest valid expectation,
`simulators.near_miss`), and what was answered. It keeps only the newest `max_rows`
calls, and can be switched off. CPR numbers are masked before anything is stored,
in the request and in the response alike.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections import deque
from datetime import datetime
from typing import Any, NamedTuple

from oeir.identifiers import mask_cprs_in_text
from simulators.ledger import Clock
from simulators.store.base import JournalEntry, JournalFilter, Store

log = logging.getLogger(__name__)

MAX_STORED_CHARS = 64 * 1024
VERDICTS = ("ok", "fault", "injected")
"""A call's verdict: answered normally, refused with a fault, or a fault rule's injected fault."""
_CPR_ELEMENT = re.compile(r"(<(?:[\w.-]+:)?CPRNummer(?:\s[^>]*)?>)([^<]*)(<)")
_CHAR_REF = re.compile(r"&#(x[0-9a-fA-F]{1,8}|[0-9]{1,10});")
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
# Comments and PIs between two digits are nothing to an XML reader: 010190<!---->1234
# is the CPR number 0101901234 to the codec, so it must be one to the masking too.
_GLUE = re.compile(r"(?<=[0-9-])(?:<!--.*?-->|<\?.*?\?>)+(?=[0-9-])", re.DOTALL)


def _digit_of_ref(m: re.Match[str]) -> str:
    ref = m.group(1)
    code = int(ref[1:], 16) if ref[0] == "x" else int(ref)
    return chr(code) if code < 128 and chr(code) in "0123456789-" else m.group(0)


def _cdata_as_text(m: re.Match[str]) -> str:
    return m.group(1).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def decode_digits(text: str) -> str:
    """`text` (XML) with digits written the way an XML reader reads them, same meaning.

    Character references to a digit or dash (``&#48;``) become the character, CDATA
    sections become escaped text, and comments and PIs between two digits go, so a
    CPR number hidden in any of these forms is plain digits that masking finds.
    """
    if "&#" in text:
        text = _CHAR_REF.sub(_digit_of_ref, text)
    if "<![CDATA[" in text:
        text = _CDATA.sub(_cdata_as_text, text)
    # The XML declaration opens almost every message: a PI at 0 is between no two digits.
    if "<!--" in text or text.find("<?", 1) != -1:
        text = _GLUE.sub("", text)
    return text


def mask_message(data: bytes | str) -> str:
    """The message as text, truncated, with every CPR number masked.

    Masks valid CPR numbers anywhere, also when written as character references or
    split by a comment (`decode_digits`), and the content of any CPRNummer element
    even when it is not a valid CPR number (it may still be one with a typo).
    """
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    if len(text) > MAX_STORED_CHARS:
        text = text[:MAX_STORED_CHARS] + "…[truncated]"
    text = decode_digits(text)
    if "CPRNummer" in text:
        text = mask_cpr_elements(text)
    return mask_cprs_in_text(text)


def mask_cpr_elements(text: str) -> str:
    """The content of every CPRNummer element in `text` cut to six characters and a mask.

    What ``_CPR_ELEMENT.sub`` gives, with the pattern tried only where an element can start:
    at the last "<" before each "CPRNummer" (a prefix between them has none), not at every
    "<" of the message.
    """
    parts: list[str] = []
    done = 0
    at = text.find("CPRNummer")
    while at >= 0:
        start = text.rfind("<", done, at)
        m = _CPR_ELEMENT.match(text, start) if start >= 0 else None
        if m is None:
            at = text.find("CPRNummer", at + 1)
            continue
        parts += (text[done:start], f"{m.group(1)}{m.group(2)[:6]}-****{m.group(3)}")
        done = m.end()
        at = text.find("CPRNummer", done)
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)


class _Call(NamedTuple):
    """One call as `Journal.record` queues it: unmasked, for the writer to mask and store.

    A tuple, not a `JournalEntry`: the writer builds the masked entry once (a frozen
    dataclass is costly to build, and the recording SOAP call waits for it)."""

    tidspunkt: datetime
    service: str
    operation: str | None
    kommunekode: str | None
    verdict: str
    fejlkode: str | None
    felt: str | None
    http_status: int
    request: bytes | str
    detail: str | None
    response: bytes | str | None
    near_miss: str | None


class Journal:
    """Records SOAP calls into the store, bounded to `max_rows`.

    `record` only queues the call: one background thread masks and writes the queued
    calls in batches, one short write transaction per batch, so a SOAP call (a read
    above all) never takes SQLite's write lock for its journal row. `query` and
    `flush` wait for the queue to drain, so a reader always sees every call made.
    """

    QUEUE_LIMIT = 10_000
    BATCH = 500
    LINGER = 0.05

    def __init__(self, store: Store, clock: Clock, *, enabled: bool = True, max_rows: int = 10_000):
        self.store = store
        self.clock = clock
        self.enabled = enabled
        self.max_rows = max(1, max_rows)
        self._queue: deque[_Call] = deque()
        self._cv = threading.Condition()
        self._writing = False
        self._urgent = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._pid = 0

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
        response: bytes | str | None = None,
        near_miss: str | None = None,
    ) -> None:
        """Queue one call for the journal (no-op when disabled); CPR masked before storing.

        `response` is the body answered (None: nothing was answered, e.g. a dropped
        connection); `near_miss` the JSON of `simulators.near_miss.explain`.
        """
        if not self.enabled:
            return
        call = _Call(
            self.clock.now(),
            service,
            operation,
            kommunekode,
            verdict,
            fejlkode,
            felt,
            http_status,
            request,
            detail,
            response,
            near_miss,
        )
        with self._cv:
            if self._closed:
                self._write([call])
                return
            self._ensure_writer()
            # Back-pressure instead of unbounded memory when the writer falls behind.
            self._cv.wait_for(lambda: len(self._queue) < self.QUEUE_LIMIT, timeout=30)
            self._queue.append(call)
            if len(self._queue) in (1, self.BATCH):
                self._cv.notify_all()

    def _ensure_writer(self) -> None:
        # A thread started before a fork (gunicorn --preload) does not exist in the child.
        if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="journal-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cv:
                self._cv.wait_for(lambda: bool(self._queue) or self._closed)
                # Let a batch gather: one commit per LINGER, not one per call.
                self._cv.wait_for(
                    lambda: len(self._queue) >= self.BATCH or self._urgent or self._closed,
                    timeout=self.LINGER,
                )
                if not self._queue:
                    return
                batch = [self._queue.popleft() for _ in range(min(self.BATCH, len(self._queue)))]
                self._urgent = self._urgent and bool(self._queue)
                self._writing = True
                self._cv.notify_all()
            try:
                self._write(batch)
            except Exception:  # the journal must never take the simulator down
                log.exception("journal: %d calls not recorded", len(batch))
            finally:
                with self._cv:
                    self._writing = False
                    self._cv.notify_all()

    def _write(self, batch: list[_Call]) -> None:
        masked = [
            JournalEntry(
                id=0,
                tidspunkt=c.tidspunkt,
                service=c.service,
                operation=c.operation,
                kommunekode=c.kommunekode,
                verdict=c.verdict,
                fejlkode=c.fejlkode,
                felt=mask_cprs_in_text(c.felt) if c.felt else None,
                http_status=c.http_status,
                request=mask_message(c.request),
                detail=mask_cprs_in_text(c.detail) if c.detail else None,
                response=mask_message(c.response) if c.response is not None else None,
                near_miss=mask_cprs_in_text(c.near_miss) if c.near_miss else None,
            )
            for c in batch
        ]
        with self.store.transaction() as tx:
            for e in masked:
                tx.add_journal(e, self.max_rows)

    def flush(self, timeout: float = 30) -> bool:
        """Wait until every queued call is stored; False on timeout."""
        with self._cv:
            if self._queue:
                self._urgent = True
                self._cv.notify_all()
            return self._cv.wait_for(lambda: not self._queue and not self._writing, timeout)

    def close(self) -> None:
        """Store what is queued and stop the writer."""
        with self._cv:
            self._closed = True
            self._cv.notify_all()
            thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            thread.join(timeout=30)

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
        self.flush()
        with self.store.read() as tx:
            return tx.journal(
                kommunekode=kommunekode,
                operation=operation,
                verdict=verdict,
                fejlkode=fejlkode,
                before=before,
                limit=max(1, min(limit, 1000)),
            )

    def matching(
        self, where: JournalFilter, *, before: int | None = None, limit: int = 500
    ) -> list[JournalEntry]:
        """Newest first, those passing `where` (SQL-side filters only); page with `before`."""
        self.flush()
        with self.store.read() as tx:
            return tx.journal_matching(where, before=before, limit=max(1, limit))

    def count(self, where: JournalFilter) -> int:
        """How many calls pass `where` (SQL-side filters only)."""
        self.flush()
        with self.store.read() as tx:
            return tx.journal_count(where)

    def counts(self, kommunekode: str | None = None) -> dict[str, int]:
        """Calls per verdict (``ok``, ``fault``, ``injected``; 0 when none), of one or all."""
        self.flush()
        with self.store.read() as tx:
            found = tx.journal_counts(kommunekode)
        return {verdict: found.get(verdict, 0) for verdict in VERDICTS} | found


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
    data["near_miss"] = near_miss_of(entry)
    if with_message:
        data["request"] = entry.request
        data["response"] = entry.response
    return data


def near_miss_of(entry: JournalEntry) -> dict[str, Any] | None:
    """The entry's near-miss as a dict (see `simulators.near_miss`), or None."""
    if not entry.near_miss:
        return None
    try:
        found = json.loads(entry.near_miss)
    except ValueError:
        return {"text": entry.near_miss}
    return found if isinstance(found, dict) else {"text": str(found)}
