"""Danish working days, bank days and the instants of the debtor systems' batch runs.

Plain Python over the `holidays` package. The model (docs/profiles.md):

- A *working day* is Monday to Friday and not a Danish public holiday.
- A *bank day* is a working day on which Danish banks are open: besides the public
  holidays they close on Grundlovsdag (5 June), Christmas Eve, New Year's Eve and the
  Friday after Ascension (assumption, marked in the docs).
- A nightly callback run belongs to one *run day* D (a working day when the schedule
  says weekdays only and skip holidays). Its instant is D at ``callbacks.time`` when
  that time is 12:00 or later (an evening run), otherwise the next calendar morning
  at that time (the small hours after D). So with runs at 02:00 after each working
  day, the runs fall on Tuesday to Saturday mornings; a payment on Saturday 09:00
  misses Saturday's 02:00 run (which closed Friday) and reaches FBS at Tuesday 02:00
  (the run after Monday). Each run sends everything not yet sent.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from typing import TypeVar

import holidays

from simulators.clock import TZ, aware

EVENING = time(12, 0)
"""A run time at or after this is an evening run on the run day itself."""


Day = TypeVar("Day", date, datetime)


def plus_days(day: Day, days: int) -> Day | None:
    """`day` moved `days` days, or None when that falls outside the calendar (years 1-9999).

    A job scheduled from a stored date must not crash on an extreme one: the caller
    decides what a step that can never fall due means (usually: nothing is queued).
    """
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


@cache
def _public(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DK", years=year))


@cache
def _bank_closed(year: int) -> frozenset[date]:
    optional = holidays.country_holidays("DK", years=year, categories=("optional",))
    closed = {d for d, name in optional.items() if name != "Workers' Day"}
    closed |= {
        d + timedelta(days=1)
        for d, name in holidays.country_holidays("DK", years=year).items()
        if name == "Ascension Day"
    }
    return frozenset(closed) | _public(year)


def is_holiday(day: date) -> bool:
    """True on a Danish public holiday (helligdag)."""
    return day in _public(day.year)


def holiday_name(day: date) -> str | None:
    """The holiday's name (English, from `holidays`), or None."""
    return holidays.country_holidays("DK", years=day.year).get(day)


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a public holiday."""
    return day.weekday() < 5 and not is_holiday(day)


def is_bank_day(day: date) -> bool:
    """A working day on which Danish banks are open."""
    return day.weekday() < 5 and day not in _bank_closed(day.year)


def add_bank_days(day: date, n: int) -> date:
    """The `n`-th bank day after `day` (n = 0: `day` itself if a bank day, else the next one)."""
    if n < 0:
        raise ValueError("n must not be negative")
    current = day
    if n == 0:
        while not is_bank_day(current):
            current += timedelta(days=1)
        return current
    while n > 0:
        current += timedelta(days=1)
        if is_bank_day(current):
            n -= 1
    return current


def is_run_day(day: date, *, weekdays_only: bool, skip_holidays: bool) -> bool:
    """Whether a nightly run belongs to `day` under the schedule flags."""
    if weekdays_only and day.weekday() >= 5:
        return False
    return not (skip_holidays and is_holiday(day))


def run_instant(day: date, at: time) -> datetime:
    """The instant of run day `day`'s run: evening of `day`, or the small hours after it."""
    run_date = day if at >= EVENING else day + timedelta(days=1)
    return datetime.combine(run_date, at, tzinfo=TZ)


def next_nightly_run(
    after: datetime, at: time, *, weekdays_only: bool = True, skip_holidays: bool = True
) -> datetime:
    """The first nightly run strictly after `after`."""
    after = aware(after)
    day = after.date() - timedelta(days=1)
    for _ in range(400):
        if is_run_day(day, weekdays_only=weekdays_only, skip_holidays=skip_holidays):
            instant = run_instant(day, at)
            if instant > after:
                return instant
        day += timedelta(days=1)
    raise ValueError("no run day within 400 days")  # cannot happen with real calendars


def nightly_runs(
    start: datetime,
    end: datetime,
    at: time,
    *,
    weekdays_only: bool = True,
    skip_holidays: bool = True,
) -> list[datetime]:
    """Every nightly run instant in (start, end]."""
    out: list[datetime] = []
    current = aware(start)
    while True:
        nxt = next_nightly_run(
            current, at, weekdays_only=weekdays_only, skip_holidays=skip_holidays
        )
        if nxt > aware(end):
            return out
        out.append(nxt)
        current = nxt
