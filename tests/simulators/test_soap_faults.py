"""Faults over real HTTP: each refusal has a stable FejlKode, is HTTP 500 text/xml, changes nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import requests

from oeir import kommuner, model, soap
from oeir.faults import OeirFault
from oeir.services import DEBITOR_INDBETALING, DEBITOR_REGISTRERING, Service
from simulators.tenants import Tenant
from tests.conftest import Served
from tests.simulators.conftest import sp_header, tenant_for
from tests.simulators.helpers import fordring

CPR = "1502851111"


def post(served: Served, service: Service, body: bytes) -> requests.Response:
    """POST raw bytes to a service endpoint."""
    return requests.post(
        served.base_url + service.path,
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=10,
    )


def call(
    served: Served,
    message: Any,
    tenant: Tenant,
    *,
    service: Service = DEBITOR_REGISTRERING,
    header: model.SpHeader | None = None,
) -> Any:
    """Send `message` as `tenant` and read the answer; a Fault raises `OeirFault`."""
    env = soap.request_envelope(message, header or sp_header(tenant, service.name))
    r = post(served, service, env)
    if r.status_code != 200:
        assert r.status_code == 500 and r.headers["Content-Type"].startswith("text/xml")
    op = service.operation_for(type(message).__name__)
    assert op is not None
    return soap.read_response(r.content, op.response)


def refused(served: Served, message: Any, tenant: Tenant, **kw: Any) -> OeirFault:
    """The fault `message` gets; fails the test when it is accepted."""
    with pytest.raises(OeirFault) as err:
        call(served, message, tenant, **kw)
    return err.value


def opret(tenant: Tenant, fid: str, **kw: Any) -> model.OpretFordring:
    """OpretFordring for `tenant`'s library."""
    return model.OpretFordring(fordring=fordring(fid, kommunekode=tenant.kode, cpr=CPR, **kw))


def test_unknown_municipality(served: Served) -> None:
    tenant = tenant_for(served.sim, "opus")
    header = sp_header(tenant)
    header = replace(header, authority_context=model.AuthorityContext(municipality_cvr="12345674"))
    fault = refused(served, opret(tenant, "U-1"), tenant, header=header)
    assert (fault.kode, fault.felt) == ("UkendtKommune", "AuthorityContext/MunicipalityCVR")
    assert served.sim.ledger.claim(tenant.kode, "U-1") is None


def test_no_service_agreement(served: Served) -> None:
    tenant = tenant_for(served.sim, "opus")
    other = kommuner.by_kode()["561"]  # Esbjerg's agreement is not valid for this municipality
    header = sp_header(tenant)
    wrong_agreement = replace(
        header,
        invocation_context=replace(
            header.invocation_context, service_agreement_uuid=other.service_agreement_uuid
        ),
    )
    fault = refused(served, opret(tenant, "A-1"), tenant, header=wrong_agreement)
    assert (fault.kode, fault.felt) == (
        "IngenServiceaftale",
        "InvocationContext/ServiceAgreementUUID",
    )
    wrong_system = replace(
        header,
        invocation_context=replace(
            header.invocation_context, user_system_uuid="00000000-0000-4000-8000-000000000bad"
        ),
    )
    fault = refused(served, opret(tenant, "A-1"), tenant, header=wrong_system)
    assert (fault.kode, fault.felt) == ("IngenServiceaftale", "InvocationContext/UserSystemUUID")
    assert served.sim.ledger.claim(tenant.kode, "A-1") is None


def test_xsd_invalid_message(served: Served) -> None:
    tenant = tenant_for(served.sim, "opus")
    env = soap.request_envelope(opret(tenant, "X-1"), sp_header(tenant))
    broken = env.replace(
        b"<o:Hovedstol>50.00</o:Hovedstol>", b"<o:Hovedstol>halvtreds</o:Hovedstol>"
    )
    assert broken != env
    r = post(served, DEBITOR_REGISTRERING, broken)
    assert r.status_code == 500 and r.headers["Content-Type"] == "text/xml; charset=utf-8"
    with pytest.raises(OeirFault) as err:
        soap.read_response(r.content, model.OpretFordringSvar)
    assert err.value.kode == "SkemaValideringFejlet"
    assert err.value.faultcode == "Client"
    assert served.sim.ledger.claim(tenant.kode, "X-1") is None


