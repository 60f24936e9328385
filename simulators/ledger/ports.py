"""What the ledger needs from storage: exactly the operations it calls, nothing more.

The ledger owns these protocols; the store (`simulators.store`) implements them.
So the arrow runs one way: the store knows the ledger's records and ports, the
ledger knows nothing of the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from simulators.ledger.records import Account, Claim, Event, NewEvent


class LedgerTx(Protocol):
    """One unit of work of the ledger: its reads and writes commit or roll back together."""

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

    # -- claims -------------------------------------------------------------
    def claim(self, kommunekode: str, fordring_id: str) -> Claim | None:
        """A claim by its FordringId in a municipality."""

    def claims_of_account(self, konto: str) -> list[Claim]:
        """The claims on an account, oldest due date first."""

    def account_owed(self, konto: str) -> int:
        """The sum of the balances (`Claim.saldo`) of the claims on an account."""

    def insert_claim(self, claim: Claim) -> None:
        """Insert a new claim."""

    def update_claim(self, claim: Claim) -> None:
        """Write a claim's changed fields (balances, status, account)."""

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
        kinds: Sequence[str] | None = None,
    ) -> list[Event]:
        """Events with `seq > after` in `seq` order, filtered."""


class LedgerStore(Protocol):
    """Where the ledger's transactions come from."""

    def transaction(self) -> AbstractContextManager[LedgerTx]:
        """A write transaction, serialised against other writers (nested calls join it)."""

    def read(self) -> AbstractContextManager[LedgerTx]:
        """A read-only snapshot (joins an open transaction of the same thread)."""
