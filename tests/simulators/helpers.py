"""Builders for the simulator tests."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from oeir import codec, kommuner, model, schema, soap
from oeir.services import DEBITOR_FORESPOERGSEL, DEBITOR_REGISTRERING, Service
from simulators.ledger import Ledger, check_invariant

CPRS = ("0101901234", "1502851111", "3112700042")
"""Valid test CPR numbers (date and century rules)."""

CPR = CPRS[1]
"""The debtor of `opret`'s envelopes unless told otherwise."""


def debitor(cpr: str = CPRS[0], navn: str | None = "Test Person") -> model.Debitor:
    """A CPR debtor."""
    return model.Debitor(cpr_nummer=cpr, navn=navn)


def kreditor(kommunekode: str = "101") -> model.Kreditor:
    """The library of a municipality as creditor."""
    return model.Kreditor(agency_id=f"DK-7{kommunekode}00", kommunekode=kommunekode)


def fordring(
    fordring_id: str,
    hovedstol: int = 5000,
    *,
    cpr: str = CPRS[0],
    kommunekode: str = "101",
    forfald: date = date(2026, 1, 19),
    tekst: str = "Gebyr (for sent)",
    cvr: str | None = None,
) -> model.Fordring:
    """A late-return fee claim."""
    deb = model.Debitor(cvr_nummer=cvr, navn="Firma") if cvr else debitor(cpr)
    return model.Fordring(
        fordring_id=fordring_id,
        fordring_type=model.FordringType.GEBYR,
        klassifikationskode="BIB-GEBYR",
        hovedstol=hovedstol,
        stiftelsesdato=forfald - timedelta(days=14),
        forfaldsdato=forfald,
        sidste_rettidige_betalingsdato=forfald,
        tekst=tekst,
        debitor=deb,
        kreditor=kreditor(kommunekode),
    )


def assert_ledger_sound(ledger: Ledger, kommunekode: str = "101") -> None:
    """Every claim of the municipality keeps the ledger invariant, and every account's
    `HentDebitorkontoSvar` is valid against the contract's XSD (amounts within `BeloebType`)."""
    events = ledger.events(kommunekode=kommunekode, limit=1_000_000)
    with ledger.store.read() as tx:
        accounts = tx.accounts_page(kommunekode, None, 1000)
    for account in accounts:
        for claim in ledger.claims_of_account(account.nummer):
            assert check_invariant(claim, events) == []
        svar = ledger.hent_debitorkonto(
            model.HentDebitorkonto(kommunekode=kommunekode, debitorkontonummer=account.nummer)
        )
        schema.validate(codec.encode(svar))


def header(kode: str, service: Service) -> model.SpHeader:
    """The Serviceplatformen headers FBS sends to municipality `kode`."""
    k = kommuner.by_kode()[kode]
    return model.SpHeader(
        invocation_context=model.InvocationContext(
            service_agreement_uuid=k.service_agreement_uuid,
            user_system_uuid=kommuner.FBS_USER_SYSTEM_UUID,
            user_uuid="00000000-0000-4000-8000-00000000f8b5",
            service_uuid=kommuner.service_uuid(service.name),
            callers_service_call_identifier=f"call-{uuid.uuid4()}",
        ),
        authority_context=model.AuthorityContext(municipality_cvr=k.cvr),
    )


def opret(kode: str, fid: str, cpr: str = CPR) -> bytes:
    """An OpretFordring envelope for municipality `kode`."""
    msg = model.OpretFordring(fordring=fordring(fid, kommunekode=kode, cpr=cpr))
    return soap.request_envelope(msg, header(kode, DEBITOR_REGISTRERING))


def hent(kode: str, konto: str = "KK-DEB-999001") -> bytes:
    """A HentDebitorkonto envelope for municipality `kode`."""
    msg = model.HentDebitorkonto(kommunekode=kode, debitorkontonummer=konto)
    return soap.request_envelope(msg, header(kode, DEBITOR_FORESPOERGSEL))
