"""Request verification: count and find the journaled SOAP calls that match a matcher.

What a vendor's test asks after its adapter ran: "exactly one OpretFordring for
FBS-101-7?" (WireMock's ``/__admin/requests/count``). A matcher is a JSON object, every
field optional and ANDed:

- ``service``, ``operation``, ``kommunekode``, ``verdict``, ``fejlkode``: equal;
- ``from`` / ``to``: ISO 8601 instants on the virtual clock (from inclusive, to
  exclusive; without an offset, Copenhagen time);
- ``elements``: element local name -> exact text; each must equal some element of the
  request (whitespace around the text ignored);
- ``xpath``: an XPath 1.0 expression on the request envelope (prefixes in `PREFIXES`),
  true or a non-empty node-set;
- ``limit`` (default 100, at most 1000): how many rows find returns (count ignores it).

The equal-fields and the time window are answered in SQL (indexed columns); elements
and XPath are then checked in Python on those candidates, each parsed with the project's
safe parser. The journal is bounded (`Journal.max_rows`), so the candidates are too.

Bodies in the journal are CPR-masked: a CPR number is matched in its masked form
(``010190-****``), never as the ten digits.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from oeir import safexml
from oeir.faults import CATALOGUE, first_non_xml
from oeir.namespaces import OEIR, SOAP_ENV, SP_AUTHORITY, SP_CALL, SP_INVOCATION, SP_PREFIXES
from oeir.services import SERVICES
from simulators.clock import TZ
from simulators.journal import VERDICTS, Journal
from simulators.store.base import JournalEntry, JournalFilter

PREFIXES: dict[str, str] = {
    "soap": SOAP_ENV,
    "o": OEIR,
    "sp": SP_INVOCATION,
    "ic": SP_INVOCATION,
    "ac": SP_AUTHORITY,
    "cc": SP_CALL,
    **SP_PREFIXES,
}
"""Namespace prefixes an XPath matcher may use: ``soap``, ``o`` (SF1590_B), ``sp``/``ic``/
``invctx`` (InvocationContext), ``ac``/``authctx`` (AuthorityContext), ``cc``/``callctx``."""

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_PAGE = 500
MATCHER_FIELDS = (
    "service",
    "operation",
    "kommunekode",
    "verdict",
    "fejlkode",
    "from",
    "to",
    "elements",
    "xpath",
)
"""What a matcher may test (all ANDed); a request may also give a `limit`."""
_FIELDS = (*MATCHER_FIELDS, "limit")
_KOMMUNEKODE = re.compile(r"^\d{3}$")
_ELEMENT_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")


class MatcherError(ValueError):
    """A matcher that cannot be used: the message says which field and why (an HTTP 400)."""


@dataclass(frozen=True)
class Matcher:
    """A parsed, checked matcher (see the module docstring)."""

    where: JournalFilter = field(default_factory=JournalFilter)
    elements: dict[str, str] = field(default_factory=dict)
    xpath: str | None = None
    limit: int = DEFAULT_LIMIT

    @property
    def reads_body(self) -> bool:
        """True when the request bodies must be read (elements or XPath)."""
        return bool(self.elements) or self.xpath is not None


def _choice(name: str, value: Any, options: list[str]) -> str:
    if not isinstance(value, str) or not value:
        raise MatcherError(f"{name} must be a non-empty string")
    if value not in options:
        near = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]}" if near else f"; one of {', '.join(options)}"
        raise MatcherError(f"{name} {value!r} is unknown{hint}")
    return value


def _instant(name: str, value: Any) -> datetime:
    if not isinstance(value, str):
        raise MatcherError(f"{name} must be an ISO 8601 date-time string")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MatcherError(
            f"{name} {value!r} is not an ISO 8601 date-time (e.g. 2026-01-05T08:00:00+01:00)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=TZ)


def _operations() -> list[str]:
    return sorted({o for s in SERVICES.values() for o in s.operations})


def parse_matcher(data: Any) -> Matcher:
    """A `Matcher` from a JSON object, or `MatcherError` naming what is wrong."""
    if not isinstance(data, dict):
        raise MatcherError("expected a JSON object (the matcher; {} matches every call)")
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise MatcherError(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(_FIELDS)}")
    got = {k: v for k, v in data.items() if v is not None}
    kommunekode = got.get("kommunekode")
    if kommunekode is not None and (
        not isinstance(kommunekode, str) or not _KOMMUNEKODE.match(kommunekode)
    ):
        raise MatcherError('kommunekode must be a three-digit string, e.g. "101"')
    since = _instant("from", got["from"]) if "from" in got else None
    until = _instant("to", got["to"]) if "to" in got else None
    if since is not None and until is not None and until <= since:
        raise MatcherError("to must be after from (from is inclusive, to exclusive)")
    where = JournalFilter(
        service=_choice("service", got["service"], sorted(SERVICES)) if "service" in got else None,
        operation=(
            _choice("operation", got["operation"], _operations()) if "operation" in got else None
        ),
        kommunekode=kommunekode,
        verdict=_choice("verdict", got["verdict"], list(VERDICTS)) if "verdict" in got else None,
        fejlkode=_choice("fejlkode", got["fejlkode"], sorted(CATALOGUE))
        if "fejlkode" in got
        else None,
        since=since,
        until=until,
    )
    return Matcher(
        where=where,
        elements=_elements(got.get("elements")),
        xpath=_xpath(got["xpath"]) if "xpath" in got else None,
        limit=_limit(got.get("limit")),
    )


def _elements(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MatcherError(
            'elements must be an object: element name -> text, e.g. {"FordringId": "F-1"}'
        )
    out: dict[str, str] = {}
    for name, text in value.items():
        if not _ELEMENT_NAME.match(name):
            raise MatcherError(f"elements: {name!r} is not an element's local name (no prefix)")
        if not isinstance(text, str):
            raise MatcherError(f"elements: the text of {name} must be a string")
        out[name] = text
    return out


def _xpath(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MatcherError("xpath must be a non-empty string")
    if len(value) > 2000:
        raise MatcherError("xpath is longer than 2000 characters")
    if (bad := first_non_xml(value)) is not None:
        raise MatcherError(f"xpath holds {bad!r}, which XML cannot carry")
    try:
        # Evaluated once on an empty envelope: an unknown prefix or function shows only then.
        etree.XPath(value, namespaces=PREFIXES)(etree.Element(f"{{{SOAP_ENV}}}Envelope"))
    except etree.XPathError as exc:
        raise MatcherError(
            f"xpath {value!r} is not usable XPath 1.0 ({exc}); prefixes: {', '.join(PREFIXES)}"
        ) from None
    return value


def _limit(value: Any) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise MatcherError(f"limit must be an integer from 1 to {MAX_LIMIT}")
    return value


# -- matching ---------------------------------------------------------------------------------


def body_test(matcher: Matcher) -> Callable[[str], bool]:
    """A test of one stored request text against the matcher's elements and XPath."""
    xpath = etree.XPath(matcher.xpath, namespaces=PREFIXES) if matcher.xpath else None
    wanted = matcher.elements

    def test(text: str) -> bool:
        try:
            root = safexml.parse(text.encode("utf-8"))
        except Exception:  # not XML (a refused message, or cut at the journal's limit)
            return False
        for name, value in wanted.items():
            if not any(_text(el).strip() == value.strip() for el in root.iter(f"{{*}}{name}")):
                return False
        if xpath is not None:
            try:
                return bool(xpath(root))  # true, a non-empty node-set, string or number
            except etree.XPathError:  # e.g. an unknown function, found only when run
                return False
        return True

    return test


def _text(el: etree._Element) -> str:
    return "".join(el.itertext()) if len(el) else (el.text or "")


def _matching(journal: Journal, matcher: Matcher) -> Iterator[JournalEntry]:
    """Every matching entry, newest first, read from the store in pages."""
    test = body_test(matcher)
    before: int | None = None
    while True:
        page = journal.matching(matcher.where, before=before, limit=_PAGE)
        for entry in page:
            if test(entry.request):
                yield entry
        if len(page) < _PAGE:
            return
        before = page[-1].id


def count(journal: Journal, matcher: Matcher) -> int:
    """How many journaled calls match."""
    if not matcher.reads_body:
        return journal.count(matcher.where)
    return sum(1 for _ in _matching(journal, matcher))


def find(journal: Journal, matcher: Matcher) -> tuple[int, list[JournalEntry]]:
    """How many match, and the newest `matcher.limit` of them (newest first)."""
    if not matcher.reads_body:
        rows = journal.matching(matcher.where, limit=matcher.limit)
        return journal.count(matcher.where), rows
    total, rows = 0, []
    for entry in _matching(journal, matcher):
        total += 1
        if len(rows) < matcher.limit:
            rows.append(entry)
    return total, rows
