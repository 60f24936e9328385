"""The simulator as one object: store, clock, scheduler, ledger, tenants, journal.

Plain Python; the Flask app (`simulators.create_app`) wraps one `Simulator`.
Issue [sim-time] extends it by registering job handlers on `scheduler`,
listening to ledger events (`ledger.listeners`) and reading `tenants`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from simulators.clock import ClockMode, ClockState, VirtualClock, aware
from simulators.config import SimConfig
from simulators.faults.injector import FaultInjector
from simulators.journal import Journal
from simulators.ledger import Ledger
from simulators.scheduler import JobRun, Scheduler
from simulators.store import open_store
from simulators.tenants import TenantRegistry

CLOCK_KEY = "clock"


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
        with self.store.read() as tx:
            saved = tx.get_meta(CLOCK_KEY)
        if saved is not None:
            clock = VirtualClock(ClockState.from_json(saved))
        else:
            clock = VirtualClock()
            if self.config.clock_start is not None:
                clock.set(self.config.clock_start)
            clock.set_mode(ClockMode(self.config.clock_mode), self.config.clock_factor)
            self._persist_clock(clock.state)
        clock.on_change = self._persist_clock
        return clock

    def _persist_clock(self, state: ClockState) -> None:
        with self.store.transaction() as tx:
            tx.set_meta(CLOCK_KEY, state.to_json())

    # -- time ---------------------------------------------------------------------

    def advance(self, duration: timedelta) -> list[JobRun]:
        """Move the clock forward, running every job that falls due on the way."""
        return self.scheduler.advance(duration)

    def set_time(self, when: datetime) -> list[JobRun]:
        """Set the clock (forward runs the due jobs; backward only moves the clock)."""
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
            tx.reset()
            tx.set_meta(CLOCK_KEY, self.clock.state.to_json())
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
