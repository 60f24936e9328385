"""The testbed's virtual clock, in Europe/Copenhagen.

Anything with a `now() -> datetime` method (aware) is a clock to the rest of
the test bed; `VirtualClock` satisfies that, so the integration core can be
handed the very same object when both run in one process.

Modes:
- ``frozen``: time stands still until someone sets or advances it (tests).
- ``real``: time runs with the wall clock from the last anchor.
- ``accelerated``: time runs `factor` times faster than the wall clock.

The clock only tells time. Running the jobs that fall due while time moves is
the scheduler's work (`simulators.scheduler.Scheduler.advance`).

Shared by processes: a clock with a `ClockSource` (the simulator's store) keeps its
state there. Every change is a read-modify-write of the stored state in one write
transaction, and `refresh()` (one cheap read, called once per request) takes up a
change another process made: gunicorn workers, or two simulators on one data dir,
tell the same time.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Copenhagen")
"""The testbed's time zone."""

DEFAULT_START = datetime(2026, 1, 5, 8, 0, tzinfo=TZ)
"""Where a fresh frozen clock starts: a Monday morning."""


class ClockMode(StrEnum):
    """How virtual time moves."""

    FROZEN = "frozen"
    REAL = "real"
    ACCELERATED = "accelerated"


@dataclass(frozen=True, slots=True)
class ClockState:
    """What the clock persists: the virtual time at a wall-clock instant, and how it runs."""

    mode: ClockMode
    anchor: datetime
    anchor_wall: float
    factor: float = 1.0

    def to_json(self) -> str:
        """Serialise for the store."""
        data = asdict(self)
        data["anchor"] = self.anchor.isoformat()
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> ClockState:
        """Read back what `to_json` wrote."""
        data = json.loads(text)
        return cls(
            mode=ClockMode(data["mode"]),
            anchor=datetime.fromisoformat(data["anchor"]).astimezone(TZ),
            anchor_wall=float(data["anchor_wall"]),
            factor=float(data.get("factor", 1.0)),
        )


def aware(dt: datetime) -> datetime:
    """`dt` in Europe/Copenhagen; a naive datetime is taken as Copenhagen local time."""
    return dt.replace(tzinfo=TZ) if dt.tzinfo is None else dt.astimezone(TZ)


def shift(dt: datetime, delta: timedelta) -> datetime:
    """`dt` moved by `delta` of elapsed time (so P1D across a DST change is 24 real hours)."""
    return (dt.astimezone(UTC) + delta).astimezone(TZ)


class ClockSource(Protocol):
    """Where a shared clock's state lives (the simulator's store)."""

    def load(self) -> str | None:
        """The stored state as `ClockState.to_json` wrote it (None: none yet), in one cheap read."""
        ...

    def update(self, change: Callable[[ClockState | None], ClockState]) -> str:
        """Store `change(stored state)` in one write transaction; returns what was stored."""
        ...


