"""Clocks for the integration core: everything that waits asks the clock, nothing sleeps."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


class Clock(Protocol):
    """Anything with `now()` returning an aware datetime (the test bed passes its virtual clock)."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    """Wall-clock time in Europe/Copenhagen."""

    def now(self) -> datetime:
        """The current wall-clock time."""
        return datetime.now(COPENHAGEN)


class SettableClock:
    """A clock for tests: stands still until set or advanced."""

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._now = (start or datetime(2026, 1, 5, 9, 0, tzinfo=COPENHAGEN)).astimezone(COPENHAGEN)

    def now(self) -> datetime:
        """The time the clock was last set to."""
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to `when` (must be timezone-aware)."""
        if when.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        with self._lock:
            self._now = when.astimezone(COPENHAGEN)

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta`; returns the new time."""
        with self._lock:
            self._now = self._now + delta
            return self._now
