"""Business rules every debtor system applies, shared by both sides of the contract.

The XSD checks shape; these check meaning (a CPR that is a real date, a
positive amount, dates in order). Each broken rule has its own `FejlKode`.
Profile-specific limits (text length, CVR support) belong to the simulators.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from oeir import model
from oeir.faults import BusinessRuleBroken
from oeir.identifiers import valid_cpr, valid_cvr


def check(message: Any) -> list[BusinessRuleBroken]:
    """Every business-rule violation in `message`, in document order (empty if none)."""
    return list(_violations(message))


def validate(message: Any) -> None:
    """Raise the first business-rule violation in `message`, if any."""
    for violation in _violations(message):
        raise violation


def _broken(kode: str, felt: str, detalje: str | None = None) -> BusinessRuleBroken:
    return BusinessRuleBroken(detalje, kode=kode, felt=felt)


def _debitor(d: model.Debitor, felt: str) -> Iterator[BusinessRuleBroken]:
    if (d.cpr_nummer is None) == (d.cvr_nummer is None):
        yield _broken("DebitorUgyldig", felt)
    elif d.cpr_nummer is not None and not valid_cpr(d.cpr_nummer):
        yield _broken("CprUgyldig", f"{felt}/CPRNummer")
    elif d.cvr_nummer is not None and not valid_cvr(d.cvr_nummer):
        yield _broken("CvrUgyldig", f"{felt}/CVRNummer", d.cvr_nummer)


def _positive(amount: int, felt: str) -> Iterator[BusinessRuleBroken]:
    if amount <= 0:
        yield _broken("BeloebIkkePositivt", felt)


LAST_SCHEDULABLE_DATE = date(2999, 12, 31)
"""The latest claim date a debtor system accepts: its collection steps (reminder,
deadline, handover) fall days to months after the due date and must stay in the calendar."""


def repeated_ids(ids: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(1-based position, id) of each id that was already named earlier in `ids`."""
    seen: set[str] = set()
    for i, fid in enumerate(ids, 1):
        if fid in seen:
            yield i, fid
        seen.add(fid)


def _fordring(f: model.Fordring, felt: str) -> Iterator[BusinessRuleBroken]:
    yield from _debitor(f.debitor, f"{felt}/Debitor")
    yield from _positive(f.hovedstol, f"{felt}/Hovedstol")
    for name, day in (
        ("Stiftelsesdato", f.stiftelsesdato),
        ("Forfaldsdato", f.forfaldsdato),
        ("SidsteRettidigeBetalingsdato", f.sidste_rettidige_betalingsdato),
    ):
        if day > LAST_SCHEDULABLE_DATE:
            yield _broken("DatoUdenforKalender", f"{felt}/{name}", day.isoformat())
    if f.forfaldsdato < f.stiftelsesdato:
        yield _broken("ForfaldFoerStiftelse", f"{felt}/Forfaldsdato")
    if f.sidste_rettidige_betalingsdato < f.forfaldsdato:
        yield _broken("SidsteRettidigeFoerForfald", f"{felt}/SidsteRettidigeBetalingsdato")
    if f.periode is not None and f.periode.til < f.periode.fra:
        yield _broken("PeriodeUgyldig", f"{felt}/Periode")


def _violations(message: Any) -> Iterator[BusinessRuleBroken]:
    match message:
        case model.OpretDebitorkonto():
            yield from _debitor(message.debitor, "Debitor")
            again = dict(repeated_ids(f.fordring_id for f in message.fordringer))
            for i, f in enumerate(message.fordringer, 1):
                if f.debitor.ident != message.debitor.ident or f.kreditor != message.kreditor:
                    yield _broken("DebitorUoverensstemmelse", f"Fordring[{i}]")
                if i in again:
                    yield _broken("FordringIdGentaget", f"Fordring[{i}]/FordringId", again[i])
                yield from _fordring(f, f"Fordring[{i}]")
        case model.OpretFordring():
            yield from _fordring(message.fordring, "Fordring")
        case model.NedskrivFordring() | model.ForetagIndbetaling():
            yield from _positive(message.beloeb, "Beloeb")
            if isinstance(message, model.ForetagIndbetaling):
                yield from _debitor(message.debitor, "Debitor")
                for i, fid in repeated_ids(message.fordring_ider):
                    yield _broken("FordringIdGentaget", f"FordringId[{i}]", fid)
        case model.SkiftHaefter():
            yield from _debitor(message.ny_debitor, "NyDebitor")
        case model.HentDebitorkonto() | model.SoegDelfordringTilIndbetaling():
            if message.debitor is not None:
                yield from _debitor(message.debitor, "Debitor")
        case model.RegistrerDaekningAfskrivning():
            for i, h in enumerate(message.haendelser, 1):
                yield from _haendelse(h, f"Haendelse[{i}]")


_BELOEB_ARTER = ("daekning", "daekning_tilbagefoert", "afskrivning", "nedregulering")


def _haendelse(h: model.Haendelse, felt: str) -> Iterator[BusinessRuleBroken]:
    kinds = sum(getattr(h, art) is not None for art in model.HAENDELSE_ARTER)
    if kinds != 1:
        yield _broken("HaendelseUgyldig", felt, f"{kinds} event kinds, expected exactly 1")
    if h.fordring_id is None and h.debitorkonto_lukket is None:
        yield _broken("HaendelseUgyldig", f"{felt}/FordringId", "FordringId is required")
    for art in _BELOEB_ARTER:
        part = getattr(h, art)
        if part is not None:
            yield from _positive(part.beloeb, f"{felt}/{h.art}/Beloeb")
