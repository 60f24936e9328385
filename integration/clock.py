"""Clocks for the integration core: everything that waits asks the clock, nothing sleeps."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


class Clock(Protocol):
    """Anything with `now()` returning an aware datetime (the test bed passes its virtual clock)."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


def refresh(clock: Clock) -> None:
    """Take up a change another process made to a clock shared through a store.

    The test bed hands the core the simulator's clock when both run in one process;
    that clock lives in the simulator's store and has ``refresh()`` (one cheap read).
    The core calls this once per request and per outbox round, so it tells the same
    time as every simulator process on that store. Other clocks have nothing to do.
    """
    take_up = getattr(clock, "refresh", None)
    if callable(take_up):
        take_up()


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


class RemoteClock:
    """Follows another process's clock over HTTP: GET `url` answers ``{"now": "<iso>"}``.

    For a core running as its own process next to the simulator
    (``--clock-url http://127.0.0.1:8081/admin/clock``). The answer is reused
    for `ttl_s` real seconds, so a busy core does not ask on every call.
    """

    def __init__(
        self,
        url: str,
        ttl_s: float = 0.2,
        timeout_s: float = 5.0,
        tls: dict[str, Any] | None = None,
    ) -> None:
        import requests

        self.url = url
        self.ttl_s = ttl_s
        self.timeout_s = timeout_s
        self._session = requests.Session()
        self._session.trust_env = False
        for name, value in (tls or {}).items():  # cert= and verify= for an https:// clock
            setattr(self._session, name, value)
        self._lock = threading.Lock()
        self._cached: tuple[float, datetime] | None = None

    def now(self) -> datetime:
        """The other clock's time (at most `ttl_s` old)."""
        import time

        with self._lock:
            if self._cached is not None and time.monotonic() - self._cached[0] < self.ttl_s:
                return self._cached[1]
            resp = self._session.get(self.url, timeout=self.timeout_s)
            resp.raise_for_status()
            when = datetime.fromisoformat(resp.json()["now"])
            if when.tzinfo is None:
                raise ValueError(f"{self.url} gave a time without an offset")
            self._cached = (time.monotonic(), when.astimezone(COPENHAGEN))
            return self._cached[1]
