"""The simulator as one object: store, clock, scheduler, ledger, tenants, journal.

Plain Python; the Flask app (`simulators.create_app`) wraps one `Simulator`.
The behaviour over time (`simulators.sim_time.SimTime`) builds on it by registering
job handlers on `scheduler`, listening to ledger events (`ledger.listeners`) and
reading `tenants`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from simulators.clock import ClockMode, ClockState, VirtualClock, aware
from simulators.config import SimConfig
from simulators.faults.injector import FaultInjector
from simulators.journal import Journal
from simulators.ledger import Ledger
from simulators.scheduler import JobRun, Scheduler
from simulators.store import open_store
from simulators.store.base import Store
from simulators.tenants import TenantRegistry

CLOCK_KEY = "clock"


class StoredClockSource:
    """The virtual clock's state in the store's meta table: every process on the store
    (gunicorn workers, a second simulator on the data dir) tells the same time."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load(self) -> str | None:
        """The stored state (one cheap read, no transaction)."""
        return self.store.peek_meta(CLOCK_KEY)

    def update(self, change: Callable[[ClockState | None], ClockState]) -> str:
        """Store `change(stored state)` in one write transaction; returns what is stored."""
        with self.store.transaction() as tx:
            saved = tx.get_meta(CLOCK_KEY)
            text = change(ClockState.from_json(saved) if saved else None).to_json()
            if text != saved:
                tx.set_meta(CLOCK_KEY, text)
            return text


class Simulator:
    """All four simulated debtor systems behind one simulated Serviceplatformen."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.store = open_store(config)
        self.clock = config.clock or self._own_clock()
        self.ledger = Ledger(self.store, self.clock)
        self.scheduler = Scheduler(self.store, self.clock)
        self.tenants = TenantRegistry(self.store, config.tenants)
        self.journal = Journal(
            self.store,
            self.clock,
            enabled=config.journal_enabled,
            max_rows=config.journal_max_rows,
        )
        self.faults = FaultInjector(self.clock, self.journal, config.faults)

    def _own_clock(self) -> VirtualClock:
        """The clock kept in the store, shared by every process on it; the configured
        mode and start apply only when the store has none yet."""
        fresh = VirtualClock()
        if self.config.clock_start is not None:
            fresh.set(self.config.clock_start)
        fresh.set_mode(ClockMode(self.config.clock_mode), self.config.clock_factor)
        return VirtualClock(fresh.state, source=StoredClockSource(self.store))

    # -- time ---------------------------------------------------------------------

    def refresh_clock(self) -> None:
        """Take up a clock change made by another process (one cheap read; per request)."""
        self.clock.refresh()

    def advance(self, duration: timedelta) -> list[JobRun]:
        """Move the clock forward, running every job that falls due on the way."""
        self.refresh_clock()
        return self.scheduler.advance(duration)

    def set_time(self, when: datetime) -> list[JobRun]:
        """Set the clock (forward runs the due jobs; backward only moves the clock)."""
        self.refresh_clock()
        return self.scheduler.set(aware(when))

    def set_mode(self, mode: str, factor: float | None = None) -> None:
        """Frozen, real or accelerated (×factor)."""
        self.clock.set_mode(ClockMode(mode), factor)

    # -- admin --------------------------------------------------------------------

    def reset(self) -> None:
        """Delete all data (accounts, claims, events, jobs, journal, tenant overrides).

        The clock keeps its time and mode.
        """
        self.journal.flush()
        with self.store.transaction() as tx:
            clock = tx.get_meta(CLOCK_KEY)
            tx.reset()
            tx.set_meta(CLOCK_KEY, clock or self.clock.state.to_json())
        self.tenants.reload()

    def stats(self) -> dict[str, Any]:
        """Row counts of the main tables."""
        self.journal.flush()
        with self.store.read() as tx:
            return {
                what: tx.count(what) for what in ("accounts", "claims", "events", "jobs", "journal")
            }

    def close(self) -> None:
        """Release held requests and close the store."""
        self.faults.close()
        self.journal.close()
        self.store.close()
