"""The debtor ledger: accounts and claims, their operations, and the event log.

Plain Python, no web framework. Every operation runs in one store
transaction: it either changes the claim, the account and appends its events
together, or raises an `OeirFault` and changes nothing.

Decisions (see docs/profiles.md):
- A debtor has one account per municipality, keyed on CPR/CVR.
- `Nedregulering` (the debtor system's own down-adjustment) is its own
  component, `nedreguleret`; `DebitorForespoergsel` reports it inside
  `Nedskrevet` (the contract has no separate field) and as its own `Postering`.
- An overpayment covers the claim's balance; the rest becomes the account's
  credit (`tilgode`) with an `Overskud` event. `ForetagIndbetaling` spreads an
  amount over the open claims, oldest due date first, before any credit.
- An annulment writes the remaining balance down (`Annullering` event) and
  keeps any payments made. A claim whose balance reaches 0 closes: `Betalt`
  by a payment, `Afskrevet` by a write-off, `Annulleret` otherwise.
- A reversed payment reopens a closed `Betalt` claim.
- Every amount the contract reports stays within `BeloebType` (`model.MAX_OERE`):
  a booking that would push a claim's total (principal + fees + interest), the
  sum of an account's claim balances or its credit past it is refused with
  `BeloebForStort`.
- A `FordringId` named twice in one message (a payment, or the claims of
  `OpretDebitorkonto`) is refused (`FordringIdGentaget`).
"""

from __future__ import annotations

from simulators.ledger.bookings import Bookings
from simulators.ledger.commands import Commands
from simulators.ledger.core import Clock, EventListener, LedgerCore, digest, fault
from simulators.ledger.invariant import check_invariant, hovedstol_minus
from simulators.ledger.payments import PaymentResult, Payments
from simulators.ledger.queries import Queries

__all__ = [
    "Clock",
    "EventListener",
    "Ledger",
    "LedgerCore",
    "PaymentResult",
    "check_invariant",
    "digest",
    "fault",
    "hovedstol_minus",
]


class Ledger(Commands, Payments, Bookings, Queries):
    """The debtor ledger of all simulated municipalities, over a store (`LedgerStore`).

    One object for its callers; its operations live by concern in `commands`,
    `payments`, `bookings` and `queries`, on the shared `LedgerCore`.
    """
