"""The storage interface beneath the simulators' domain.

The domain (ledger, clock, scheduler, journal, tenant registry) talks only to
these protocols; the ledger only to its own narrower port
(`simulators.ledger.ports`), which `Tx` includes. The SQL behind them is split by
concern in this package (`ledger`, `jobs`, `journal`, `faults`, `calls`, `time`,
`sessions`, `meta`), shared by both backends (`tx.StoreTx`); `sqlite` runs it on
SQLite in WAL mode, `postgres` on PostgreSQL. Every table is created when the store
opens (`schema`).

All money is integer øre. Datetimes are aware. Every write happens inside
`Store.transaction()`, which is atomic and serialised against other writers.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from simulators.ledger.ports import LedgerTx
from simulators.ledger.records import Account, Claim
from simulators.store.calls import CallKey, RecordedCall
from simulators.store.faults import FaultRow, FaultState
from simulators.store.jobs import Job
from simulators.store.journal import JournalEntry, JournalFilter
from simulators.store.sql import Sql, chunks

__all__ = [
    "CallKey",
    "FaultRow",
    "FaultState",
    "Job",
    "JournalEntry",
    "JournalFilter",
    "RecordedCall",
    "Sql",
    "Store",
    "Tx",
    "chunks",
]


class Tx(LedgerTx, Protocol):
    """One unit of work: reads and writes that commit or roll back together.

    The ledger's operations are its own port (`simulators.ledger.ports.LedgerTx`); the
    rest serve the scheduler, journal, fault injection, call ids, tenants, payment
    sessions, snapshots and the admin API.
    """

    # -- meta ---------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A stored setting (clock state, instance id...), or None."""

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""

    # -- ledger reads beyond the ledger's port --------------------------------
    def accounts_by_debtor(self, ident: str) -> list[Account]:
        """Every municipality's account for this CPR/CVR."""

    def claims_page(self, kommunekode: str, after: str | None, limit: int) -> list[Claim]:
        """Claims of a municipality ordered by FordringId, those after `after` (keyset paging)."""

    def claim_totals(self, kommunekode: str) -> dict[str, int]:
        """A municipality's ``claims``, ``open_claims``, ``accounts`` and ``saldo`` (øre, all claims)."""

    def recount_owed(self) -> None:
        """Count every account's total owed again from its claims, after claims were written
        other than by `insert_claim` and `update_claim` (a snapshot load, a bulk seed)."""

    def count(self, what: str) -> int:
        """How many rows of `what` (accounts, claims, events, jobs, journal, pending_jobs) exist."""

    # -- jobs ---------------------------------------------------------------
    def queue_job(self, name: str, due: datetime, payload: dict[str, Any], key: str) -> None:
        """`insert_job` without the job back: queue it unless `key` is already queued."""

    def insert_job(self, name: str, due: datetime, payload: dict[str, Any], key: str | None) -> Job:
        """Queue a job; with a `key` already queued, return that job unchanged."""

    def next_due_job(self, until: datetime) -> Job | None:
        """The pending job due first (ties: queued first) at or before `until`."""

    def finish_job(self, job_id: int, status: str, ran_at: datetime, error: str | None) -> None:
        """Mark a job done or failed."""

    def jobs(self, status: str | None, limit: int) -> list[Job]:
        """Jobs in due order, optionally only one status."""

    # -- journal ------------------------------------------------------------
    def add_journal(self, entry: JournalEntry, max_rows: int) -> int:
        """Record a call and trim to the newest `max_rows`; returns the entry id."""

    def journal(
        self,
        *,
        kommunekode: str | None,
        operation: str | None,
        verdict: str | None,
        fejlkode: str | None,
        before: int | None,
        limit: int,
    ) -> list[JournalEntry]:
        """Newest first, filtered, those with id < `before`."""

    def journal_counts(self, kommunekode: str | None) -> dict[str, int]:
        """How many calls the journal holds per verdict (ok, fault, injected), of one or all."""

    def journal_matching(
        self, where: JournalFilter, *, before: int | None, limit: int
    ) -> list[JournalEntry]:
        """Newest first, those with id < `before` that pass `where`."""

    def journal_count(self, where: JournalFilter) -> int:
        """How many calls in the journal pass `where`."""

    # -- tenants ------------------------------------------------------------
    def tenant_overrides(self) -> dict[str, dict[str, Any]]:
        """Persisted per-municipality overrides by kommunekode."""

    def set_tenant_override(self, kommunekode: str, data: dict[str, Any]) -> None:
        """Replace one municipality's persisted overrides."""

    # -- admin --------------------------------------------------------------
    def reset(self) -> None:
        """Delete every row of every table (schema stays)."""

    # -- fault injection (simulators.faults) ----------------------------------
    def fault_state(self) -> FaultState:
        """The rule set's generation, clear count, next id and configured-set marker."""

    def fault_rules(self) -> list[FaultRow]:
        """Every stored fault rule, in evaluation (id) order."""

    def add_fault_rule(self, definition: str, remaining: int | None, source: str) -> int:
        """Store a rule under the next id (returned); moves the generation on."""

    def delete_fault_rule(self, rule_id: int) -> bool:
        """Remove one rule (moves the generation on); False when there is none."""

    def clear_fault_rules(self) -> int:
        """Remove every rule; moves the generation and the clear count on. Returns how many."""

    def consume_fault_rule(self, rule_id: int) -> int | None:
        """Count one application of a "next N calls" rule: the calls left after it, or None
        when none were left (or the rule is gone). Exact across processes."""

    def add_fault_fired(self, counts: dict[int, int]) -> None:
        """Add to `fired` of rules without a count (rule id -> applications)."""

    def set_fault_config(self, digest: str | None) -> None:
        """Remember which configured rule set was loaded last."""

    # -- call ids (simulators.replay) -------------------------------------------
    def fresh_call(self, key: CallKey, older_than: datetime, keep_rows: int) -> RecordedCall | None:
        """The call recorded under this scope and call id, or None when there is none or it
        is forgotten (recorded before `older_than`, or not among the newest `keep_rows`)."""

    def record_call(
        self,
        key: CallKey,
        call: RecordedCall,
        recorded: datetime,
        prune: tuple[datetime, int] | None = None,
    ) -> None:
        """Record a call id with its content hash and answer (virtual time `recorded`); with
        `prune` (older_than, keep_rows), now and then delete the forgotten records in a batch."""

    def prune_calls(self, older_than: datetime, keep_rows: int) -> None:
        """Forget calls recorded before `older_than`, and all but the newest `keep_rows`."""

    # -- payment sessions (simulators.payments.sessions) -------------------------
    def open_session(self, token_hash: str, kommunekode: str, cpr: str, keep: int) -> None:
        """Store a session (by its token's hash), and forget all but the newest `keep`."""

    def session(self, token_hash: str) -> tuple[str, str] | None:
        """The (kommunekode, CPR) of a session, or None."""

    def close_session(self, token_hash: str) -> None:
        """Forget a session."""

    # -- snapshots (simulators.snapshot) ---------------------------------------
    def restart_ids(self, table: str, column: str) -> None:
        """After rows were written with explicit ids: the next generated `column` of
        `table` follows the highest one stored (SQLite does so by itself)."""

    def table_rows(self, table: str, order: Sequence[str]) -> tuple[list[str], list[Any]]:
        """Every row of `table` ordered by `order`: the column names and the rows as
        sequences of plain values, in column order."""

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Write `rows` (values of `columns`) into `table` as they are, ids included."""

    # -- end of snapshots -------------------------------------------------------

    # -- portable SQL -------------------------------------------------------
    def sql(self) -> Sql:
        """Portable SQL on this transaction (snapshots; the time behaviour's repository)."""

    def has_table(self, name: str) -> bool:
        """True when the table exists."""


class Store(Protocol):
    """A storage backend: hands out transactions."""

    def transaction(self) -> AbstractContextManager[Tx]:
        """A write transaction (re-entrant per thread: nested calls join the outer one)."""

    def read(self) -> AbstractContextManager[Tx]:
        """A read-only snapshot (joins an open transaction of the same thread)."""

    def close(self) -> None:
        """Close every connection."""

    # -- fault injection (simulators.faults) ----------------------------------
    def fault_generation(self) -> int:
        """The fault rules' generation (0 before any rule), in one cheap read: checked on
        every SOAP call, so no transaction is opened for it."""

    # -- shared virtual clock (simulators.engine.StoredClockSource) -------------
    def peek_meta(self, key: str) -> str | None:
        """A stored setting in one cheap read, no transaction opened: the clock's state is
        read this way on every request, so that every process tells the same time."""

    # -- end of shared virtual clock ------------------------------------------
