"""Acceptance: a zeep client built from the SERVED WSDL runs the claim life cycle on each system.

OpretDebitorkonto, OpretFordring, HentDebitorkonto, NedskrivFordring,
AnnullerFordring, against a running simulator, for one municipality of each of
the four debtor systems; asserting the answers and the state stored.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import zeep

from oeir import model
from oeir.services import DEBITOR_FORESPOERGSEL, DEBITOR_REGISTRERING, Service
from simulators.profiles import SYSTEMS
from simulators.tenants import Tenant
from tests.conftest import Served
from tests.simulators.conftest import sp_header, tenant_for

CPR = "0101901234"


@pytest.fixture(scope="module")
def clients(served: Served) -> dict[str, zeep.Client]:
    """One zeep client per service, each from its ?wsdl on the running server."""
    return {
        s.name: zeep.Client(f"{served.base_url}{s.path}?wsdl")
        for s in (DEBITOR_REGISTRERING, DEBITOR_FORESPOERGSEL)
    }


def headers(tenant: Tenant, service: Service) -> dict[str, Any]:
    """zeep's `_soapheaders` for a call on behalf of `tenant`."""
    h = sp_header(tenant, service.name)
    ic = h.invocation_context
    return {
        "InvocationContext": {
            "ServiceAgreementUUID": ic.service_agreement_uuid,
            "UserSystemUUID": ic.user_system_uuid,
            "UserUUID": ic.user_uuid,
            "ServiceUUID": ic.service_uuid,
            "CallersServiceCallIdentifier": ic.callers_service_call_identifier,
        },
        "AuthorityContext": {"MunicipalityCVR": h.authority_context.municipality_cvr},
    }


def fordring(tenant: Tenant, fordring_id: str, kroner: str) -> dict[str, Any]:
    """A late-fee claim as zeep arguments."""
    return {
        "FordringId": fordring_id,
        "FordringType": "Gebyr",
        "Klassifikationskode": "BIB-GEBYR",
        "Hovedstol": Decimal(kroner),
        "Stiftelsesdato": date(2026, 1, 5),
        "Forfaldsdato": date(2026, 1, 19),
        "SidsteRettidigeBetalingsdato": date(2026, 1, 19),
        "Tekst": "Gebyr (for sent)",
        "Materiale": [{"Materialenummer": "5010101010", "PostId": "870970-basis:12345678"}],
        "SkriftligtAnerkendt": False,
        "Debitor": {"CPRNummer": CPR, "Navn": "Test Person"},
        "Kreditor": kreditor(tenant),
    }


def kreditor(tenant: Tenant) -> dict[str, str]:
    """The municipality's library as creditor."""
    return {"AgencyId": f"DK-7{tenant.kode}00", "Kommunekode": tenant.kode}


@pytest.mark.parametrize("system", SYSTEMS)
def test_claim_life_cycle_through_zeep(
    system: str, served: Served, clients: dict[str, zeep.Client]
) -> None:
    tenant = tenant_for(served.sim, system)
    reg = clients[DEBITOR_REGISTRERING.name].service
    query = clients[DEBITOR_FORESPOERGSEL.name].service

    def h_reg() -> dict[str, Any]:  # a fresh call id per call: an id names one call
        return headers(tenant, DEBITOR_REGISTRERING)

    f1, f2 = f"Z-{system}-1", f"Z-{system}-2"

    konto = reg.OpretDebitorkonto(
        Debitor={"CPRNummer": CPR, "Navn": "Test Person"},
        Kreditor=kreditor(tenant),
        Fordring=[fordring(tenant, f1, "75.50")],
        _soapheaders=h_reg(),
    )
    assert konto.FordringId == [f1]
    assert konto.Debitorkontonummer.startswith(tenant.kode)

    svar = reg.OpretFordring(Fordring=fordring(tenant, f2, "120.00"), _soapheaders=h_reg())
    assert (svar.Debitorkontonummer, svar.FordringId) == (konto.Debitorkontonummer, f2)

    hent = query.HentDebitorkonto(
        Kommunekode=tenant.kode,
        Debitorkontonummer=konto.Debitorkontonummer,
        _soapheaders=headers(tenant, DEBITOR_FORESPOERGSEL),
    )
    assert hent.Saldo == Decimal("195.50")
    assert hent.Debitor.CPRNummer == CPR
    assert [(f.FordringId, f.Saldo, f.Status) for f in hent.FordringSaldo] == [
        (f1, Decimal("75.50"), "Aaben"),
        (f2, Decimal("120.00"), "Aaben"),
    ]

    ned = reg.NedskrivFordring(
        Kreditor=kreditor(tenant),
        FordringId=f2,
        NedskrivningId=f"N-{system}-1",
        Beloeb=Decimal("20.00"),
        Aarsag="DelvisAflevering",
        _soapheaders=h_reg(),
    )
    assert (ned.FordringId, ned.Saldo) == (f2, Decimal("100.00"))

    ann = reg.AnnullerFordring(
        Kreditor=kreditor(tenant), FordringId=f1, Aarsag="MaterialeFundet", _soapheaders=h_reg()
    )
    assert (ann.FordringId, ann.Status) == (f1, "Annulleret")

    ledger = served.sim.ledger
    c1, c2 = ledger.claim(tenant.kode, f1), ledger.claim(tenant.kode, f2)
    assert c1 is not None and c2 is not None
    assert (c1.status, c1.saldo, c1.nedskrevet) == (model.FordringStatus.ANNULLERET, 0, 7550)
    assert (c2.status, c2.saldo, c2.nedskrevet, c2.hovedstol) == (
        model.FordringStatus.AABEN,
        10_000,
        2000,
        12_000,
    )
    assert c1.konto == c2.konto == konto.Debitorkontonummer
    ops = [e.operation for e in served.sim.journal.query(kommunekode=tenant.kode, verdict="ok")]
    assert ops[:5] == [
        "AnnullerFordring",
        "NedskrivFordring",
        "HentDebitorkonto",
        "OpretFordring",
        "OpretDebitorkonto",
    ]
