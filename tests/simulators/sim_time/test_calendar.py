"""Working days, bank days and nightly run instants (plain Python, no clock)."""

from __future__ import annotations

from datetime import date, time

import pytest

from simulators.calendar import (
    add_bank_days,
    is_bank_day,
    is_working_day,
    next_nightly_run,
    nightly_runs,
)
from tests.simulators.sim_time.conftest import at

TWO = time(2, 0)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # Saturday 09:00 -> the run after Monday: Tuesday 02:00 (domain brief).
        (at(2026, 1, 10, 9, 0), at(2026, 1, 13, 2, 0)),
        # Friday 15:00 -> the run after Friday, Saturday 02:00.
        (at(2026, 1, 9, 15, 0), at(2026, 1, 10, 2, 0)),
        # Saturday 01:00 is still before Friday's run at Saturday 02:00.
        (at(2026, 1, 10, 1, 0), at(2026, 1, 10, 2, 0)),
        # Exactly at a run: strictly after, so the next one.
        (at(2026, 1, 13, 2, 0), at(2026, 1, 14, 2, 0)),
        # Sunday -> Tuesday 02:00.
        (at(2026, 1, 11, 23, 59), at(2026, 1, 13, 2, 0)),
        # Easter 2026: Maundy Thursday 2/4, Good Friday 3/4, Easter Monday 6/4.
        # Wednesday 1/4 is a working day: its run is in the small hours of Thursday.
        (at(2026, 4, 1, 9, 0), at(2026, 4, 2, 2, 0)),
        # Holy Saturday (the day before Easter) -> the run after Tuesday 7/4.
        (at(2026, 4, 4, 9, 0), at(2026, 4, 8, 2, 0)),
        (at(2026, 4, 2, 9, 0), at(2026, 4, 8, 2, 0)),
        # Christmas 2026: 25/12 Friday, 26/12 Saturday -> run after Monday 28/12.
        (at(2026, 12, 24, 10, 0), at(2026, 12, 25, 2, 0)),
        (at(2026, 12, 25, 10, 0), at(2026, 12, 29, 2, 0)),
    ],
)
def test_next_nightly_run(after: object, expected: object) -> None:
    assert next_nightly_run(after, TWO) == expected  # type: ignore[arg-type]


def test_evening_run_is_on_the_run_day_itself() -> None:
    assert next_nightly_run(at(2026, 1, 9, 15, 0), time(22, 0)) == at(2026, 1, 9, 22, 0)
    assert next_nightly_run(at(2026, 1, 9, 23, 0), time(22, 0)) == at(2026, 1, 12, 22, 0)


def test_every_day_schedule_ignores_weekends_and_holidays() -> None:
    after = at(2026, 4, 4, 9, 0)
    assert next_nightly_run(after, TWO, weekdays_only=False, skip_holidays=False) == at(
        2026, 4, 5, 2, 0
    )
    # Weekdays only but holidays included: Monday 6/4 (Easter Monday) counts.
    assert next_nightly_run(after, TWO, weekdays_only=True, skip_holidays=False) == at(
        2026, 4, 7, 2, 0
    )


def test_five_runs_a_week() -> None:
    runs = nightly_runs(at(2026, 1, 5), at(2026, 2, 2), TWO)
    assert len(runs) == 20
    assert {r.isoweekday() for r in runs} == {2, 3, 4, 5, 6}


def test_working_and_bank_days() -> None:
    assert is_working_day(date(2026, 1, 5))
    assert not is_working_day(date(2026, 1, 10))
    assert not is_working_day(date(2026, 4, 3))
    # Grundlovsdag and Christmas Eve: working days for the schedule, bank closing days.
    assert is_working_day(date(2026, 6, 5)) and not is_bank_day(date(2026, 6, 5))
    assert is_working_day(date(2026, 12, 24)) and not is_bank_day(date(2026, 12, 24))
    # The Friday after Ascension (14/5/2026).
    assert not is_bank_day(date(2026, 5, 15))


@pytest.mark.parametrize(
    ("paid", "n", "expected"),
    [
        (date(2026, 1, 10), 1, date(2026, 1, 12)),
        (date(2026, 1, 10), 2, date(2026, 1, 13)),
        (date(2026, 1, 9), 1, date(2026, 1, 12)),
        (date(2026, 4, 1), 1, date(2026, 4, 7)),
        (date(2026, 4, 1), 2, date(2026, 4, 8)),
        (date(2026, 5, 13), 1, date(2026, 5, 18)),
        (date(2026, 1, 10), 0, date(2026, 1, 12)),
        (date(2026, 1, 12), 0, date(2026, 1, 12)),
    ],
)
def test_add_bank_days(paid: date, n: int, expected: date) -> None:
    assert add_bank_days(paid, n) == expected
