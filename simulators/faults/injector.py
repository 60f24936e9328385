"""The fault injector: the rule list, the decision per call, and the journal record of it.

Plain Python (no Flask). `decide` answers "what goes wrong with this SOAP call",
`callback_plan` answers "how is this callback to FBS sent". Every in-scope rule
draws on every in-scope call, in rule order, so a seeded rule's sequence depends
only on the calls in its own scope. Latencies add up; of the other faults the
first that fires wins (a "next N calls" rule only counts the calls it was applied to).

Journal records are written by one background thread, many per transaction: a
journal write per held request would make 200 slow calls queue on SQLite's write
lock, which is the very serialisation injected latency must not cause. `flush()`
waits until everything recorded so far is stored.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from oeir import model
from oeir.identifiers import mask_cprs_in_text
from simulators.faults.rules import FaultRule, FaultRuleError, parse_rule
from simulators.journal import Journal, mask_message
from simulators.ledger import Clock
from simulators.store.base import JournalEntry

CALLBACK_SERVICE = "DaekningAfskrivningRegistreringAfsend"
CALLBACK_OPERATION = "RegistrerDaekningAfskrivning"


class _Released(Protocol):
    def wait(self, timeout: float | None = None) -> bool: ...


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do to one SOAP call: wait `delay_ms` first, then apply `fault` (None = answer)."""

    delay_ms: float = 0.0
    fault: FaultRule | None = None
    latencies: tuple[FaultRule, ...] = ()


@dataclass(frozen=True, slots=True)
class CallbackPlan:
    """How one callback message is sent: the messages in order (empty = dropped).

    `ack_lost`: the messages are sent, but the answer is thrown away, so the
    sender treats it as failed and redelivers later.
    """

    messages: tuple[tuple[model.Haendelse, ...], ...]
    ack_lost: bool = False
    rules: tuple[FaultRule, ...] = field(default=())


class FaultInjector:
    """The fault rules of one simulator (in memory; configured rules are loaded at start)."""

    def __init__(
        self, clock: Clock, journal: Journal, rules: Iterable[Mapping[str, Any]] = ()
    ) -> None:
        self.clock = clock
        self.journal = journal
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next_id = 1
        self.released = threading.Event()
        """Set to let held (`timeout`) requests go at once (clear, shutdown)."""
        self._journal_cv = threading.Condition()
        self._queue: list[JournalEntry] = []
        self._writing = False
        self._writer: threading.Thread | None = None
        for data in rules:
            self.add(data)

    # -- the rule list ---------------------------------------------------------------

    def add(self, data: Mapping[str, Any]) -> FaultRule:
        """Validate and append a rule (raises `FaultRuleError`); returns it with its id."""
        with self._lock:
            rule = parse_rule(data, self._next_id)
            self._next_id += 1
            self._rules.append(rule)
            self.released.clear()
            return rule

    def rules(self) -> list[FaultRule]:
        """The rules in evaluation order."""
        with self._lock:
            return list(self._rules)

    def get(self, rule_id: int) -> FaultRule | None:
        """One rule by id."""
        with self._lock:
            return next((r for r in self._rules if r.id == rule_id), None)

    def delete(self, rule_id: int) -> bool:
        """Remove one rule; False when there is none with this id."""
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) < before

    def clear(self) -> int:
        """Remove every rule and release held requests; returns how many were removed."""
        with self._lock:
            n = len(self._rules)
            self._rules = []
            self.released.set()
            return n

    @property
    def active(self) -> bool:
        """True when any rule on SOAP calls exists (the fast path skips everything else)."""
        return any(not r.for_callbacks for r in self._rules)

    # -- decisions ---------------------------------------------------------------------

    def decide(self, kommunekode: str | None, operation: str | None) -> Decision:
        """The faults for one SOAP call (draws the rules' RNGs and counts them down)."""
        now = self.clock.now()
        delay, fault, latencies = 0.0, None, []
        with self._lock:
            for rule in self._rules:
                if rule.for_callbacks or not rule.in_scope(kommunekode, operation):
                    continue
                if not rule.triggers(now):
                    continue
                if rule.latency is not None:
                    delay += rule.latency.sample_ms(rule.rng)
                    latencies.append(rule)
                    rule.consume()
                elif fault is None:
                    fault = rule
                    rule.consume()
        return Decision(delay, fault, tuple(latencies))

    def callback_plan(
        self, kommunekode: str, haendelser: tuple[model.Haendelse, ...]
    ) -> CallbackPlan:
        """How a callback message for `kommunekode` is sent (the callback sender calls this)."""
        now = self.clock.now()
        messages: list[tuple[model.Haendelse, ...]] = [haendelser]
        ack_lost, applied = False, []
        with self._lock:
            for rule in self._rules:
                if not rule.for_callbacks or not rule.in_scope(kommunekode, CALLBACK_OPERATION):
                    continue
                if not rule.triggers(now):
                    continue
                applied.append(rule)
                rule.consume()
                if rule.kind == "callback_duplicate":
                    messages = [m for m in messages for _ in range(rule.params["copies"])]
                elif rule.kind == "callback_reorder":
                    messages = [tuple(reversed(m)) for m in messages]
                elif rule.params.get("ack_lost"):
                    ack_lost = True
                else:
                    messages = []
        plan = CallbackPlan(tuple(messages), ack_lost, tuple(applied))
        for rule in applied:
            self.record(
                rule,
                service=CALLBACK_SERVICE,
                operation=CALLBACK_OPERATION,
                kommunekode=kommunekode,
                http_status=0,
                detail=f"{len(haendelser)} events, sent {len(plan.messages)} time(s)",
            )
        return plan

    def record(
        self,
        rule: FaultRule,
        *,
        service: str,
        operation: str | None,
        kommunekode: str | None,
        http_status: int,
        request: bytes = b"",
        detail: str | None = None,
    ) -> None:
        """Log one injected fault in the request journal (verdict ``injected``), CPR masked."""
        if not self.journal.enabled:
            return
        text = f"fault rule {rule.id}: {rule.kind}" + (f" ({detail})" if detail else "")
        entry = JournalEntry(
            id=0,
            tidspunkt=self.clock.now(),
            service=service,
            operation=operation,
            kommunekode=kommunekode,
            verdict="injected",
            fejlkode=rule.params.get("fejlkode")
            or ("TjenesteUtilgaengelig" if rule.kind == "maintenance" else None),
            felt=None,
            http_status=http_status,
            request=mask_message(request),
            detail=mask_cprs_in_text(text),
        )
        with self._journal_cv:
            self._queue.append(entry)
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_journal, name="fault-journal", daemon=True
                )
                self._writer.start()
            self._journal_cv.notify_all()

    def close(self) -> None:
        """Release held requests and store what is still queued for the journal."""
        self.released.set()
        self.flush(timeout=5.0)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every recorded fault is in the journal; False on timeout."""
        with self._journal_cv:
            return self._journal_cv.wait_for(lambda: not self._queue and not self._writing, timeout)

    def _write_journal(self) -> None:
        while True:
            with self._journal_cv:
                self._journal_cv.wait_for(lambda: bool(self._queue))
                batch, self._queue, self._writing = self._queue, [], True
            try:
                with self.journal.store.transaction() as tx:
                    for entry in batch:
                        tx.add_journal(entry, self.journal.max_rows)
            except Exception:  # a closed store at shutdown: the records are lost, not the server
                pass
            finally:
                with self._journal_cv:
                    self._writing = False
                    self._journal_cv.notify_all()


__all__ = ["CallbackPlan", "Decision", "FaultInjector", "FaultRuleError"]
