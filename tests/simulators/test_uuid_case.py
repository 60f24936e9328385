"""UUIDs in the Serviceplatformen headers are compared case-insensitively, as the XSD allows.

InvocationContext.xsd's UUIDType takes ``[0-9a-fA-F]``; an upper-case ServiceAgreementUUID was
refused with IngenServiceaftale though it names the same agreement.
"""

from __future__ import annotations

import pytest
import requests

from oeir import kommuner, model, soap
from oeir.faults import OeirFault
from oeir.services import DEBITOR_REGISTRERING
from simulators.ledger import check_invariant
from tests.conftest import Served
from tests.simulators.conftest import sp_header, tenant_for
from tests.simulators.helpers import fordring


def _post(served: Served, envelope: bytes) -> requests.Response:
    return requests.post(
        served.base_url + DEBITOR_REGISTRERING.path,
        data=envelope,
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=10,
    )


def test_upper_case_agreement_and_system_uuids_are_accepted(served: Served) -> None:
    tenant = tenant_for(served.sim, "opus")
    message = model.OpretFordring(fordring=fordring("UUID-1", kommunekode=tenant.kode))
    envelope = soap.request_envelope(message, sp_header(tenant)).decode()
    for uuid in (tenant.service_agreement_uuid, kommuner.FBS_USER_SYSTEM_UUID):
        assert uuid == uuid.lower() and uuid in envelope
        envelope = envelope.replace(uuid, uuid.upper())
    r = _post(served, envelope.encode())
    assert r.status_code == 200, r.text
    svar = soap.read_response(r.content, model.OpretFordringSvar)
    assert svar.fordring_id == "UUID-1"
    claim = served.sim.ledger.claim(tenant.kode, "UUID-1")
    assert claim is not None and claim.hovedstol == 5000
    events = served.sim.ledger.events(kommunekode=tenant.kode, limit=10_000)
    assert check_invariant(claim, events) == []


def test_another_municipalitys_agreement_in_upper_case_is_still_refused(served: Served) -> None:
    tenant = tenant_for(served.sim, "opus")
    other = kommuner.by_kode()["561"].service_agreement_uuid
    message = model.OpretFordring(fordring=fordring("UUID-2", kommunekode=tenant.kode))
    envelope = soap.request_envelope(message, sp_header(tenant)).decode()
    envelope = envelope.replace(tenant.service_agreement_uuid, other.upper())
    r = _post(served, envelope.encode())
    assert r.status_code == 500
    with pytest.raises(OeirFault) as err:
        soap.read_response(r.content, model.OpretFordringSvar)
    assert (err.value.kode, err.value.felt) == (
        "IngenServiceaftale",
        "InvocationContext/ServiceAgreementUUID",
    )
    assert served.sim.ledger.claim(tenant.kode, "UUID-2") is None
