"""The outbox worker: delivers due messages in order per claim, retries on the clock.

No sleeping: a failed delivery gets a "not before" time (exponential backoff
with jitter) and the worker only ever takes what is due at `clock.now()`.
A claimed message is leased on the real clock (`CoreConfig.lease_clock`), not the
virtual one: a killed worker's leases run out even while virtual time stands still.
A round may outlast its lease (a slow debtor system, a busy host): before each call the
worker makes sure the lease covers one more call (`http_timeout_s`), renewing it while it
still holds it, and sends nothing it lost. It records an outcome only while it holds the
lease (the ``lease_until`` it stamped is the fencing token): a late answer never overwrites
what the worker that took the message over recorded.
`run_once()` / `drain()` serve tests; `serve()` loops for `debitorsim core-worker`.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from integration.client import BusinessFault, DebtorClient, TechnicalFault
from integration.clock import refresh
from integration.config import CoreConfig
from integration.outbox import messages
from integration.store import OutboxRow, Store
from oeir import model
from oeir.identifiers import mask_cprs_in_text

log = logging.getLogger(__name__)


OPRET_FORDRING_SUFFIX = "-fordring"
"""Call id suffix of a new claim sent as `OpretFordring`.

A call id names one request: the debtor system answers a repeated id with its first
answer and refuses it with other content (`KaldIdAlleredeBrugt`). A new claim's first
attempt may go as `OpretDebitorkonto` (call id = the message id) and, once the debtor's
account is known, its retry as `OpretFordring`: another request, so another call id. The
claim is still created once: the debtor system is idempotent on its FordringId.
"""


def batch_call_id(rows: list[OutboxRow]) -> str:
    """The call id of one `OpretDebitorkonto` for several new claims: the first message id,
    the count, and a hash of every message id, so another grouping is another call id."""
    members = hashlib.sha256(",".join(r.msg_id for r in rows).encode()).hexdigest()[:12]
    return f"{rows[0].msg_id}-x{len(rows)}-{members}"


def backoff(
    attempts: int, base_s: float, cap_s: float, jitter: float, rng: random.Random
) -> timedelta:
    """Delay before retry number `attempts` (1 = first retry): base·2^(n-1), capped, plus jitter."""
    delay = min(cap_s, base_s * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * (1 + jitter * rng.random()))


@dataclass
class RoundResult:
    """What one `run_once` did."""

    sent: int = 0
    retried: int = 0
    parked: int = 0
    calls: int = 0
    lost: int = 0
    """Messages let go because their lease ran out and another worker took them."""
    errors: list[str] = field(default_factory=list)

    def add(self, other: RoundResult) -> None:
        """Add another round's counts to this one."""
        self.sent += other.sent
        self.retried += other.retried
        self.parked += other.parked
        self.calls += other.calls
        self.lost += other.lost
        self.errors += other.errors

    @property
    def handled(self) -> int:
        """Messages taken in this round."""
        return self.sent + self.retried + self.parked


@dataclass
class Lease:
    """The lease a round holds on one unit's rows: `until` is the ``lease_until`` it stamped,
    the token that proves the rows are still this worker's."""

    until: datetime


