"""The narrow storage interface beneath the simulators' domain.

The domain (ledger, clock, scheduler, journal, tenant registry) talks only to
these two protocols. `simulators.store.sqlite` implements them on SQLite in
WAL mode; `simulators.store.postgres` implements the same methods on PostgreSQL.

All money is integer øre. Datetimes are aware. Every write happens inside
`Store.transaction()`, which is atomic and serialised against other writers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from simulators.ledger.records import Account, Claim, Event, NewEvent


@dataclass(frozen=True, slots=True)
class Job:
    """A persisted job of the scheduler: run handler `name` with `payload` at `due`."""

    id: int
    name: str
    due: datetime
    payload: dict[str, Any]
    key: str | None
    status: str  # pending | done | failed
    ran_at: datetime | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One SOAP call as the request journal records it (CPR already masked)."""

    id: int
    tidspunkt: datetime
    service: str
    operation: str | None
    kommunekode: str | None
    verdict: str  # ok | fault | injected (simulators.journal.VERDICTS)
    fejlkode: str | None
    felt: str | None
    http_status: int
    request: str
    detail: str | None
    response: str | None = None
    """The answer sent (CPR masked, truncated as the request); None when none was kept."""
    near_miss: str | None = None
    """For a call refused by routing, agreement or schema: JSON of the closest valid
    expectation and why the call missed it (`simulators.near_miss`)."""


@dataclass(frozen=True, slots=True)
class JournalFilter:
    """What the verify API narrows the journal to in SQL (every field optional, ANDed).

    `since` is inclusive, `until` exclusive, both on the virtual clock.
    """

    service: str | None = None
    operation: str | None = None
    kommunekode: str | None = None
    verdict: str | None = None
    fejlkode: str | None = None
    since: datetime | None = None
    until: datetime | None = None


# -- fault injection (simulators.faults): the shared rule table -------------------------
# Rules and their global trigger state live in the store, so every gunicorn worker on
# one database applies the same rules (docs/faults.md).


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


# -- end of fault injection ----------------------------------------------------------------


# -- call ids (CallersServiceCallIdentifier replay, simulators.replay) -----------------------


@dataclass(frozen=True, slots=True)
class CallKey:
    """Whose call id this is: a call id is unique per municipality, service and user system."""

    kommunekode: str
    service: str
    user_system: str
    call_id: str


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """A state-changing call as recorded: its operation, content hash and the answer sent."""

    operation: str
    digest: str
    answer: str


# -- end of call ids -------------------------------------------------------------------------


class Tx(Protocol):
    """One unit of work: reads and writes that commit or roll back together."""

    # -- meta ---------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A stored setting (clock state, instance id...), or None."""

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""

    # -- accounts -----------------------------------------------------------
    def account(self, nummer: str) -> Account | None:
        """An account by its number."""

    def account_by_debtor(self, kommunekode: str, ident: str) -> Account | None:
        """The account of the debtor with this CPR/CVR in this municipality."""

    def insert_account(self, account: Account) -> Account:
        """Insert an account; the store assigns `nummer` (the given one is ignored)."""

    def update_account(self, account: Account) -> None:
        """Write an account's changed fields."""

    def accounts_page(self, kommunekode: str, after: str | None, limit: int) -> list[Account]:
        """Accounts of a municipality ordered by number, those after `after`."""

    def accounts_by_debtor(self, ident: str) -> list[Account]:
        """Every municipality's account for this CPR/CVR."""

    # -- claims -------------------------------------------------------------
    def claim(self, kommunekode: str, fordring_id: str) -> Claim | None:
        """A claim by its FordringId in a municipality."""

    def claims_of_account(self, konto: str) -> list[Claim]:
        """The claims on an account, oldest due date first."""

    def claims_page(self, kommunekode: str, after: str | None, limit: int) -> list[Claim]:
        """Claims of a municipality ordered by FordringId, those after `after` (keyset paging)."""

    def claim_totals(self, kommunekode: str) -> dict[str, int]:
        """A municipality's ``claims``, ``open_claims``, ``accounts`` and ``saldo`` (øre, all claims)."""

    def insert_claim(self, claim: Claim) -> None:
        """Insert a new claim."""

    def update_claim(self, claim: Claim) -> None:
        """Write a claim's changed fields (balances, status, account)."""

    def count(self, what: str) -> int:
        """How many rows of `what` (accounts, claims, events, jobs, journal, pending_jobs) exist."""

    # -- idempotency --------------------------------------------------------
    def idempotent(self, scope: str, kommunekode: str, key: str) -> tuple[str, str] | None:
        """The stored (content hash, result JSON) for an id already used, or None."""

    def remember(self, scope: str, kommunekode: str, key: str, digest: str, result: str) -> None:
        """Record an id's content hash and the result it got."""

    # -- events -------------------------------------------------------------
    def append_event(self, event: NewEvent) -> Event:
        """Append to the log; the store assigns the next `seq` and a stable `event_id`."""

    def event(self, event_id: str) -> Event | None:
        """One event by its id."""

    def events(
        self,
        *,
        after: int = 0,
        limit: int = 100,
        kommunekode: str | None = None,
        fordring_ider: Sequence[str] | None = None,
        konto: str | None = None,
        kinds: Sequence[str] | None = None,
    ) -> list[Event]:
        """Events with `seq > after` in `seq` order, filtered."""

    # -- jobs ---------------------------------------------------------------
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
    def recorded_call(self, key: CallKey) -> RecordedCall | None:
        """The call recorded under this scope and call id, or None."""

    def record_call(self, key: CallKey, call: RecordedCall, recorded: datetime) -> None:
        """Record a call id with its content hash and answer (virtual time `recorded`)."""

    def prune_calls(self, older_than: datetime, keep_rows: int) -> None:
        """Forget calls recorded before `older_than`, and all but the newest `keep_rows`."""

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

    # -- add-on tables ------------------------------------------------------
    def sql(self) -> Sql:
        """Portable SQL on this transaction, for modules that keep their own tables."""

    def has_table(self, name: str) -> bool:
        """True when the table exists."""


class Sql(Protocol):
    """The SQL both backends accept: qmark (``?``) parameters, rows read by column name,
    SQLite-style DDL (``id INTEGER PRIMARY KEY`` for generated ids; the PostgreSQL backend
    translates it) and ``INSERT ... RETURNING id`` for a new row's id."""

    def execute(self, sql: str, args: Sequence[Any] = ...) -> Any:
        """Run one statement; the result has ``fetchone()``, ``fetchall()`` and iterates rows."""

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        """Run one statement per parameter row."""


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


def chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    """Split a list of ids for IN (...) queries."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
