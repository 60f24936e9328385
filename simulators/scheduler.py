"""A persisted job queue on the virtual clock.

Jobs live in the store (table ``jobs``), so a restart keeps them. A job names
a handler; handlers are registered by name at start-up (the behaviour over time,
`simulators.sim_time`, registers nightly batches, bank settlement, reminders, PSRM handover and
callback retries). Advancing the clock runs every job that falls due, in due
order (ties: the order they were queued), with the clock standing at the job's
due time while it runs. Jobs a job queues inside the window run too.

A transactional handler (the default) runs in the same store transaction as
marking its job done: its ledger changes and follow-up jobs commit together or
not at all. A handler that talks to the outside world (an HTTP callback) should
register with ``transactional=False`` so it does not hold the write lock.
A failing handler marks its job ``failed`` with the error; the queue goes on.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from simulators.clock import VirtualClock, aware, shift
from simulators.store.base import Job, Store, Tx

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a handler gets: its job, the virtual time, the scheduler, and the open transaction.

    `tx` is None for a non-transactional handler.
    """

    job: Job
    now: datetime
    scheduler: Scheduler
    tx: Tx | None


Handler = Callable[[JobContext], None]
"""A job handler: does the job's work; raising marks the job failed."""


@dataclass(frozen=True, slots=True)
class JobRun:
    """The outcome of one job run."""

    job_id: int
    name: str
    due: datetime
    ran_at: datetime
    status: str
    error: str | None = None


@dataclass(slots=True)
class _Registration:
    handler: Handler
    transactional: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


class Scheduler:
    """Runs persisted jobs as the virtual clock moves."""

    def __init__(self, store: Store, clock: VirtualClock) -> None:
        self.store = store
        self.clock = clock
        self._handlers: dict[str, _Registration] = {}
        self._lock = threading.RLock()

    @property
    def handler_names(self) -> list[str]:
        """Names of the registered handlers."""
        return sorted(self._handlers)

    def exclusive(self) -> AbstractContextManager[Any]:
        """While held, no job of this process runs and the clock is not moved through the
        scheduler (a snapshot's load replaces the jobs under it)."""
        return self._lock

    def register(self, name: str, handler: Handler, *, transactional: bool = True) -> None:
        """Register (or replace) the handler for jobs named `name`."""
        self._handlers[name] = _Registration(handler, transactional)

    def schedule(
        self,
        name: str,
        due: datetime,
        payload: dict[str, Any] | None = None,
        *,
        key: str | None = None,
    ) -> Job:
        """Queue a job; a `key` already queued returns that job (dedup of e.g. a nightly run).

        Joins an open transaction of the calling thread (inside a handler, or a ledger
        listener), so the job commits with the change that caused it.
        """
        with self.store.transaction() as tx:
            return tx.insert_job(name, aware(due), payload or {}, key)

    def jobs(self, status: str | None = None, limit: int = 100) -> list[Job]:
        """Queued jobs in due order."""
        with self.store.read() as tx:
            return tx.jobs(status, limit)

    def _run(self, job: Job, now: datetime) -> JobRun:
        reg = self._handlers.get(job.name)
        error: str | None = None
        if reg is None:
            error = f"no handler registered for {job.name!r}"
        else:
            try:
                if reg.transactional:
                    with self.store.transaction() as tx:
                        reg.handler(JobContext(job, now, self, tx))
                        tx.finish_job(job.id, "done", now, None)
                    return JobRun(job.id, job.name, job.due, now, "done")
                reg.handler(JobContext(job, now, self, None))
            except Exception as exc:  # a job's failure must not stop the clock
                log.warning("job %s (%s) failed: %s", job.id, job.name, exc)
                error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
        status = "failed" if error else "done"
        with self.store.transaction() as tx:
            tx.finish_job(job.id, status, now, error)
        return JobRun(job.id, job.name, job.due, now, status, error)

    def run_until(self, target: datetime, *, move_clock: bool = True) -> list[JobRun]:
        """Run every pending job due at or before `target`, in order.

        With `move_clock`, the clock stands at each job's due time while it runs
        (never going backwards) and ends at `target`.
        """
        target = aware(target)
        runs: list[JobRun] = []
        with self._lock:
            while True:
                with self.store.read() as tx:
                    job = tx.next_due_job(target)
                if job is None:
                    break
                if move_clock and job.due > self.clock.now():
                    self.clock.set(job.due)
                runs.append(self._run(job, self.clock.now()))
            if move_clock and target > self.clock.now():
                self.clock.set(target)
        return runs

    def advance(self, duration: timedelta) -> list[JobRun]:
        """Move the clock forward by `duration`, running what falls due on the way."""
        if duration < timedelta(0):
            raise ValueError("cannot advance by a negative duration")
        with self._lock:
            return self.run_until(shift(self.clock.now(), duration))

    def set(self, when: datetime) -> list[JobRun]:
        """Set the clock; forward runs the due jobs on the way, backward only moves the clock."""
        when = aware(when)
        with self._lock:
            if when >= self.clock.now():
                return self.run_until(when)
            self.clock.set(when)
            return []

    def run_due(self) -> list[JobRun]:
        """Run the jobs due by the clock's current time, without moving it (real/accelerated)."""
        return self.run_until(self.clock.now(), move_clock=False)


def drive_in_one_process(scheduler: Scheduler, database: Path) -> ClockDriver | None:
    """Start a `ClockDriver` unless another process on this database already runs one.

    The first process to take an exclusive lock on ``<database>.driver.lock`` drives;
    the lock is held until the driver stops (or the process dies). Jobs (callbacks,
    batches) thus run once, not once per gunicorn worker or per simulator on a data dir.
    Returns None when another process drives (it shares the clock through the store).
    """
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    lock = open(f"{database}.driver.lock", "w")  # noqa: SIM115  # held open on purpose
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        return None
    driver = ClockDriver(scheduler)
    driver.lock = lock
    return driver.start()


class ClockDriver:
    """A background thread that runs due jobs while the clock runs by itself.

    Only the CLI starts one (real or accelerated mode); tests advance the clock.
    """

    def __init__(self, scheduler: Scheduler, interval: float = 0.5) -> None:
        self.scheduler = scheduler
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="clock-driver", daemon=True)
        self.lock: IO[str] | None = None
        """The held ``driver.lock`` file of `drive_in_one_process` (released by `stop`)."""

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.scheduler.clock.refresh()  # the mode may have changed in another process
            except Exception:
                log.exception("clock driver")
                continue
            if self.scheduler.clock.factor > 0:
                try:
                    self.scheduler.run_due()
                except Exception:  # keep driving; the error is logged
                    log.exception("clock driver")

    def start(self) -> ClockDriver:
        """Start the thread; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        self._thread.join()
        if self.lock is not None:
            self.lock.close()
            self.lock = None