class OutboxWorker:
    """Delivers outbox messages through a `DebtorClient`."""

    def __init__(
        self,
        store: Store,
        config: CoreConfig,
        client: DebtorClient | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.client = client or DebtorClient(config)
        self.rng = rng or random.Random()
        self._pool: ThreadPoolExecutor | None = None

    def run_once(self, limit: int | None = None) -> RoundResult:
        """Claim the messages due now (first in line per claim) and deliver each once."""
        settings = self.config.outbox
        refresh(self.config.clock)
        now = self.config.clock.now()
        leased_at = self.config.lease_clock.now()  # real time: see CoreConfig.lease_clock
        lease_until = leased_at + timedelta(seconds=settings.lease_s)
        with self.store.tx() as repo:
            rows = repo.claim_due(
                now, limit or settings.batch_size, lease_now=leased_at, lease_until=lease_until
            )
        total = RoundResult()
        units = [(Lease(lease_until), unit) for unit in self._units(rows, lease_until, total)]
        if settings.concurrency > 1 and len(units) > 1:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(settings.concurrency, "outbox")
            results = list(self._pool.map(self._deliver_unit, units))
        else:
            results = [self._deliver_unit(u) for u in units]
        for r in results:
            total.add(r)
        return total

    def _units(
        self, rows: list[OutboxRow], held: datetime, result: RoundResult
    ) -> list[list[tuple[OutboxRow, Any]]]:
        """Group the round's messages into calls.

        New claims of one debtor whose account is not known yet go together in
        one `OpretDebitorkonto` (up to `coalesce_max` claims: the operation
        takes up to 100); every other message is its own call.
        """
        decoded = []
        for row in rows:
            try:
                msg = (
                    messages.StoredClaim.parse(row.payload)
                    if row.operation == messages.OPRET
                    else messages.decode_payload(row.operation, row.payload)
                )
            except Exception as exc:  # a row that cannot be read must not stop the others
                with self.store.tx() as repo:
                    parked = repo.mark_parked(
                        row.id,
                        "UlaeseligBesked",
                        f"Beskeden i udbakken kan ikke læses: {exc}"[:300],
                        held=held,
                    )
                if parked:
                    log.error("outbox %s parked: unreadable payload", row.id)
                    result.parked += 1
                else:
                    self._lost(row, result)
                continue
            decoded.append((row, msg))
        limit = self.config.outbox.coalesce_max
        if limit <= 1:
            return [[d] for d in decoded]
        groups: dict[tuple[str, str, str], list[tuple[OutboxRow, Any]]] = {}
        units: list[list[tuple[OutboxRow, Any]]] = []
        with self.store.read() as repo:
            for row, msg in decoded:
                if row.operation != messages.OPRET or repo.account(row.kommunekode, msg.ident):
                    units.append([(row, msg)])
                    continue
                key = (row.kommunekode, msg.ident, msg.agency_id)
                group = groups.get(key)
                if group is None or len(group) >= limit:
                    group = groups[key] = []
                    units.append(group)
                group.append((row, msg))
        return units

    def close(self) -> None:
        """Stop the delivery threads (if any were started)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def drain(self, max_rounds: int = 10_000) -> RoundResult:
        """Run rounds until nothing is due now (the clock does not move); totals returned."""
        total = RoundResult()
        for _ in range(max_rounds):
            r = self.run_once()
            if r.handled == 0:
                break
            total.add(r)
        return total

    def serve(self, stop: threading.Event, poll_s: float = 0.5) -> None:
        """Loop until `stop` is set: deliver what is due, wait `poll_s` real seconds when idle."""
        while not stop.is_set():
            try:
                r = self.run_once()
            except Exception:  # keep the loop alive; the message stays leased and comes back
                log.exception("outbox round failed")
                r = RoundResult()
            if r.handled == 0:
                stop.wait(poll_s)
        self.close()

    # --- one message ------------------------------------------------------------

    def _deliver_unit(self, item: tuple[Lease, list[tuple[OutboxRow, Any]]]) -> RoundResult:
        lease, unit = item
        result = RoundResult()
        if len(unit) > 1:
            kept = set(self._hold([row for row, _ in unit], lease, result))
            unit = [(row, msg) for row, msg in unit if row.id in kept]
        if len(unit) == 1:
            self._deliver(*unit[0], lease, result)
        if len(unit) <= 1:
            return result
        rows = [row for row, _ in unit]
        claims = [msg for _, msg in unit]
        result.calls += 1
        try:
            answer = self.client.call_element(
                rows[0].kommunekode,
                "OpretDebitorkonto",
                messages.opret_debitorkonto_element(claims),
                batch_call_id(rows),
                rows[0].ordering_key,
            )
        except TechnicalFault as exc:
            for row in rows:
                self._retry(row, exc, lease, result)
            return result
        except BusinessFault:
            # One claim spoiled the batch: send each on its own, so only that one parks.
            for row, msg in unit:
                self._deliver(row, msg, lease, result)
            return result
        self._mark_sent(
            rows, [(rows[0].kommunekode, claims[0].ident, answer.debitorkontonummer)], lease, result
        )
        return result

    def _hold(self, rows: list[OutboxRow], lease: Lease, result: RoundResult) -> list[int]:
        """The ids of `rows` this worker may send now: its lease must cover one more call.

        While more than `http_timeout_s` of the lease is left nothing is written. Otherwise
        the lease is renewed for `lease_s` on the rows still held under it; a row that
        another worker took since (its lease had run out) is let go, not sent.
        """
        settings = self.config.outbox
        now = self.config.lease_clock.now()
        if lease.until - now > timedelta(seconds=settings.http_timeout_s):
            return [row.id for row in rows]
        until = now + timedelta(seconds=settings.lease_s)
        with self.store.tx() as repo:
            kept = repo.renew_lease([row.id for row in rows], lease.until, until)
        lease.until = until
        for row in rows:
            if row.id not in kept:
                self._lost(row, result)
        return kept

    def _lost(self, row: OutboxRow, result: RoundResult) -> None:
        result.lost += 1
        log.warning(
            "outbox %s %s: lease ran out and another worker took it; left to that worker",
            row.id,
            row.operation,
        )

    def _retry(self, row: OutboxRow, exc: Exception, lease: Lease, result: RoundResult) -> None:
        s = self.config.outbox
        when = self.config.clock.now() + backoff(
            row.attempts + 1, s.backoff_base_s, s.backoff_cap_s, s.jitter, self.rng
        )
        error = mask_cprs_in_text(str(exc))
        with self.store.tx() as repo:
            held = repo.mark_retry(row.id, when, error, held=lease.until)
        if not held:
            self._lost(row, result)
            return
        result.retried += 1
        result.errors.append(error)
        log.info("outbox %s %s: retry at %s (%s)", row.id, row.operation, when, error)

    def _mark_sent(
        self,
        rows: list[OutboxRow],
        effects: list[tuple[str, str, str]],
        lease: Lease,
        result: RoundResult,
    ) -> None:
        now = self.config.clock.now()
        with self.store.tx() as repo:
            held = [row for row in rows if repo.mark_sent(row.id, now, held=lease.until)]
            for row in held:
                if row.operation == messages.OPRET:
                    repo.set_handed_over(row.ordering_key, now)
            if held:
                for kommune, ident, konto in effects:
                    repo.set_account(kommune, ident, konto)
        result.sent += len(held)
        for row in rows:
            if row not in held:
                self._lost(row, result)

    def _deliver(self, row: OutboxRow, message: Any, lease: Lease, result: RoundResult) -> None:
        if not self._hold([row], lease, result):
            return
        result.calls += 1
        try:
            _answer, effects = self._send(row, message)
        except TechnicalFault as exc:
            self._retry(row, exc, lease, result)
            return
        except BusinessFault as fault:
            with self.store.tx() as repo:
                held = repo.mark_parked(
                    row.id, fault.kode, mask_cprs_in_text(fault.tekst_da), held=lease.until
                )
            if not held:
                self._lost(row, result)
                return
            result.parked += 1
            log.warning("outbox %s %s parked: %s", row.id, row.operation, fault.kode)
            return
        self._mark_sent([row], effects, lease, result)

    def _send(self, row: OutboxRow, message: Any) -> tuple[Any, list[tuple[str, str, str]]]:
        """Send one message; returns the answer and the account numbers learnt from it."""
        kommune = row.kommunekode
        if row.operation == messages.OPRET:
            return self._send_opret(row, message)
        answer = self.client.call(kommune, message, row.msg_id, row.ordering_key)
        if isinstance(message, model.SkiftHaefter):
            return answer, [(kommune, message.ny_debitor.ident, answer.debitorkontonummer)]
        return answer, []

    def _send_opret(
        self, row: OutboxRow, claim: messages.StoredClaim
    ) -> tuple[Any, list[tuple[str, str, str]]]:
        kommune, ident = row.kommunekode, claim.ident
        with self.store.read() as repo:
            konto = repo.account(kommune, ident)
        if konto is not None:
            try:
                answer = self.client.call_element(
                    kommune,
                    "OpretFordring",
                    messages.opret_fordring_element(claim),
                    f"{row.msg_id}{OPRET_FORDRING_SUFFIX}",
                    row.ordering_key,
                )
                return answer, [(kommune, ident, answer.debitorkontonummer)]
            except BusinessFault as fault:
                if fault.kode != "DebitorkontoFindesIkke":
                    raise
                # The account we knew is gone (closed, or the simulator was reset):
                # forget it and open a new one with this claim, under a distinct call id.
                with self.store.tx() as repo:
                    repo.forget_account(kommune, ident)
                call_id = f"{row.msg_id}-konto"
        else:
            call_id = row.msg_id
        answer = self.client.call_element(
            kommune,
            "OpretDebitorkonto",
            messages.opret_debitorkonto_element([claim]),
            call_id,
            row.ordering_key,
        )
        return answer, [(kommune, ident, answer.debitorkontonummer)]


def next_due(store: Store) -> datetime | None:
    """When the worker next has something to do (None: nothing pending)."""
    with store.read() as repo:
        return repo.next_due()
