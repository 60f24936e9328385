"""Fees and patrons as FBS keeps them. Money is int øre; JSON kroner only at the edge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class FeeType(StrEnum):
    """FeeV2 ``type``: a late-return fee or a compensation claim."""

    FEE = "fee"
    COMPENSATION = "compensation"


class FeeStatus(StrEnum):
    """Where a fee stands on the FBS side."""

    OPEN = "open"
    PAID = "paid"
    WRITTEN_OFF = "written_off"
    CANCELLED = "cancelled"


@dataclass(frozen=True, kw_only=True)
class Material:
    """FeeV2 ``materials[]``: the item the fee is about."""

    material_item_number: str
    record_id: str
    material_group_name: str = "standard"
    material_group_description: str = "Standard"
    periodical: dict[str, str] | None = None


@dataclass(frozen=True, kw_only=True)
class Patron:
    """A library patron. `patron_id` is the FBS id used in URLs; CPR/CVR never leave the store."""

    patron_id: int
    agency_id: str
    cpr: str | None
    cvr: str | None
    name: str

    @property
    def ident(self) -> str:
        """The CPR or CVR number, whichever is set."""
        return self.cpr or self.cvr or ""


@dataclass(frozen=True, kw_only=True)
class Fee:
    """One fee, with FBS's own changes and the debtor system's reported bookings."""

    fee_id: int
    fordring_id: str
    agency_id: str
    kommunekode: str
    patron_id: int
    type: FeeType
    reason_message: str
    amount: int
    """Original amount (øre)."""
    creation_date: date
    due_date: date
    last_timely_date: date
    skriftligt_anerkendt: bool = False
    materials: tuple[Material, ...] = ()
    written_down: int = 0
    """FBS's own write-downs (nedskrivninger), øre."""
    daekket: int = 0
    afskrevet: int = 0
    nedreguleret: int = 0
    paid_date: date | None = None
    cancelled_at: datetime | None = None
    handed_over_at: datetime | None = None
    overdraget_status: str | None = None
    status: FeeStatus = FeeStatus.OPEN
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def remaining(self) -> int:
        """What is still owed on the fee (øre, never below zero)."""
        if self.status is FeeStatus.CANCELLED:
            return 0
        return max(
            0, self.amount - self.written_down - self.daekket - self.afskrevet - self.nedreguleret
        )

    @property
    def principal(self) -> int:
        """The amount after FBS's own write-downs (the claim's principal in the debtor system)."""
        return self.amount - self.written_down


@dataclass(frozen=True, kw_only=True)
class BlockPeriod:
    """A span in which a patron was blocked; `ended` is None while the block lasts."""

    kommunekode: str
    started: datetime
    ended: datetime | None
