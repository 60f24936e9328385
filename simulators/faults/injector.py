"""The fault injector: the rule list, the decision per call, and the journal record of it.

Plain Python (no Flask). `decide` answers "what goes wrong with this SOAP call",
`callback_plan` answers "how is this callback to FBS sent". Every in-scope rule
draws on every in-scope call, in rule order, so a seeded rule's sequence depends
only on the calls in its own scope. Latencies add up; of the other faults the
first that fires wins (a "next N calls" rule only counts the calls it was applied to).

The rules live in the simulator's store, shared by every process on the database
(gunicorn workers): each call first reads the rule set's generation (one row) and
reloads the rules when it moved, so an add, delete or clear on any worker applies
to the next call everywhere. A "next N calls" rule is counted down in a store
transaction, so N calls fail in total, not N per worker. A probability rule's RNG
is per process: with several workers each draws its own copy of the seeded sequence.

Each injected fault is recorded through the request journal, which stores its rows
from a background thread in batches: a write per held request would make 200 slow
calls queue on SQLite's write lock, the very serialisation injected latency must not
cause. For the same reason one background thread here adds the applications of rules
without a count to their stored `fired`. `flush()` waits until both are stored.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from oeir import model
from simulators.faults.local import LocalFaultStore
from simulators.faults.rules import FaultRule, FaultRuleError, parse_rule
from simulators.journal import Journal
from simulators.ledger import Clock
from simulators.store.base import FaultRow, FaultState

CALLBACK_SERVICE = "DaekningAfskrivningRegistreringAfsend"
CALLBACK_OPERATION = "RegistrerDaekningAfskrivning"

LINGER_S = 0.05
"""`fired` counts alone are written at most once per this (a flush does not wait)."""
HOLD_SLICE_S = 0.25
"""A held request re-reads the rule set this often, so a clear on another worker ends it."""
API, CONFIG = "api", "config"
"""Where a stored rule came from: the admin API (or dashboard), or the configuration."""


class FaultTx(Protocol):
    """The fault block of a store transaction (`simulators.store.base.Tx`)."""

    def fault_state(self) -> FaultState: ...
    def fault_rules(self) -> list[FaultRow]: ...
    def add_fault_rule(self, definition: str, remaining: int | None, source: str) -> int: ...
    def delete_fault_rule(self, rule_id: int) -> bool: ...
    def clear_fault_rules(self) -> int: ...
    def consume_fault_rule(self, rule_id: int) -> int | None: ...
    def add_fault_fired(self, counts: dict[int, int]) -> None: ...
    def set_fault_config(self, digest: str | None) -> None: ...


class FaultStore(Protocol):
    """Where the rules live: the simulator's store, or `LocalFaultStore`."""

    def transaction(self) -> AbstractContextManager[Any]: ...
    def read(self) -> AbstractContextManager[Any]: ...
    def fault_generation(self) -> int: ...


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


def _definition(data: Mapping[str, Any], rule: FaultRule) -> str:
    """The rule as stored: the fields as given, with the seed drawn for it (every worker
    must parse the same rule)."""
    stored = dict(data)
    if rule.seed is not None:
        stored["seed"] = rule.seed
    return json.dumps(stored, sort_keys=True, default=str)


