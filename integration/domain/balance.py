"""Derive a fee's balance from the debtor system's events, independent of their order.

The state is a pure function of the *set* of applied events, so duplicates
(ignored before they get here) and any arrival order give the same result.
A reversal (DaekningTilbagefoert) only counts once the payment it reverses is
known; before that it waits, so a reversal arriving first cannot make the
balance larger than the fee. A payment is reversed at most once and by at most
its own amount: if several reversals name it (they can only have been stored
while the payment was still unknown; the receiver refuses them otherwise), the
one with the smallest HaendelseId counts, capped at the payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from integration.domain.model import FeeStatus


@dataclass(frozen=True, kw_only=True)
class StoredEvent:
    """One applied callback event, as stored with the fee."""

    haendelse_id: str
    art: str
    beloeb: int
    dato: date
    ref: str | None = None
    status: str | None = None


@dataclass(frozen=True, kw_only=True)
class Balance:
    """The debtor-system side of a fee's state."""

    daekket: int
    afskrevet: int
    nedreguleret: int
    paid_date: date | None
    overdraget_status: str | None
    status: FeeStatus


def derive(principal: int, cancelled: bool, events: list[StoredEvent]) -> Balance:
    """The fee's balance after `events`, given its principal (amount minus FBS write-downs)."""
    payments = {e.haendelse_id: e for e in events if e.art == "Daekning"}
    reversed_ = reversed_amounts(payments, events)
    daekket = sum(e.beloeb for e in payments.values()) - sum(reversed_.values())
    afskrevet = sum(e.beloeb for e in events if e.art == "Afskrivning")
    nedreguleret = sum(e.beloeb for e in events if e.art == "Nedregulering")
    handovers = sorted(
        (e for e in events if e.art == "OverdragetTilInddrivelse"),
        key=lambda e: (e.dato, e.haendelse_id),
    )
    overdraget = handovers[-1].status if handovers else None
    remaining = principal - daekket - afskrevet - nedreguleret
    paid_date = None
    if cancelled:
        status = FeeStatus.CANCELLED
    elif remaining > 0:
        status = FeeStatus.OPEN
    elif afskrevet > 0 or daekket <= 0:
        # Written off, or written/adjusted down to nothing without a payment: closed,
        # never "paid" without a paidDate (FeeV2 paidDate is the final payment's date).
        status = FeeStatus.WRITTEN_OFF
    else:
        status = FeeStatus.PAID
        effective = [p.dato for hid, p in payments.items() if reversed_.get(hid, 0) < p.beloeb]
        paid_date = max(effective) if effective else None
    return Balance(
        daekket=daekket,
        afskrevet=afskrevet,
        nedreguleret=nedreguleret,
        paid_date=paid_date,
        overdraget_status=overdraget,
        status=status,
    )


def reversed_amounts(payments: dict[str, StoredEvent], events: list[StoredEvent]) -> dict[str, int]:
    """How much of each known payment is reversed: one reversal per payment, capped at it."""
    first: dict[str, StoredEvent] = {}
    for e in events:
        if e.art == "DaekningTilbagefoert" and e.ref in payments:
            seen = first.get(e.ref)
            if seen is None or e.haendelse_id < seen.haendelse_id:
                first[e.ref] = e
    return {ref: min(e.beloeb, payments[ref].beloeb) for ref, e in first.items()}
