"""The ledger's stored records: debtor accounts, claims and events.

These are the rows the repository reads and writes. They are frozen; the
ledger derives a changed copy with `dataclasses.replace` and hands it back to
the store inside one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from oeir import model


class EventKind(StrEnum):
    """What an event in the ledger's append-only log records."""

    DEBITORKONTO_OPRETTET = "DebitorkontoOprettet"
    FORDRING_OPRETTET = "FordringOprettet"
    NEDSKRIVNING = "Nedskrivning"
    ANNULLERING = "Annullering"
    HAEFTER_SKIFTET = "HaefterSkiftet"
    DAEKNING = "Daekning"
    DAEKNING_TILBAGEFOERT = "DaekningTilbagefoert"
    OVERSKUD = "Overskud"
    OVERSKUD_TILBAGEFOERT = "OverskudTilbagefoert"
    AFSKRIVNING = "Afskrivning"
    NEDREGULERING = "Nedregulering"
    RYKKERGEBYR = "Rykkergebyr"
    RENTE = "Rente"
    INDDRIVELSE = "Inddrivelse"
    DEBITORKONTO_LUKKET = "DebitorkontoLukket"


COMPONENT_OF: dict[EventKind, tuple[str, int]] = {
    EventKind.NEDSKRIVNING: ("nedskrevet", 1),
    EventKind.ANNULLERING: ("nedskrevet", 1),
    EventKind.DAEKNING: ("daekket", 1),
    EventKind.DAEKNING_TILBAGEFOERT: ("daekket", -1),
    EventKind.AFSKRIVNING: ("afskrevet", 1),
    EventKind.NEDREGULERING: ("nedreguleret", 1),
    EventKind.RYKKERGEBYR: ("rykkergebyrer", 1),
    EventKind.RENTE: ("renter", 1),
}
"""Which balance component of a claim an event kind moves, and in which direction."""

POSTERING_OF: dict[EventKind, model.PosteringType] = {
    EventKind.NEDSKRIVNING: model.PosteringType.NEDSKRIVNING,
    EventKind.ANNULLERING: model.PosteringType.NEDSKRIVNING,
    EventKind.DAEKNING: model.PosteringType.DAEKNING,
    EventKind.DAEKNING_TILBAGEFOERT: model.PosteringType.DAEKNING_TILBAGEFOERT,
    EventKind.AFSKRIVNING: model.PosteringType.AFSKRIVNING,
    EventKind.NEDREGULERING: model.PosteringType.NEDREGULERING,
    EventKind.RYKKERGEBYR: model.PosteringType.RYKKERGEBYR,
    EventKind.RENTE: model.PosteringType.RENTE,
}
"""How an event shows as a booking (`Postering`) in `DebitorForespoergsel`."""


@dataclass(frozen=True, slots=True)
class Account:
    """A debtor account (debitorkonto): one debtor in one municipality.

    `tilgode` is the debtor's credit in øre (money paid beyond the claims,
    i.e. overpayments) that the municipality holds or pays back.
    """

    nummer: str
    kommunekode: str
    cpr_nummer: str | None
    cvr_nummer: str | None
    navn: str | None
    tilgode: int = 0
    lukket: bool = False
    oprettet: datetime | None = None

    @property
    def ident(self) -> str:
        """The debtor's CPR or CVR number."""
        return self.cpr_nummer or self.cvr_nummer or ""

    @property
    def debitor(self) -> model.Debitor:
        """The debtor as a contract object."""
        return model.Debitor(cpr_nummer=self.cpr_nummer, cvr_nummer=self.cvr_nummer, navn=self.navn)


@dataclass(frozen=True, slots=True)
class Claim:
    """A claim (fordring) with its balance components, all in øre.

    Invariant: ``saldo = hovedstol - nedskrevet - nedreguleret - daekket - afskrevet
    + rykkergebyrer + renter`` and ``saldo >= 0``. `nedskrevet` holds the sector
    system's write-downs (and the remainder written down by an annulment);
    `nedreguleret` the debtor system's own down-adjustments.
    """

    kommunekode: str
    fordring_id: str
    konto: str
    agency_id: str
    fordring_type: model.FordringType
    klassifikationskode: str
    hovedstol: int
    stiftelsesdato: date
    forfaldsdato: date
    sidste_rettidige_betalingsdato: date
    tekst: str
    skriftligt_anerkendt: bool
    status: model.FordringStatus = model.FordringStatus.AABEN
    nedskrevet: int = 0
    nedreguleret: int = 0
    daekket: int = 0
    afskrevet: int = 0
    rykkergebyrer: int = 0
    renter: int = 0
    inddrivelse_status: model.PsrmStatus | None = None
    oprettet: datetime | None = None
    payload: str | None = None
    """The `model.Fordring` the claim was created with, as the canonical JSON text its
    content hash is taken of (`simulators.ledger.core.claim_payload`), stored as is."""

    @property
    def saldo(self) -> int:
        """What the debtor still owes on this claim, in øre."""
        return (
            self.hovedstol
            - self.nedskrevet
            - self.nedreguleret
            - self.daekket
            - self.afskrevet
            + self.rykkergebyrer
            + self.renter
        )

    @property
    def aaben(self) -> bool:
        """True while the claim can still be paid or changed."""
        return self.status == model.FordringStatus.AABEN


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the append-only event log.

    `seq` is monotonic across the whole store; `event_id` is stable and unique
    (also across a reset), so a receiver can deduplicate on it. `beloeb` is
    always >= 0; the kind says which way it moves the claim (`COMPONENT_OF`).
    """

    seq: int
    event_id: str
    kind: EventKind
    kommunekode: str
    konto: str
    fordring_id: str | None
    beloeb: int
    tidspunkt: datetime
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event before the store has given it a sequence number and id."""

    kind: EventKind
    kommunekode: str
    konto: str
    fordring_id: str | None
    beloeb: int
    tidspunkt: datetime
    data: dict[str, Any]
