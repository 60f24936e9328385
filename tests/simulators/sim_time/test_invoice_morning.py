"""The invoice's instant (`next_working_morning`), worked out once per day, is the one the
plain day-by-day walk gives, for any instant and job time (holidays, weekends, the time
of day already passed, other time zones, the calendar's last days)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.calendar import is_working_day
from simulators.clock import TZ
from simulators.collection.reminders import at, next_working_morning


def _walk(after: datetime, when: time) -> datetime:
    """The first working day's `when` strictly after `after`, day by day."""
    day = after.date()
    while True:
        instant = at(day, when)
        if is_working_day(day) and instant > after:
            return instant
        day += timedelta(days=1)


ZONES = st.sampled_from([TZ, UTC, timezone(timedelta(hours=-9)), timezone(timedelta(hours=13))])


@settings(max_examples=400, deadline=None)
@given(
    st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 1, 31), timezones=ZONES),
    st.times(),
)
def test_the_invoice_morning_is_the_first_working_days_time_after_the_instant(
    after: datetime, when: time
) -> None:
    assert next_working_morning(after, when) == _walk(after, when)
    assert next_working_morning(after, when) == _walk(after, when)  # and again, from the cache


def test_the_calendars_last_day() -> None:
    last = datetime(9999, 12, 31, 6, 0, tzinfo=TZ)
    assert is_working_day(date(9999, 12, 31))
    assert next_working_morning(last, time(8, 0)) == at(date(9999, 12, 31), time(8, 0))
    with pytest.raises(OverflowError):
        next_working_morning(last, time(5, 0))
