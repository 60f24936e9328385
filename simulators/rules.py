"""Profile rules: the limits one debtor system puts on a message (text length, CVR, SkiftHaefter...).

Each rule reads the profile; the FejlKode it answers with comes from the
profile's ``[faults]`` table. No rule asks which system it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oeir import model
from oeir.faults import BusinessRuleBroken
from simulators.profiles import Profile


def _texts(message: Any) -> Iterator[tuple[str, str]]:
    match message:
        case model.OpretDebitorkonto():
            for i, f in enumerate(message.fordringer, 1):
                yield f"Fordring[{i}]/Tekst", f.tekst
        case model.OpretFordring():
            yield "Fordring/Tekst", message.fordring.tekst
        case model.NedskrivFordring() | model.AnnullerFordring():
            if message.tekst is not None:
                yield "Tekst", message.tekst


def _debitorer(message: Any) -> Iterator[tuple[str, model.Debitor]]:
    match message:
        case model.OpretDebitorkonto():
            yield "Debitor", message.debitor
            for i, f in enumerate(message.fordringer, 1):
                yield f"Fordring[{i}]/Debitor", f.debitor
        case model.OpretFordring():
            yield "Fordring/Debitor", message.fordring.debitor
        case model.SkiftHaefter():
            yield "NyDebitor", message.ny_debitor
        case model.HentDebitorkonto() if message.debitor is not None:
            yield "Debitor", message.debitor
        case model.SoegDelfordringTilIndbetaling() | model.ForetagIndbetaling():
            yield "Debitor", message.debitor


_PAYMENT_OPERATIONS = (model.SoegDelfordringTilIndbetaling, model.ForetagIndbetaling)


def violations(message: Any, profile: Profile) -> Iterator[BusinessRuleBroken]:
    """Every profile rule `message` breaks, in a stable order."""
    if isinstance(message, _PAYMENT_OPERATIONS) and not profile.payment_solution:
        yield BusinessRuleBroken(
            profile.name, kode=profile.faults.get("no_payment_solution", "IngenBetalingsloesning")
        )
    if isinstance(message, model.SkiftHaefter) and not profile.skift_haefter:
        yield BusinessRuleBroken(profile.name, kode=profile.faults["skift_haefter_not_supported"])
    for felt, text in _texts(message):
        if len(text) > profile.text_max_length:
            yield BusinessRuleBroken(
                f"{len(text)} > {profile.text_max_length} tegn/characters",
                kode=profile.faults["text_too_long"],
                felt=felt,
            )
    if not profile.cvr_debtors:
        for felt, debitor in _debitorer(message):
            if debitor.cvr_nummer is not None:
                yield BusinessRuleBroken(
                    profile.name, kode=profile.faults["cvr_not_supported"], felt=f"{felt}/CVRNummer"
                )


def validate(message: Any, profile: Profile) -> None:
    """Raise the first profile rule `message` breaks."""
    for violation in violations(message, profile):
        raise violation


def kommunekoder(message: Any) -> Iterator[tuple[str, str]]:
    """Every (field, kommunekode) a message names, to check it is the caller's municipality."""
    match message:
        case model.OpretDebitorkonto():
            yield "Kreditor/Kommunekode", message.kreditor.kommunekode
            for i, f in enumerate(message.fordringer, 1):
                yield f"Fordring[{i}]/Kreditor/Kommunekode", f.kreditor.kommunekode
        case model.OpretFordring():
            yield "Fordring/Kreditor/Kommunekode", message.fordring.kreditor.kommunekode
        case model.NedskrivFordring() | model.AnnullerFordring() | model.SkiftHaefter():
            yield "Kreditor/Kommunekode", message.kreditor.kommunekode
        case (
            model.HentDebitorkonto()
            | model.SoegDebitorkonti()
            | model.SoegDelfordringTilIndbetaling()
            | model.ForetagIndbetaling()
        ):
            yield "Kommunekode", message.kommunekode
