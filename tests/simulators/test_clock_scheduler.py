"""The virtual clock and the persisted job queue: order, determinism, persistence, no sleeping."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from simulators import SimConfig
from simulators.clock import TZ, ClockMode, VirtualClock, parse_duration, shift
from simulators.engine import Simulator
from simulators.scheduler import JobContext
from tests.simulators.helpers import fordring


class FakeWall:
    """A wall clock the test moves by hand (nothing sleeps)."""

    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def sim(tmp_path: Path) -> Simulator:
    """A simulator on a temp dir, frozen at Monday 5 January 2026 08:00."""
    s = Simulator(SimConfig(data_dir=tmp_path, synchronous="OFF"))
    yield s  # type: ignore[misc]
    s.close()


def test_parse_duration() -> None:
    assert parse_duration("P3D") == timedelta(days=3)
    assert parse_duration("PT1H") == timedelta(hours=1)
    assert parse_duration("P1W2DT3H4M5.5S") == timedelta(
        weeks=1, days=2, hours=3, minutes=4, seconds=5.5
    )
    for bad in ("P", "PT", "3D", "P1M", "P1Y", "-P1D", "P1DT"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_clock_modes_with_an_injected_wall_clock() -> None:
    wall = FakeWall()
    clock = VirtualClock(wallclock=wall)
    start = clock.now()
    assert start.tzinfo is not None and start.utcoffset() == timedelta(hours=1)
    wall.t += 3600
    assert clock.now() == start  # frozen
    clock.set_mode(ClockMode.REAL)
    wall.t += 60
    assert clock.now() == start + timedelta(seconds=60)
    clock.set_mode(ClockMode.ACCELERATED, factor=1440)  # a day per minute
    wall.t += 60
    assert clock.now() == start + timedelta(days=1, seconds=60)
    clock.set_mode(ClockMode.FROZEN)
    wall.t += 999
    assert clock.now() == start + timedelta(days=1, seconds=60)


def test_a_running_clock_counts_elapsed_time_across_daylight_saving_and_a_jump() -> None:
    wall = FakeWall()
    clock = VirtualClock(wallclock=wall)
    clock.set(datetime(2026, 3, 29, 1, 30, tzinfo=TZ))  # summer time begins at 02:00
    clock.set_mode(ClockMode.REAL)
    wall.t += 3600.25
    assert clock.now() == datetime(2026, 3, 29, 3, 30, 0, 250_000, tzinfo=TZ)
    assert clock.now().utcoffset() == timedelta(hours=2)
    clock.set(datetime(2026, 10, 25, 2, 30, tzinfo=TZ))  # read after a jump: the new anchor
    assert clock.now() == datetime(2026, 10, 25, 2, 30, tzinfo=TZ)
    wall.t += 7200
    assert clock.now() == shift(datetime(2026, 10, 25, 2, 30, tzinfo=TZ), timedelta(hours=2))


def test_p1d_across_daylight_saving_is_24_hours() -> None:
    after = shift(datetime(2026, 3, 28, 12, 0, tzinfo=TZ), parse_duration("P1D"))
    assert after == datetime(2026, 3, 29, 13, 0, tzinfo=TZ)  # summer time began at 02:00
    assert after.utcoffset() == timedelta(hours=2)


def test_advance_p3d_runs_three_daily_jobs_in_order(sim: Simulator) -> None:
    ran: list[tuple[str, datetime]] = []
    sim.scheduler.register("daily", lambda ctx: ran.append((ctx.job.payload["n"], ctx.now)))
    start = sim.clock.now()
    day = timedelta(days=1)
    # queued out of order; each due at 02:00 on the next three days
    for n in (3, 1, 2):
        due = (start + n * day).replace(hour=2, minute=0)
        sim.scheduler.schedule("daily", due, {"n": str(n)})
    runs = sim.advance(parse_duration("P3D"))
    assert [r.status for r in runs] == ["done"] * 3
    assert ran == [
        ("1", datetime(2026, 1, 6, 2, 0, tzinfo=TZ)),
        ("2", datetime(2026, 1, 7, 2, 0, tzinfo=TZ)),
        ("3", datetime(2026, 1, 8, 2, 0, tzinfo=TZ)),
    ]
    assert sim.clock.now() == start + 3 * day
    assert sim.clock.mode == ClockMode.FROZEN  # virtual time only; nothing waited


def test_jobs_scheduled_by_jobs_inside_the_window_run_too(sim: Simulator) -> None:
    seen: list[datetime] = []

    def nightly(ctx: JobContext) -> None:
        seen.append(ctx.now)
        ctx.scheduler.schedule("nightly", ctx.now + timedelta(days=1), key=f"n:{ctx.now.date()}")

    sim.scheduler.register("nightly", nightly)
    sim.scheduler.schedule("nightly", datetime(2026, 1, 5, 22, 0, tzinfo=TZ))
    sim.advance(timedelta(days=3))
    assert [d.day for d in seen] == [5, 6, 7]
    pending = sim.scheduler.jobs("pending")
    assert [j.due.day for j in pending] == [8]


def test_same_time_jobs_run_in_queue_order_and_a_failure_does_not_stop_the_queue(
    sim: Simulator,
) -> None:
    order: list[str] = []

    def boom(ctx: JobContext) -> None:
        raise RuntimeError("kaput")

    sim.scheduler.register("note", lambda ctx: order.append(ctx.job.payload["x"]))
    sim.scheduler.register("boom", boom)
    due = sim.clock.now() + timedelta(hours=1)
    sim.scheduler.schedule("note", due, {"x": "a"})
    sim.scheduler.schedule("boom", due)
    sim.scheduler.schedule("note", due, {"x": "b"})
    sim.scheduler.schedule("unknown", due)
    runs = sim.advance(timedelta(hours=2))
    assert order == ["a", "b"]
    assert [r.status for r in runs] == ["done", "failed", "done", "failed"]
    assert runs[1].error is not None and "kaput" in runs[1].error
    assert runs[3].error is not None and "no handler" in runs[3].error


def test_a_failing_transactional_job_rolls_its_ledger_changes_back(sim: Simulator) -> None:
    def half_done(ctx: JobContext) -> None:
        sim.ledger.opret_fordring(fordring("J-1"))
        raise RuntimeError("after the ledger change")

    sim.scheduler.register("half", half_done)
    sim.scheduler.schedule("half", sim.clock.now())
    sim.advance(timedelta(minutes=1))
    assert sim.ledger.claim("101", "J-1") is None


def test_the_key_deduplicates_a_job(sim: Simulator) -> None:
    a = sim.scheduler.schedule("x", sim.clock.now(), key="nightly:2026-01-05")
    b = sim.scheduler.schedule("x", sim.clock.now() + timedelta(hours=5), key="nightly:2026-01-05")
    assert a.id == b.id and b.due == a.due


def test_clock_and_jobs_survive_a_restart(tmp_path: Path) -> None:
    cfg = SimConfig(data_dir=tmp_path, synchronous="OFF")
    first = Simulator(cfg)
    first.set_time(datetime(2026, 4, 1, 9, 30, tzinfo=TZ))
    first.scheduler.schedule("later", datetime(2026, 4, 2, 2, 0, tzinfo=TZ), {"k": 1})
    first.close()
    second = Simulator(cfg)
    assert second.clock.now() == datetime(2026, 4, 1, 9, 30, tzinfo=TZ)
    got: list[int] = []
    second.scheduler.register("later", lambda ctx: got.append(ctx.job.payload["k"]))
    second.advance(timedelta(days=1))
    assert got == [1]
    second.close()


def test_setting_the_clock_back_runs_nothing(sim: Simulator) -> None:
    ran: list[int] = []
    sim.scheduler.register("j", lambda ctx: ran.append(1))
    sim.scheduler.schedule("j", sim.clock.now() + timedelta(days=1))
    assert sim.set_time(sim.clock.now() - timedelta(days=10)) == []
    assert ran == []
