"""The outbox worker: delivers due messages in order per claim, retries on the clock.

No sleeping: a failed delivery gets a "not before" time (exponential backoff
with jitter) and the worker only ever takes what is due at `clock.now()`.
`run_once()` / `drain()` serve tests; `serve()` loops for `debitorsim core-worker`.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from integration.client import BusinessFault, DebtorClient, TechnicalFault
from integration.config import CoreConfig
from integration.outbox import messages
from integration.store import OutboxRow, Store
from oeir import model
from oeir.identifiers import mask_cprs_in_text

log = logging.getLogger(__name__)


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
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        """Messages taken in this round."""
        return self.sent + self.retried + self.parked


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

    def run_once(self, limit: int | None = None) -> RoundResult:
        """Claim the messages due now (first in line per claim) and deliver each once."""
        settings = self.config.outbox
        now = self.config.clock.now()
        with self.store.tx() as repo:
            rows = repo.claim_due(
                now, now + timedelta(seconds=settings.lease_s), limit or settings.batch_size
            )
        result = RoundResult()
        for row in rows:
            self._deliver(row, result)
        return result

    def drain(self, max_rounds: int = 10_000) -> RoundResult:
        """Run rounds until nothing is due now (the clock does not move); totals returned."""
        total = RoundResult()
        for _ in range(max_rounds):
            r = self.run_once()
            if r.handled == 0:
                break
            total.sent += r.sent
            total.retried += r.retried
            total.parked += r.parked
            total.errors += r.errors
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

    # --- one message ------------------------------------------------------------

    def _deliver(self, row: OutboxRow, result: RoundResult) -> None:
        message = messages.decode_payload(row.operation, row.payload)
        try:
            answer, effects = self._send(row, message)
        except TechnicalFault as exc:
            s = self.config.outbox
            when = self.config.clock.now() + backoff(
                row.attempts + 1, s.backoff_base_s, s.backoff_cap_s, s.jitter, self.rng
            )
            error = mask_cprs_in_text(str(exc))
            with self.store.tx() as repo:
                repo.mark_retry(row.id, when, error)
            result.retried += 1
            result.errors.append(error)
            log.info("outbox %s %s: retry at %s (%s)", row.id, row.operation, when, error)
            return
        except BusinessFault as fault:
            with self.store.tx() as repo:
                repo.mark_parked(row.id, fault.kode, mask_cprs_in_text(fault.tekst_da))
            result.parked += 1
            log.warning("outbox %s %s parked: %s", row.id, row.operation, fault.kode)
            return
        now = self.config.clock.now()
        with self.store.tx() as repo:
            repo.mark_sent(row.id, now)
            for kommune, ident, konto in effects:
                repo.set_account(kommune, ident, konto)
            if row.operation == messages.OPRET:
                repo.set_handed_over(row.ordering_key, now)
        del answer
        result.sent += 1

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
        self, row: OutboxRow, fordring: model.Fordring
    ) -> tuple[Any, list[tuple[str, str, str]]]:
        kommune, ident = row.kommunekode, fordring.debitor.ident
        with self.store.read() as repo:
            konto = repo.account(kommune, ident)
        if konto is not None:
            try:
                answer = self.client.call(
                    kommune, model.OpretFordring(fordring=fordring), row.msg_id, row.ordering_key
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
        answer = self.client.call(
            kommune,
            model.OpretDebitorkonto(
                debitor=fordring.debitor, kreditor=fordring.kreditor, fordringer=(fordring,)
            ),
            call_id,
            row.ordering_key,
        )
        return answer, [(kommune, ident, answer.debitorkontonummer)]


def next_due(store: Store) -> datetime | None:
    """When the worker next has something to do (None: nothing pending)."""
    with store.read() as repo:
        return repo.next_due()