class VirtualClock:
    """A thread-safe virtual clock. `wallclock` is injectable so tests never sleep.

    With a `source`, the state lives there (see the module docstring): `state` is
    stored only when nothing is stored yet; otherwise the stored state wins.
    """

    def __init__(
        self,
        state: ClockState | None = None,
        *,
        wallclock: Callable[[], float] = time.time,
        source: ClockSource | None = None,
    ) -> None:
        self._wall = wallclock
        self._lock = threading.RLock()
        self._state = state or ClockState(ClockMode.FROZEN, DEFAULT_START, wallclock())
        self._source = source
        self._seen: str | None = None
        self._running: tuple[ClockState, datetime, float] | None = None
        if source is not None:
            initial = self._state
            self._adopt(source.update(lambda stored: stored or initial))

    def _adopt(self, text: str) -> None:
        if text != self._seen:
            self._state, self._seen = ClockState.from_json(text), text

    def refresh(self) -> None:
        """Take up a change of the stored state (made by another process): one cheap read."""
        if self._source is None:
            return
        text = self._source.load()
        if text is not None and text != self._seen:
            with self._lock:
                self._adopt(text)

    @property
    def state(self) -> ClockState:
        """The current persisted state."""
        return self._state

    @property
    def mode(self) -> ClockMode:
        """The current mode."""
        return self._state.mode

    @property
    def factor(self) -> float:
        """Virtual seconds per wall second (1 in real mode, 0 when frozen)."""
        return _speed(self._state)

    def now(self) -> datetime:
        """The current virtual time, aware, in Europe/Copenhagen (as `_now_of` tells it)."""
        s = self._state
        if s.mode == ClockMode.FROZEN:
            return s.anchor
        # The anchor in UTC and the speed, worked out once per state (requests read the
        # clock several times); the tuple names its state, so a change is never missed.
        running = self._running
        if running is None or running[0] is not s:
            running = self._running = (s, s.anchor.astimezone(UTC), _speed(s))
        _, anchor_utc, speed = running
        elapsed = timedelta(seconds=(self._wall() - s.anchor_wall) * speed)
        return (anchor_utc + elapsed).astimezone(TZ)

    def _change(self, change: Callable[[ClockState], ClockState]) -> None:
        """Apply `change` to the current state: the stored one when shared (in one write
        transaction, so a change made meanwhile by another process is built upon)."""
        with self._lock:
            if self._source is None:
                self._state = change(self._state)
                return
            current = self._state
            self._adopt(self._source.update(lambda stored: change(stored or current)))

    def set(self, when: datetime) -> None:
        """Jump to `when` (no jobs run; see `Scheduler.set` for that)."""
        when = aware(when)
        self._change(lambda s: replace(s, anchor=when, anchor_wall=self._wall()))

    def set_mode(self, mode: ClockMode | str, factor: float | None = None) -> None:
        """Switch mode, keeping the current virtual time."""
        mode = ClockMode(mode)
        if factor is not None and factor <= 0:
            raise ValueError("factor must be positive")

        def switch(s: ClockState) -> ClockState:
            wall = self._wall()
            return ClockState(
                mode=mode,
                anchor=_now_of(s, wall),
                anchor_wall=wall,
                factor=factor if factor is not None else s.factor,
            )

        self._change(switch)

    def state_showing(
        self, when: datetime, mode: ClockMode | str, factor: float | None = None
    ) -> ClockState:
        """The state that tells `when` now and runs in `mode` from here (to store it with
        other changes in one transaction, e.g. a snapshot's load); changes nothing."""
        if factor is not None and factor <= 0:
            raise ValueError("factor must be positive")
        return ClockState(
            mode=ClockMode(mode),
            anchor=aware(when),
            anchor_wall=self._wall(),
            factor=factor if factor is not None else self._state.factor,
        )

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view: now, mode and factor."""
        return {"now": self.now().isoformat(), "mode": str(self.mode), "factor": self._state.factor}


def _speed(s: ClockState) -> float:
    return {ClockMode.FROZEN: 0.0, ClockMode.REAL: 1.0}.get(s.mode, s.factor)


def _now_of(s: ClockState, wall: float) -> datetime:
    """The virtual time of state `s` at wall-clock instant `wall`."""
    if s.mode == ClockMode.FROZEN:
        return s.anchor
    return shift(s.anchor, timedelta(seconds=(wall - s.anchor_wall) * _speed(s)))


_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration of weeks, days, hours, minutes, seconds (``P3D``, ``PT1H30M``).

    Years and months are refused: their length depends on the date, so say days.
    """
    match = _DURATION.match(text.strip().upper())
    if not match or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise ValueError(f"not an ISO 8601 duration of W/D/H/M/S: {text!r}")
    parts = {k: float(v.replace(",", ".")) for k, v in match.groupdict().items() if v}
    return timedelta(**parts)
