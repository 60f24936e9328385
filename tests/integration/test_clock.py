"""Clocks: the settable test clock and the remote clock that follows the simulator's."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import responses

from integration.clock import COPENHAGEN, RemoteClock, SettableClock

URL = "http://sim.test/admin/clock"


def test_settable_clock_moves_only_when_told():
    clock = SettableClock(datetime(2026, 3, 28, 12, tzinfo=COPENHAGEN))
    assert clock.now() == clock.now()
    assert clock.advance(timedelta(days=1)).utcoffset() == timedelta(hours=2)  # summer time
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 1, 1))


@responses.activate
def test_remote_clock_reads_and_reuses_the_answer():
    responses.add(responses.GET, URL, json={"now": "2026-01-05T08:00:00+01:00"})
    clock = RemoteClock(URL, ttl_s=3600)
    assert clock.now() == datetime(2026, 1, 5, 8, tzinfo=COPENHAGEN)
    assert clock.now().tzinfo is COPENHAGEN
    clock.now()
    assert len(responses.calls) == 1
    responses.replace(responses.GET, URL, json={"now": "2026-01-06T08:00:00Z"})
    fresh = RemoteClock(URL, ttl_s=0)
    assert fresh.now() == datetime(2026, 1, 6, 9, tzinfo=COPENHAGEN)


@responses.activate
def test_remote_clock_refuses_a_time_without_offset():
    responses.add(responses.GET, URL, json={"now": "2026-01-05T08:00:00"})
    with pytest.raises(ValueError):
        RemoteClock(URL, ttl_s=0).now()