def test_text_too_long_for_the_profile_only(served: Served) -> None:
    short = tenant_for(served.sim, "prisme2009")
    long_ok = tenant_for(served.sim, "opus")
    text = "x" * (short.profile.text_max_length + 1)
    assert len(text) <= long_ok.profile.text_max_length
    fault = refused(served, opret(short, "T-1", tekst=text), short)
    assert (fault.kode, fault.felt) == ("TekstForLang", "Fordring/Tekst")
    assert served.sim.ledger.claim(short.kode, "T-1") is None
    assert call(served, opret(long_ok, "T-1", tekst=text), long_ok).fordring_id == "T-1"


def test_cvr_debtor_and_skift_haefter_follow_the_profile(served: Served) -> None:
    no_cvr = next(t for t in served.sim.tenants.all() if not t.profile.cvr_debtors)
    fault = refused(served, opret(no_cvr, "C-1", cvr="12345674"), no_cvr)
    assert (fault.kode, fault.felt) == ("CvrIkkeUnderstoettet", "Fordring/Debitor/CVRNummer")
    no_skift = next(t for t in served.sim.tenants.all() if not t.profile.skift_haefter)
    call(served, opret(no_skift, "S-1"), no_skift)
    skift = model.SkiftHaefter(
        kreditor=model.Kreditor(agency_id=f"DK-7{no_skift.kode}00", kommunekode=no_skift.kode),
        fordring_id="S-1",
        ny_debitor=model.Debitor(cpr_nummer="0101901234"),
    )
    assert refused(served, skift, no_skift).kode == "SkiftHaefterIkkeUnderstoettet"


def test_no_payment_solution_on_systems_without_one(served: Served) -> None:
    cpr = "3112700042"
    for system, has in (("opus", True), ("eg", False)):
        tenant = tenant_for(served.sim, system)
        claim = fordring(f"P-{system}", kommunekode=tenant.kode, cpr=cpr)
        call(served, model.OpretFordring(fordring=claim), tenant)
        msg = model.SoegDelfordringTilIndbetaling(
            kommunekode=tenant.kode, debitor=model.Debitor(cpr_nummer=cpr)
        )
        if has:
            svar = call(served, msg, tenant, service=DEBITOR_INDBETALING)
            assert [(d.fordring_id, d.saldo) for d in svar.delfordringer] == [("P-opus", 5000)]
        else:
            assert refused(served, msg, tenant, service=DEBITOR_INDBETALING).kode == (
                "IngenBetalingsloesning"
            )


def test_a_municipality_names_only_itself(served: Served) -> None:
    tenant = tenant_for(served.sim, "opus")
    msg = model.OpretFordring(fordring=fordring("K-1", kommunekode="561", cpr=CPR))
    fault = refused(served, msg, tenant)
    assert (fault.kode, fault.felt) == ("AdgangNaegtet", "Fordring/Kreditor/Kommunekode")
    assert served.sim.ledger.claim("561", "K-1") is None


def test_oversized_request_is_a_500_fault_before_parsing(served: Served) -> None:
    body = b"<" + b"x" * (served.sim.config.max_request_bytes + 10)
    r = post(served, DEBITOR_REGISTRERING, body)
    assert r.status_code == 500 and r.headers["Content-Type"].startswith("text/xml")
    with pytest.raises(OeirFault) as err:
        soap.read_response(r.content, model.OpretFordringSvar)
    assert err.value.kode == "BeskedForStor"


def test_idempotent_over_soap_and_journal_masks_cpr(served: Served) -> None:
    tenant = tenant_for(served.sim, "prisme2015")
    first = call(served, opret(tenant, "I-1"), tenant)
    again = call(served, opret(tenant, "I-1"), tenant)
    assert again == first
    assert [
        c.fordring_id for c in served.sim.ledger.claims_of_account(first.debitorkontonummer)
    ] == ["I-1"]
    fault = refused(served, opret(tenant, "I-1", hovedstol=9900), tenant)
    assert fault.kode == "FordringIdAlleredeBrugt"
    entry = served.sim.journal.query(kommunekode=tenant.kode, verdict="fault", limit=1)[0]
    assert (entry.operation, entry.fejlkode, entry.http_status) == (
        "OpretFordring",
        "FordringIdAlleredeBrugt",
        500,
    )
    assert "150285-****" in entry.request and CPR not in entry.request
    r = requests.get(
        f"{served.base_url}/admin/journal",
        params={"kommunekode": tenant.kode, "fejlkode": "FordringIdAlleredeBrugt"},
        timeout=10,
    )
    assert r.status_code == 200 and CPR not in r.text
    assert r.json()["entries"][0]["operation"] == "OpretFordring"
