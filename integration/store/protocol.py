"""What the rest of the core may ask of its store: `Store` hands out a `Repo` per transaction.

The services, the outbox worker, the callback receiver and reconciliation are
written against these protocols, not against a backend; the SQLite store
(`integration.store.sqlite`) and the PostgreSQL store (`integration.store.postgres`)
both satisfy them.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Protocol, runtime_checkable

from integration.domain.balance import StoredEvent
from integration.domain.model import BlockPeriod, Fee, FeeStatus, Patron
from integration.store.rows import OutboxRow


class FeeRecords(Protocol):
    """FBS's own records: patrons, fees with their derived balance, block periods."""

    def find_patron(self, agency_id: str, cpr: str | None, cvr: str | None) -> Patron | None:
        """The patron of `agency_id` with this CPR or CVR number, if any."""
        ...

    def patron(self, patron_id: int) -> Patron | None:
        """A patron by FBS patron id."""
        ...

    def add_patron(self, agency_id: str, cpr: str | None, cvr: str | None, name: str) -> Patron:
        """Create a patron; returns it with its new id."""
        ...

    def set_patron_ident(self, patron_id: int, cpr: str | None, cvr: str | None) -> None:
        """Change a patron's CPR/CVR number."""
        ...

    def idents_by_patron(self, patron_ids: set[int]) -> dict[int, str]:
        """CPR/CVR per patron id."""
        ...

    def add_fee(self, fee: Fee) -> Fee:
        """Insert a fee; returns it with its new `fee_id` and `fordring_id`."""
        ...

    def fee(self, fee_id: int) -> Fee | None:
        """A fee by FBS fee id."""
        ...

    def fee_by_fordring(self, fordring_id: str) -> Fee | None:
        """A fee by the claim id it has in the debtor system."""
        ...

    def fees_of_patron(self, patron_id: int, kommunekode: str | None = None) -> list[Fee]:
        """All fees of a patron (in one municipality if given), oldest first."""
        ...

    def fees_of_kommune(self, kommunekode: str) -> list[Fee]:
        """All fees of one municipality, oldest first."""
        ...

    def set_written_down(self, fee_id: int, written_down: int) -> None:
        """Record FBS's total write-down on a fee."""
        ...

    def set_cancelled(self, fee_id: int, when: datetime) -> None:
        """Mark a fee cancelled by FBS."""
        ...

    def set_handed_over(self, fordring_id: str, when: datetime) -> None:
        """Mark a fee as received by the debtor system (first time only)."""
        ...

    def set_balance(
        self,
        fee_id: int,
        *,
        daekket: int,
        afskrevet: int,
        nedreguleret: int,
        paid_date: date | None,
        overdraget_status: str | None,
        status: FeeStatus,
    ) -> None:
        """Store the balance derived from the debtor system's events."""
        ...

    def open_block(self, patron_id: int, kommunekode: str) -> BlockPeriod | None:
        """The patron's current block in this municipality, if blocked."""
        ...

    def start_block(self, patron_id: int, kommunekode: str, when: datetime) -> None:
        """Record that a block starts now."""
        ...

    def end_block(self, patron_id: int, kommunekode: str, when: datetime) -> None:
        """Record that the current block ends now."""
        ...

    def block_periods(self, patron_id: int) -> list[BlockPeriod]:
        """Every block of a patron, oldest first."""
        ...

    def all_block_periods(self, kommunekode: str | None = None) -> list[tuple[int, BlockPeriod]]:
        """Every block period (patron id, period), oldest first, optionally of one municipality."""
        ...


class EventRecords(Protocol):
    """The callback events applied to fees, each stored once in the transaction of its effect."""

    def fordring_of_haendelse(self, haendelse_id: str) -> str | None:
        """The claim an applied event was about ("" for none), or None if never applied."""
        ...

    def has_haendelse(self, haendelse_id: str) -> bool:
        """True if this event id was applied before."""
        ...

    def add_haendelse(self, fordring_id: str | None, event: StoredEvent, when: datetime) -> None:
        """Store an applied event."""
        ...

    def haendelser(self, fordring_id: str) -> list[StoredEvent]:
        """All events applied to one claim."""
        ...


class Delivery(Protocol):
    """The outbox of messages to the debtor system, and the debtor accounts delivery learns."""

    def account(self, kommunekode: str, ident: str) -> str | None:
        """The debtor account number known for this debtor in this municipality."""
        ...

    def set_account(self, kommunekode: str, ident: str, kontonummer: str) -> None:
        """Remember a debtor account number."""
        ...

    def forget_account(self, kommunekode: str, ident: str) -> None:
        """Forget an account the debtor system says does not exist."""
        ...

    def enqueue(
        self,
        *,
        msg_id: str,
        ordering_key: str,
        kommunekode: str,
        operation: str,
        payload: str,
        now: datetime,
    ) -> int:
        """Add an outgoing message (inside the transaction that changes the fee)."""
        ...

    def claim_due(
        self, now: datetime, limit: int, *, lease_now: datetime, lease_until: datetime
    ) -> list[OutboxRow]:
        """Lease up to `limit` messages due at (virtual) `now`, first in line for their claim.

        The lease runs from `lease_now` to `lease_until` in real time; no two
        transactions reserve the same row.
        """
        ...

    def renew_lease(self, row_ids: Sequence[int], held: datetime, until: datetime) -> list[int]:
        """Extend the lease stamped `held` to `until` on the rows still under it; their ids."""
        ...

    def mark_sent(self, row_id: int, now: datetime, *, held: datetime) -> bool:
        """The debtor system took the message; False (nothing written) if the lease
        stamped `held` is no longer the row's (another worker took it over)."""
        ...

    def mark_retry(self, row_id: int, not_before: datetime, error: str, *, held: datetime) -> bool:
        """A technical fault: try again at `not_before`; False if the lease is lost."""
        ...

    def mark_parked(self, row_id: int, code: str, text: str, *, held: datetime) -> bool:
        """A business fault: stop, keep the readable reason; False if the lease is lost."""
        ...

    def requeue(self, row_id: int, now: datetime) -> bool:
        """Put a parked message back in line; False if it was not parked."""
        ...

    def skip(self, row_id: int) -> bool:
        """Give up on a parked message; False if it was not parked."""
        ...

    def outbox_rows(self, state: str | None = None, limit: int = 500) -> list[OutboxRow]:
        """Messages, newest first, optionally of one state."""
        ...

    def outbox_row(self, row_id: int) -> OutboxRow | None:
        """One message by its row id."""
        ...

    def outbox_counts(self) -> dict[str, int]:
        """How many messages are pending, sent, parked and skipped."""
        ...

    def next_due(self) -> datetime | None:
        """When the earliest pending message becomes due."""
        ...


@runtime_checkable
class Repo(FeeRecords, EventRecords, Delivery, Protocol):
    """Every read and write of the core, inside one transaction (or one read snapshot)."""

    def row_counts(self) -> dict[str, int]:
        """Rows per table (what `reset` would remove)."""
        ...

    def reset(self) -> dict[str, int]:
        """Delete every row of every table (the schema stays); rows removed per table."""
        ...


@runtime_checkable
class Store(Protocol):
    """The core's database: a `Repo` inside a write transaction or a read snapshot."""

    def tx(self) -> AbstractContextManager[Repo]:
        """A write transaction, serialised with the other writers: commits on success,
        rolls back on error."""
        ...

    def read(self) -> AbstractContextManager[Repo]:
        """Reads in one consistent snapshot."""
        ...

    def close(self) -> None:
        """Close what this store holds open (this thread's connection, idle pool connections)."""
        ...