def config_digest(rules: Iterable[Mapping[str, Any]]) -> str | None:
    """The marker of a configured rule set (None for none)."""
    given = [dict(r) for r in rules]
    if not given:
        return None
    text = json.dumps(given, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class FaultInjector:
    """The fault rules of one simulator, kept in its store (shared by its processes).

    `store` defaults to the journal's store; an injector without one keeps its rules
    in process memory (`LocalFaultStore`). Configured `rules` are loaded at start.
    """

    def __init__(
        self,
        clock: Clock,
        journal: Journal,
        rules: Iterable[Mapping[str, Any]] = (),
        store: FaultStore | None = None,
    ) -> None:
        self.clock = clock
        self.journal = journal
        if store is None:
            store = getattr(journal, "store", None)
        if store is None:
            store = LocalFaultStore()
        self.store: FaultStore = store
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._by_id: dict[int, FaultRule] = {}
        self._generation = -1
        self._clears: int | None = None
        self._soap = False
        self._release = threading.Event()
        self._closed = False
        self._fired_cv = threading.Condition()
        self._fired: dict[int, int] = {}
        self._writing = False
        self._urgent = False
        self._writer: threading.Thread | None = None
        self._load_configured(tuple(rules))
        self._sync()

    # -- the shared rule set -----------------------------------------------------------

    def _load_configured(self, rules: tuple[Mapping[str, Any], ...]) -> None:
        """Store the configured rules, once per configured set.

        Every worker of a server starts with the same configuration: the first to get
        here replaces the previously configured rules with these; the others (and a
        worker restarted later) find the marker equal and leave the rules and their
        counts alone. Rules added through the API are kept.
        """
        parsed = [parse_rule(data, 0) for data in rules]  # a bad rule stops the start
        digest = config_digest(rules)
        with self.store.read() as tx:
            if tx.fault_state().config_digest == digest:
                return
        with self.store.transaction() as tx:
            if tx.fault_state().config_digest == digest:
                return  # another worker was first
            for row in tx.fault_rules():
                if row.source == CONFIG:
                    tx.delete_fault_rule(row.id)
            for data, rule in zip(rules, parsed, strict=True):
                tx.add_fault_rule(_definition(data, rule), rule.remaining, CONFIG)
            tx.set_fault_config(digest)

    def _sync(self) -> None:
        """Reload the rules when their generation moved (one row read when it did not)."""
        if self.store.fault_generation() != self._generation:
            self._reload()

    def _reload(self) -> None:
        with self.store.read() as tx:
            state, rows = tx.fault_state(), tx.fault_rules()
        with self._lock:
            if state.generation < self._generation:
                return  # another thread already applied a newer set
            cleared = self._clears is not None and state.clears != self._clears
            # After a clear (or a snapshot's load, which clears) an id may name another rule,
            # and a loaded seeded rule starts its sequence afresh: build every rule anew.
            cached = {} if cleared else self._by_id
            rules = []
            for row in rows:
                rule = cached.get(row.id)
                if rule is None:
                    try:
                        rule = parse_rule(json.loads(row.definition), row.id)
                    except (FaultRuleError, ValueError):
                        continue  # validated when added; never break every call over one row
                rule.remaining, rule.fired = row.remaining, row.fired
                rules.append(rule)
            self._rules = rules
            self._by_id = {r.id: r for r in rules}
            self._soap = any(not r.for_callbacks for r in rules)
            self._generation = state.generation
            self._clears = state.clears
            if cleared:
                self._release_holds()

    def _release_holds(self) -> None:
        """Wake every request held now; later holds wait on a fresh event (lock held)."""
        released, self._release = self._release, threading.Event()
        released.set()

    # -- the rule list ---------------------------------------------------------------

    def add(self, data: Mapping[str, Any]) -> FaultRule:
        """Validate and append a rule (raises `FaultRuleError`); returns it with its id."""
        rule = parse_rule(data, 0)
        with self.store.transaction() as tx:
            rule.id = tx.add_fault_rule(_definition(data, rule), rule.remaining, API)
        with self._lock:
            rule = self._by_id.setdefault(rule.id, rule)
        self._sync()
        return rule

    def rules(self) -> list[FaultRule]:
        """The rules in evaluation order, with the stored (global) `fired` and `remaining`."""
        self.flush()
        self._reload()
        with self._lock:
            return list(self._rules)

    def get(self, rule_id: int) -> FaultRule | None:
        """One rule by id."""
        return next((r for r in self.rules() if r.id == rule_id), None)

    def delete(self, rule_id: int) -> bool:
        """Remove one rule; False when there is none with this id."""
        with self.store.transaction() as tx:
            gone = tx.delete_fault_rule(rule_id)
        self._sync()
        return gone

    def clear(self) -> int:
        """Remove every rule and release held requests (in every process); returns how many."""
        with self.store.transaction() as tx:
            n = tx.clear_fault_rules()
        self._sync()
        return n

    def active(self) -> bool:
        """True when any rule on SOAP calls exists (the fast path skips everything else).

        Called on every SOAP call: reads the generation, and reloads only when it moved.
        """
        self._sync()
        return self._soap

    def hold(self, seconds: float) -> bool:
        """Wait `seconds` for a held or delayed request; False when cut short because the
        rules were cleared (on any worker) or the simulator is closing."""
        released = self._release
        end = time.monotonic() + seconds
        while not self._closed:
            left = end - time.monotonic()
            if left <= 0:
                return True
            if released.wait(min(left, HOLD_SLICE_S)):
                return False
            if left > HOLD_SLICE_S:
                self._sync()  # a clear elsewhere sets `released`
        return False

    # -- decisions ---------------------------------------------------------------------

    def _consume(self, rule: FaultRule) -> bool:
        """Count one application: a counted rule in a store transaction (False when another
        call or worker took the last one), an uncounted one through the background writer."""
        if rule.remaining is None:
            with self._fired_cv:
                self._fired[rule.id] = self._fired.get(rule.id, 0) + 1
                self._wake_writer()
            with self._lock:
                rule.fired += 1
            return True
        with self.store.transaction() as tx:
            left = tx.consume_fault_rule(rule.id)
        with self._lock:
            if left is None:
                rule.remaining = 0
                return False
            rule.remaining = min(rule.remaining or 0, left)
            rule.fired += 1
        return True

    def decide(self, kommunekode: str | None, operation: str | None) -> Decision:
        """The faults for one SOAP call (draws the rules' RNGs and counts them down)."""
        self._sync()
        now = self.clock.now()
        drawn: list[tuple[FaultRule, float]] = []
        with self._lock:
            for rule in self._rules:
                if rule.for_callbacks or not rule.in_scope(kommunekode, operation):
                    continue
                if rule.triggers(now):
                    ms = rule.latency.sample_ms(rule.rng) if rule.latency is not None else 0.0
                    drawn.append((rule, ms))
        delay, fault, latencies = 0.0, None, []
        for rule, ms in drawn:
            if rule.latency is not None:
                if self._consume(rule):
                    delay += ms
                    latencies.append(rule)
            elif fault is None and self._consume(rule):
                fault = rule
        return Decision(delay, fault, tuple(latencies))

    def callback_plan(
        self, kommunekode: str, haendelser: tuple[model.Haendelse, ...]
    ) -> CallbackPlan:
        """How a callback message for `kommunekode` is sent (the callback sender calls this)."""
        self._sync()
        now = self.clock.now()
        with self._lock:
            drawn = [
                rule
                for rule in self._rules
                if rule.for_callbacks
                and rule.in_scope(kommunekode, CALLBACK_OPERATION)
                and rule.triggers(now)
            ]
        messages: list[tuple[model.Haendelse, ...]] = [haendelser]
        ack_lost, applied = False, []
        for rule in drawn:
            if not self._consume(rule):
                continue
            applied.append(rule)
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
        response: bytes | None = None,
    ) -> None:
        """Log one injected fault in the request journal (verdict ``injected``), CPR masked;
        `response` is what was answered instead (None: nothing, e.g. a dropped connection)."""
        text = f"fault rule {rule.id}: {rule.kind}" + (f" ({detail})" if detail else "")
        self.journal.record(  # queued; the journal's writer masks and stores it
            service=service,
            operation=operation,
            kommunekode=kommunekode,
            verdict="injected",
            fejlkode=rule.params.get("fejlkode")
            or ("TjenesteUtilgaengelig" if rule.kind == "maintenance" else None),
            felt=None,
            http_status=http_status,
            request=request,
            detail=text,
            response=response,
        )

    def _wake_writer(self) -> None:
        """Start the background writer if needed and wake it (`_fired_cv` held)."""
        if self._writer is None or not self._writer.is_alive():
            self._writer = threading.Thread(
                target=self._write_fired, name="fault-fired", daemon=True
            )
            self._writer.start()
        self._fired_cv.notify_all()

    def close(self) -> None:
        """Release held requests and store what is still queued (journal, fired counts)."""
        with self._lock:
            self._closed = True
            self._release_holds()
        self.flush(timeout=5.0)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every recorded fault and `fired` count is stored; False on timeout."""
        with self._fired_cv:
            self._urgent = True
            self._fired_cv.notify_all()
            counted = self._fired_cv.wait_for(
                lambda: not self._fired and not self._writing, timeout
            )
        return self.journal.flush(timeout) and counted

    def _write_fired(self) -> None:
        cv = self._fired_cv
        while True:
            with cv:
                cv.wait_for(lambda: bool(self._fired))
                # Let counts gather: one write per LINGER_S (a flush does not wait).
                cv.wait_for(lambda: self._urgent, timeout=LINGER_S)
                fired, self._fired = self._fired, {}
                self._writing, self._urgent = True, False
            try:
                with self.store.transaction() as tx:
                    tx.add_fault_fired(fired)
            except Exception:  # a closed store at shutdown: the records are lost, not the server
                pass
            finally:
                with self._fired_cv:
                    self._writing = False
                    self._fired_cv.notify_all()


__all__ = ["CallbackPlan", "Decision", "FaultInjector", "FaultRuleError"]
