"""Map an FBS fee to the claim (`Fordring`) the debtor system receives.

Rules, each configurable per municipality in `MunicipalityRules`:

- FordringType: ``fee`` → Gebyr, ``compensation`` → Erstatning.
- Klassifikationskode: `klassifikationskode_fee` / `klassifikationskode_compensation`.
- Forfaldsdato = creation date + `due_days`; SidsteRettidigeBetalingsdato =
  Forfaldsdato + `timely_days`.
- Tekst: the fee's reasonMessage, fitted to `max_text_length` by `fit_text`.
- Materiale: one per FeeV2 material (item number, record id).
- SkriftligtAnerkendt: as given on the fee (compensation only; a late fee never is).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from integration.config import MunicipalityRules
from integration.domain.model import Fee, FeeType, Patron
from oeir import model

_ELLIPSIS = "…"


def dates_for(creation: date, rules: MunicipalityRules) -> tuple[date, date]:
    """(Forfaldsdato, SidsteRettidigeBetalingsdato) of a fee created on `creation`."""
    due = creation + timedelta(days=rules.due_days)
    return due, due + timedelta(days=rules.timely_days)


def fit_text(text: str, max_length: int, abbreviations: dict[str, str]) -> str:
    """Fit `text` into `max_length` characters, keeping as much meaning as possible.

    In order, stopping as soon as it fits: collapse whitespace; replace words
    by their configured abbreviations (longest words first); cut at the last
    word boundary and end with "…". A text that fits is never changed.
    """
    if len(text) <= max_length:
        return text
    fitted = re.sub(r"\s+", " ", text).strip()
    for word in sorted(abbreviations, key=len, reverse=True):
        if len(fitted) <= max_length:
            break
        fitted = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", abbreviations[word], fitted)
    if len(fitted) <= max_length:
        return fitted
    if max_length <= 1:
        return fitted[:max_length]
    cut = fitted[: max_length - 1]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-–") + _ELLIPSIS


def to_debitor(patron: Patron) -> model.Debitor:
    """The debtor of a patron's claims (CPR for a person, CVR for a company)."""
    return model.Debitor(
        cpr_nummer=patron.cpr, cvr_nummer=patron.cvr, navn=patron.name[:200] or None
    )


def to_fordring(fee: Fee, patron: Patron, rules: MunicipalityRules) -> model.Fordring:
    """The claim for a new fee, as `OpretDebitorkonto`/`OpretFordring` carry it."""
    compensation = fee.type is FeeType.COMPENSATION
    return model.Fordring(
        fordring_id=fee.fordring_id,
        fordring_type=model.FordringType.ERSTATNING if compensation else model.FordringType.GEBYR,
        klassifikationskode=(
            rules.klassifikationskode_compensation
            if compensation
            else rules.klassifikationskode_fee
        ),
        hovedstol=fee.principal,
        stiftelsesdato=fee.creation_date,
        forfaldsdato=fee.due_date,
        sidste_rettidige_betalingsdato=fee.last_timely_date,
        tekst=fit_text(fee.reason_message, rules.max_text_length, rules.abbreviations),
        materialer=tuple(
            model.Materiale(materialenummer=m.material_item_number, post_id=m.record_id)
            for m in fee.materials[:50]
        ),
        skriftligt_anerkendt=compensation and fee.skriftligt_anerkendt,
        debitor=to_debitor(patron),
        kreditor=model.Kreditor(agency_id=fee.agency_id, kommunekode=fee.kommunekode),
    )
