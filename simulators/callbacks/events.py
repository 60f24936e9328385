"""Which ledger events FBS hears about, and how each becomes a `Haendelse`.

FBS learns of payments, their reversals, write-offs, the debtor system's own
down-adjustments, account closure and the handover to collection. It does not
hear of its own messages echoed back (claims created, written down, cancelled),
of a change of debtor, of an account's credit (overpayment beyond the claims),
nor of the debtor system's reminder fees and interest: those are the debtor
system's business and never become FBS fees.
"""

from __future__ import annotations

from datetime import date

from oeir import model
from simulators.ledger.records import Event, EventKind

REPORTED: frozenset[EventKind] = frozenset(
    {
        EventKind.DAEKNING,
        EventKind.DAEKNING_TILBAGEFOERT,
        EventKind.AFSKRIVNING,
        EventKind.NEDREGULERING,
        EventKind.DEBITORKONTO_LUKKET,
        EventKind.INDDRIVELSE,
    }
)
"""Ledger event kinds that are reported to FBS."""


def haendelse(event: Event, agency_id: str) -> model.Haendelse:
    """The callback event for ledger event `event` (its id is the ledger's stable event id)."""
    data = event.data
    common = {
        "haendelse_id": event.event_id,
        "tidspunkt": event.tidspunkt,
        "kreditor": model.Kreditor(agency_id=agency_id, kommunekode=event.kommunekode),
        "debitorkontonummer": event.konto,
        "fordring_id": event.fordring_id,
    }
    kind = event.kind
    if kind == EventKind.DAEKNING:
        paid_on = data.get("betalingsdato")
        return model.Haendelse(
            **common,
            daekning=model.Daekning(
                beloeb=event.beloeb,
                betalingsdato=date.fromisoformat(paid_on) if paid_on else event.tidspunkt.date(),
                betalingsmiddel=model.Betalingsmiddel(data.get("betalingsmiddel", "Kort")),
                indbetaling_id=data.get("indbetaling_id"),
            ),
        )
    if kind == EventKind.DAEKNING_TILBAGEFOERT:
        return model.Haendelse(
            **common,
            daekning_tilbagefoert=model.DaekningTilbagefoert(
                beloeb=event.beloeb,
                oprindelig_haendelse_id=data["oprindelig_haendelse_id"],
                tekst=data.get("tekst"),
            ),
        )
    if kind == EventKind.AFSKRIVNING:
        return model.Haendelse(
            **common,
            afskrivning=model.Afskrivning(
                beloeb=event.beloeb,
                aarsag=model.AfskrivningAarsag(data.get("aarsag", "Andet")),
                tekst=data.get("tekst"),
            ),
        )
    if kind == EventKind.NEDREGULERING:
        return model.Haendelse(
            **common,
            nedregulering=model.Nedregulering(beloeb=event.beloeb, tekst=data.get("tekst")),
        )
    if kind == EventKind.DEBITORKONTO_LUKKET:
        lukket = data.get("lukkedato")
        return model.Haendelse(
            **common,
            debitorkonto_lukket=model.DebitorkontoLukket(
                lukkedato=date.fromisoformat(lukket) if lukket else event.tidspunkt.date()
            ),
        )
    if kind == EventKind.INDDRIVELSE:
        return model.Haendelse(
            **common,
            overdraget_til_inddrivelse=model.OverdragetTilInddrivelse(
                status=model.PsrmStatus(data["status"]),
                psrm_reference=data.get("psrm_reference"),
                tekst=data.get("tekst"),
            ),
        )
    raise ValueError(f"{kind} is not reported to FBS")
