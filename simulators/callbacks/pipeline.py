"""When and how ledger events reach FBS: the per-municipality batch run and its delivery.

- Every reported event (`REPORTED`) queues the municipality's next run on the
  virtual clock (`callbacks.run`, deduplicated per instant): the next nightly run
  (`simulators.calendar.next_nightly_run`) or, in real-time mode, the event's time
  plus the profile's delay.
- A run gathers every reported event since the municipality's cursor, in log order,
  into batch messages of at most `callbacks.max_batch` (XSD: 1000) events, stores
  them and moves the cursor, in the same transaction.
- Delivery (`callbacks.deliver`) sends a municipality's batches one at a time, oldest
  first, so events stay ordered per claim. A failure keeps the batch pending and
  retries it after an exponential backoff on the virtual clock; later batches wait.
  Each event carries the ledger's stable event id as HaendelseId, so FBS can
  deduplicate a batch that arrives twice (at-least-once).
- A SOAP Fault of kind Client (FBS refuses the content) is retried
  `callbacks.max_rejected_attempts` times, then the batch is marked ``afvist`` and
  the queue moves on, so one bad event cannot block a municipality for ever.
- Without a registered callback URL the batch waits (outcome ``ingen_url``); the
  next run, or ``POST /admin/callbacks/<kode>/flush``, tries again.
Every attempt and its outcome is stored (`TimeRepo.attempts`).
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime

import requests

from oeir import model
from simulators.calendar import next_nightly_run
from simulators.callbacks import client
from simulators.callbacks.events import REPORTED, haendelse
from simulators.clock import shift
from simulators.engine import Simulator
from simulators.ledger.records import Event
from simulators.scheduler import JobContext
from simulators.store.base import Tx
from simulators.store.time import Attempt, Batch, TimeRepo
from simulators.timesettings import TimeSettings

RUN = "callbacks.run"
DELIVER = "callbacks.deliver"
_KINDS = sorted(str(k) for k in REPORTED)


class CallbackPipeline:
    """Batches the ledger's reported events per municipality and delivers them to FBS."""

    def __init__(self, sim: Simulator, session: requests.Session | None = None) -> None:
        self.sim = sim
        self.session = session or requests.Session()
        if sim.config.callback_secret:  # checked by the core's receiver (integration.web.auth)
            self.session.headers["X-Callback-Secret"] = sim.config.callback_secret
        self._send_lock = threading.Lock()

    def install(self) -> None:
        """Listen to the ledger and register the job handlers."""
        self.sim.ledger.listeners.append(self.on_event)
        self.sim.scheduler.register(RUN, self._run)
        self.sim.scheduler.register(DELIVER, self._deliver, transactional=False)

    # -- scheduling -----------------------------------------------------------------

    def next_run(self, kommunekode: str, after: datetime) -> datetime:
        """When an event at `after` in this municipality is sent to FBS at the earliest."""
        tenant = self.sim.tenants.get(kommunekode)
        if tenant is None:
            raise KeyError(kommunekode)
        cb = tenant.profile.callbacks
        if cb.mode == "realtime":
            return shift(after, cb.realtime_delay)
        return next_nightly_run(
            after, cb.time, weekdays_only=cb.weekdays_only, skip_holidays=cb.skip_holidays
        )

    def on_event(self, tx: Tx, event: Event) -> None:
        """Ledger listener: queue the run that will carry a reported event."""
        if event.kind not in REPORTED:
            return
        due = self.next_run(event.kommunekode, event.tidspunkt)
        key = f"cb-run:{event.kommunekode}:{due.isoformat()}"
        tx.insert_job(RUN, due, {"kommunekode": event.kommunekode}, key)

    # -- the run ----------------------------------------------------------------------

    def _run(self, ctx: JobContext) -> None:
        assert ctx.tx is not None
        self.collect(ctx.tx, ctx.job.payload["kommunekode"], ctx.now)

    def collect(self, tx: Tx, kommunekode: str, now: datetime) -> list[Batch]:
        """Put every reported event since the cursor into new batches; queue delivery."""
        repo = TimeRepo(tx)
        tenant = self.sim.tenants.get(kommunekode)
        assert tenant is not None
        settings = TimeSettings.of(tenant.profile)
        events = tx.events(
            after=repo.cursor(kommunekode), kommunekode=kommunekode, kinds=_KINDS, limit=10**9
        )
        ready: list[Event] = []
        for event in events:
            if event.tidspunkt > now:
                break
            ready.append(event)
        oldest = repo.oldest_pending(kommunekode)
        batches = []
        for i in range(0, len(ready), settings.max_batch):
            part = ready[i : i + settings.max_batch]
            batches.append(
                repo.add_batch(kommunekode, now, [(e.event_id, e.fordring_id) for e in part])
            )
        if ready:
            repo.set_cursor(kommunekode, ready[-1].seq)
        first = oldest or (batches[0] if batches else None)
        if first is not None and (first.next_attempt is None or first.next_attempt <= now):
            tx.insert_job(
                DELIVER,
                now,
                {"kommunekode": kommunekode},
                f"cb-deliver:{kommunekode}:{first.id}:{first.attempts}:{now.isoformat()}",
            )
        return batches

    # -- delivery -----------------------------------------------------------------------

    def _haendelser(self, tx: Tx, batch: Batch) -> tuple[model.Haendelse, ...]:
        out = []
        agency_of_konto: dict[str, str] = {}
        for event_id in batch.event_ids:
            event = tx.event(event_id)
            if event is None:
                raise LookupError(f"event {event_id} of batch {batch.id} is gone")
            agency = event.data.get("agency_id")
            if agency is None:
                if event.konto not in agency_of_konto:
                    claims = tx.claims_of_account(event.konto)
                    agency_of_konto[event.konto] = (
                        claims[0].agency_id if claims else f"DK-7{event.kommunekode}00"
                    )
                agency = agency_of_konto[event.konto]
            out.append(haendelse(event, agency))
        return tuple(out)

    def _deliver(self, ctx: JobContext) -> None:
        self.deliver_next(ctx.job.payload["kommunekode"], ctx.now)

    def deliver_next(self, kommunekode: str, now: datetime) -> Attempt | None:
        """Try the municipality's oldest pending batch now (unless a retry is due later)."""
        store = self.sim.store
        with self._send_lock:
            with store.transaction() as tx:
                repo = TimeRepo(tx)
                batch = repo.oldest_pending(kommunekode)
                if batch is None or (batch.next_attempt is not None and batch.next_attempt > now):
                    return None
                haendelser = self._haendelser(tx, batch)
            tenant = self.sim.tenants.get(kommunekode)
            assert tenant is not None
            settings = TimeSettings.of(tenant.profile)
            url = tenant.callback_url
            if url is None:
                outcome = client.Outcome("ingen_url", detail="no callback URL registered")
            else:
                # Fault injection (simulators.faults) may duplicate, reorder or drop the message.
                plan = self.sim.faults.callback_plan(kommunekode, haendelser)
                outcome = client.Outcome("utilgaengelig", detail="dropped (fault injection)")
                certs = self.sim.config.tls  # the system's own certificate (oeir.certs)
                tls = certs.requests_options(tenant.system) if certs is not None else None
                for part in plan.messages:
                    body = client.envelope(tenant.kommune, tenant.system, str(uuid.uuid4()), part)
                    outcome = client.deliver(
                        self.session,
                        url,
                        body,
                        {h.haendelse_id for h in part},
                        settings.timeout_seconds,
                        tls,
                    )
                if plan.ack_lost:
                    outcome = client.Outcome(
                        "utilgaengelig", detail="answer lost (fault injection)"
                    )
            return self._record(kommunekode, batch, url, outcome, settings, now)

    def _record(
        self,
        kommunekode: str,
        batch: Batch,
        url: str | None,
        outcome: client.Outcome,
        settings: TimeSettings,
        now: datetime,
    ) -> Attempt:
        attempts = batch.attempts + 1
        status, next_attempt, delivered = "pending", None, None
        if outcome.ok:
            status, delivered = "delivered", now
        elif outcome.client_fault and attempts >= settings.max_rejected_attempts:
            status = "afvist"
        elif outcome.outcome != "ingen_url":
            next_attempt = shift(now, settings.backoff(attempts))
        attempt = Attempt(
            id=0,
            batch_id=batch.id,
            kommunekode=kommunekode,
            tidspunkt=now,
            url=url,
            outcome=outcome.outcome,
            http_status=outcome.http_status,
            fejlkode=outcome.fejlkode,
            detail=outcome.detail,
            modtaget=outcome.modtaget,
            dublet=outcome.dublet,
            next_attempt=next_attempt,
        )
        with self.sim.store.transaction() as tx:
            repo = TimeRepo(tx)
            repo.add_attempt(attempt)
            repo.update_batch(
                batch.id,
                status=status,
                attempts=attempts,
                next_attempt=next_attempt,
                delivered_at=delivered,
            )
            if next_attempt is not None:
                tx.insert_job(
                    DELIVER,
                    next_attempt,
                    {"kommunekode": kommunekode},
                    f"cb-deliver:{kommunekode}:{batch.id}:{attempts}",
                )
            elif status != "pending":
                following = repo.oldest_pending(kommunekode)
                if following is not None:
                    tx.insert_job(
                        DELIVER,
                        now,
                        {"kommunekode": kommunekode},
                        f"cb-deliver:{kommunekode}:{following.id}:{following.attempts}:{now.isoformat()}",
                    )
        return attempt

    def flush(self, kommunekode: str) -> Attempt | None:
        """Try the oldest pending batch now, ignoring a scheduled retry (admin)."""
        now = self.sim.clock.now()
        with self.sim.store.transaction() as tx:
            repo = TimeRepo(tx)
            batch = repo.oldest_pending(kommunekode)
            if batch is None:
                return None
            repo.update_batch(
                batch.id,
                status="pending",
                attempts=batch.attempts,
                next_attempt=None,
                delivered_at=None,
            )
        return self.deliver_next(kommunekode, now)
