"""The journal's store part of the verify API: responses and near-misses kept (CPR masked),
and the matchers answered in SQL (service, operation, municipality, verdict, fault code,
virtual-time window). Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from simulators.clock import VirtualClock
from simulators.journal import Journal
from simulators.store.base import JournalFilter, Store
from simulators.verify import count, find, parse_matcher
from tests.backends import each_backend

pytestmark = each_backend

CPR = "0101901234"


def _record(journal: Journal, **given: Any) -> None:
    call: dict[str, Any] = {
        "service": "DebitorRegistreringAfsend",
        "operation": "OpretFordring",
        "kommunekode": "101",
        "verdict": "ok",
        "fejlkode": None,
        "felt": None,
        "http_status": 200,
        "request": f"<o:OpretFordring><o:FordringId>F-1</o:FordringId>"
        f"<o:CPRNummer>{CPR}</o:CPRNummer></o:OpretFordring>",
        "detail": None,
        "response": f"<o:Svar><o:CPRNummer>{CPR}</o:CPRNummer></o:Svar>",
    }
    journal.record(**(call | given))


def test_response_and_near_miss_are_stored_cpr_masked(store: Store, clock: VirtualClock) -> None:
    journal = Journal(store, clock)
    near = json.dumps({"kind": "schema", "text": f"value {CPR} is wrong"})
    _record(journal, verdict="fault", fejlkode="SkemaValideringFejlet", near_miss=near)
    (entry,) = journal.query()
    assert entry.response is not None and "010190-****" in entry.response
    assert CPR not in entry.response and CPR not in entry.request
    assert entry.near_miss is not None and CPR not in entry.near_miss
    assert json.loads(entry.near_miss)["kind"] == "schema"
    journal.close()


def test_a_dropped_call_keeps_no_response(store: Store, clock: VirtualClock) -> None:
    journal = Journal(store, clock)
    _record(journal, response=None, verdict="injected", http_status=0)
    (entry,) = journal.query()
    assert entry.response is None
    journal.close()


def test_the_response_is_bounded_like_the_request(store: Store, clock: VirtualClock) -> None:
    journal = Journal(store, clock)
    _record(journal, response="<x>" + "a" * 200_000 + "</x>")
    (entry,) = journal.query()
    assert entry.response is not None and len(entry.response) < 70_000
    assert entry.response.endswith("…[truncated]")
    journal.close()


def test_sql_filters_and_the_time_window(store: Store, clock: VirtualClock) -> None:
    journal = Journal(store, clock)
    start = clock.now()
    _record(journal)
    _record(journal, kommunekode="147")
    clock.set(start + timedelta(hours=1))
    _record(journal, service="DebitorForespoergsel", operation="HentDebitorkonto")
    _record(journal, verdict="fault", fejlkode="FordringFindesIkke")
    later = clock.now()
    assert journal.count(JournalFilter()) == 4
    assert journal.count(JournalFilter(service="DebitorForespoergsel")) == 1
    assert journal.count(JournalFilter(operation="OpretFordring")) == 3
    assert journal.count(JournalFilter(kommunekode="147")) == 1
    assert journal.count(JournalFilter(verdict="fault")) == 1
    assert journal.count(JournalFilter(fejlkode="FordringFindesIkke")) == 1
    assert journal.count(JournalFilter(since=later)) == 2  # inclusive
    assert journal.count(JournalFilter(until=later)) == 2  # exclusive
    assert journal.count(JournalFilter(since=start, until=later + timedelta(seconds=1))) == 4
    rows = journal.matching(JournalFilter(since=later), limit=1)
    assert len(rows) == 1 and rows[0].fejlkode == "FordringFindesIkke"  # newest first
    journal.close()


def test_body_matchers_read_the_candidates_in_pages(store: Store, clock: VirtualClock) -> None:
    journal = Journal(store, clock)
    for i in range(1_203):  # more than two of the verify module's pages
        _record(
            journal,
            request=f"<OpretFordring><FordringId>F-{i % 3}</FordringId></OpretFordring>",
        )
    matcher = parse_matcher({"elements": {"FordringId": "F-1"}, "limit": 5})
    assert count(journal, matcher) == 401
    total, rows = find(journal, matcher)
    assert total == 401 and len(rows) == 5
    journal.close()
