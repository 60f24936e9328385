"""Fault injection's shared rule table (`simulators.faults`).

Rules and their global trigger state live in the store, so every gunicorn worker on
one database applies the same rules (docs/faults.md). Not emptied by `reset` (rules
are not data). One row in ``fault_state`` (name = 'rules'): generation, clears, the id
sequence and the configured-set marker.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulators.store.sql import SqlTx

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS fault_rules (
    id INTEGER PRIMARY KEY,
    definition TEXT NOT NULL,
    source TEXT NOT NULL,
    remaining INTEGER,
    fired INTEGER NOT NULL DEFAULT 0
)""",
    """CREATE TABLE IF NOT EXISTS fault_state (
    name TEXT PRIMARY KEY,
    generation INTEGER NOT NULL,
    clears INTEGER NOT NULL,
    next_id INTEGER NOT NULL,
    config_digest TEXT
)""",
)

FAULT_GENERATION = "SELECT generation FROM fault_state WHERE name = 'rules'"
"""The rule set's generation, read outside a transaction (on every SOAP call)."""


@dataclass(frozen=True, slots=True)
class FaultRow:
    """One stored fault rule: its definition (JSON as given, seed filled in) and counts."""

    id: int
    definition: str
    source: str  # api | config
    remaining: int | None
    fired: int


@dataclass(frozen=True, slots=True)
class FaultState:
    """The rule set's version: `generation` moves on every add/delete/clear, `clears` on
    every clear, `next_id` is the next rule id, `config_digest` marks the configured set
    loaded last (None: none)."""

    generation: int
    clears: int
    next_id: int
    config_digest: str | None


class FaultsSql(SqlTx):
    """Add, remove, count and apply fault rules."""

    def fault_state(self) -> FaultState:
        """The rule set's generation, clear count, next id and configured-set marker."""
        row = self._one("SELECT * FROM fault_state WHERE name = 'rules'")
        if row is None:
            return FaultState(generation=0, clears=0, next_id=1, config_digest=None)
        return FaultState(
            generation=int(row["generation"]),
            clears=int(row["clears"]),
            next_id=int(row["next_id"]),
            config_digest=row["config_digest"],
        )

    def fault_rules(self) -> list[FaultRow]:
        """Every stored fault rule, in id order."""
        rows = self._c.execute("SELECT * FROM fault_rules ORDER BY id")
        return [
            FaultRow(
                id=int(r["id"]),
                definition=r["definition"],
                source=r["source"],
                remaining=r["remaining"],
                fired=int(r["fired"]),
            )
            for r in rows
        ]

    def _fault_bump(self, clears: int = 0, ids: int = 0) -> FaultState:
        self._c.execute(
            "INSERT INTO fault_state (name, generation, clears, next_id) VALUES ('rules', 0, 0, 1)"
            " ON CONFLICT (name) DO NOTHING"
        )
        self._c.execute(
            "UPDATE fault_state SET generation = generation + 1, clears = clears + ?,"
            " next_id = next_id + ? WHERE name = 'rules'",
            (clears, ids),
        )
        return self.fault_state()

    def add_fault_rule(self, definition: str, remaining: int | None, source: str) -> int:
        """Store a rule under the next id of the sequence (ids are never reused)."""
        rule_id = self._fault_bump(ids=1).next_id - 1
        self._c.execute(
            "INSERT INTO fault_rules (id, definition, source, remaining) VALUES (?, ?, ?, ?)",
            (rule_id, definition, source, remaining),
        )
        return rule_id

    def delete_fault_rule(self, rule_id: int) -> bool:
        """Remove one rule."""
        gone = self._c.execute("DELETE FROM fault_rules WHERE id = ?", (rule_id,)).rowcount > 0
        if gone:
            self._fault_bump()
        return gone

    def clear_fault_rules(self) -> int:
        """Remove every rule (and count a clear: held requests everywhere are released)."""
        n = self._c.execute("DELETE FROM fault_rules").rowcount
        self._fault_bump(clears=1)
        return int(n)

    def consume_fault_rule(self, rule_id: int) -> int | None:
        """One application of a counted rule, if any are left: the calls left after it."""
        row = self._one(
            "UPDATE fault_rules SET remaining = remaining - 1, fired = fired + 1"
            " WHERE id = ? AND remaining > 0 RETURNING remaining",
            (rule_id,),
        )
        return int(row["remaining"]) if row else None

    def add_fault_fired(self, counts: dict[int, int]) -> None:
        """Add applications of uncounted rules to their `fired`."""
        self._c.executemany(
            "UPDATE fault_rules SET fired = fired + ? WHERE id = ?",
            [(n, rule_id) for rule_id, n in counts.items()],
        )

    def set_fault_config(self, digest: str | None) -> None:
        """Remember the configured rule set loaded last."""
        self._fault_bump()
        self._c.execute("UPDATE fault_state SET config_digest = ? WHERE name = 'rules'", (digest,))
