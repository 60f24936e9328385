"""The fault-rule table in process memory, for an injector without a simulator store.

A `FaultInjector` built on a `Journal` without a store (plain-Python use, unit tests)
keeps its rules here, with the same methods as the store's fault block
(`simulators.store.base.Tx`), so the injector has one code path. A simulator always
passes its store: rules there are shared by every process on the database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from simulators.store.base import FaultRow, FaultState


class LocalFaultStore:
    """Fault rules of one process; `transaction()` and `read()` hand out the same table."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._rows: dict[int, FaultRow] = {}
        self._state = FaultState(generation=0, clears=0, next_id=1, config_digest=None)

    @contextmanager
    def transaction(self) -> Iterator[LocalFaultStore]:
        """The table, locked against other threads (re-entrant)."""
        with self._lock:
            yield self

    read = transaction

    def fault_generation(self) -> int:
        """The rule set's generation."""
        return self._state.generation

    def fault_state(self) -> FaultState:
        """Generation, clear count, next id, configured-set marker."""
        return self._state

    def fault_rules(self) -> list[FaultRow]:
        """The rules in id order."""
        return [self._rows[k] for k in sorted(self._rows)]

    def _bump(self, clears: int = 0, ids: int = 0) -> None:
        s = self._state
        self._state = replace(
            s, generation=s.generation + 1, clears=s.clears + clears, next_id=s.next_id + ids
        )

    def add_fault_rule(self, definition: str, remaining: int | None, source: str) -> int:
        """Store a rule under the next id."""
        rule_id = self._state.next_id
        self._bump(ids=1)
        self._rows[rule_id] = FaultRow(rule_id, definition, source, remaining, 0)
        return rule_id

    def delete_fault_rule(self, rule_id: int) -> bool:
        """Remove one rule."""
        gone = self._rows.pop(rule_id, None) is not None
        if gone:
            self._bump()
        return gone

    def clear_fault_rules(self) -> int:
        """Remove every rule."""
        n = len(self._rows)
        self._rows.clear()
        self._bump(clears=1)
        return n

    def consume_fault_rule(self, rule_id: int) -> int | None:
        """One application of a counted rule, if any are left."""
        row = self._rows.get(rule_id)
        if row is None or row.remaining is None or row.remaining <= 0:
            return None
        self._rows[rule_id] = replace(row, remaining=row.remaining - 1, fired=row.fired + 1)
        return row.remaining - 1

    def add_fault_fired(self, counts: dict[int, int]) -> None:
        """Add applications of uncounted rules."""
        for rule_id, n in counts.items():
            row = self._rows.get(rule_id)
            if row is not None:
                self._rows[rule_id] = replace(row, fired=row.fired + n)

    def set_fault_config(self, digest: str | None) -> None:
        """Remember the configured set loaded last."""
        self._bump()
        self._state = replace(self._state, config_digest=digest)
