"""The debtor ledger (plain Python): accounts, claims, operations and the event log."""

from simulators.ledger.ledger import Clock, Ledger, PaymentResult, check_invariant
from simulators.ledger.records import Account, Claim, Event, EventKind

__all__ = [
    "Account",
    "Claim",
    "Clock",
    "Event",
    "EventKind",
    "Ledger",
    "PaymentResult",
    "check_invariant",
]
