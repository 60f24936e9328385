"""The SOAP client against a mocked HTTP layer: answers, faults, timeouts, slow answers."""

from __future__ import annotations

import pytest
import requests
import responses

from integration.client import BusinessFault, DebtorClient, TechnicalFault
from oeir import kommuner, model, soap
from oeir.services import DEBITOR_REGISTRERING
from tests.integration.soapfakes import REGISTRERING_URL, fault, ok

MSG = model.AnnullerFordring(
    kreditor=model.Kreditor(agency_id="DK-710100", kommunekode="101"),
    fordring_id="FBS-710100-1",
    aarsag=model.AnnulleringAarsag.KULANCE,
)
SVAR = model.AnnullerFordringSvar(
    fordring_id="FBS-710100-1", status=model.FordringStatus.ANNULLERET
)


@pytest.fixture
def client(config):
    return DebtorClient(config)


@responses.activate
def test_sends_sp_headers_and_soap_action_and_reads_the_answer(client):
    responses.add(responses.POST, REGISTRERING_URL, **ok(SVAR))
    assert client.call("101", MSG, "msg-1", "FBS-710100-1") == SVAR
    sent = responses.calls[0].request
    assert (
        sent.headers["SOAPAction"]
        == '"' + DEBITOR_REGISTRERING.operations["AnnullerFordring"].soap_action + '"'
    )
    req = soap.read_request(sent.body, DEBITOR_REGISTRERING)
    ctx = req.header.invocation_context
    assert ctx.callers_service_call_identifier == "msg-1"
    assert ctx.accounting_info == "FBS-710100-1"
    assert ctx.service_agreement_uuid == kommuner.by_kode()["101"].service_agreement_uuid
    assert req.header.authority_context.municipality_cvr == kommuner.by_kode()["101"].cvr
    assert req.message == MSG


@responses.activate
def test_client_fault_is_a_business_fault_with_the_danish_reason(client):
    responses.add(responses.POST, REGISTRERING_URL, **fault("SkiftHaefterIkkeUnderstoettet"))
    with pytest.raises(BusinessFault) as err:
        client.call("101", MSG, "m")
    assert err.value.kode == "SkiftHaefterIkkeUnderstoettet"
    assert "understøtter ikke skift af hæfter" in err.value.tekst_da


@responses.activate
def test_server_fault_is_technical(client):
    responses.add(responses.POST, REGISTRERING_URL, **fault("TjenesteUtilgaengelig"))
    with pytest.raises(TechnicalFault, match="TjenesteUtilgaengelig"):
        client.call("101", MSG, "m")


@responses.activate
@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_without_soap_is_technical(client, status):
    responses.add(
        responses.POST,
        REGISTRERING_URL,
        body=b"<html>Bad gateway</html>"[6:],
        status=status,
    )
    with pytest.raises(TechnicalFault, match=f"HTTP {status}"):
        client.call("101", MSG, "m")


@responses.activate
def test_slow_answer_times_out_as_technical(client):
    def too_slow(request):
        raise requests.exceptions.ReadTimeout("read timed out")

    responses.add_callback(responses.POST, REGISTRERING_URL, callback=too_slow)
    with pytest.raises(TechnicalFault, match="timeout"):
        client.call("101", MSG, "m")


@responses.activate
def test_refused_connection_is_technical(client):
    responses.add(
        responses.POST, REGISTRERING_URL, body=requests.exceptions.ConnectionError("refused")
    )
    with pytest.raises(TechnicalFault, match="ConnectionError"):
        client.call("101", MSG, "m")


@responses.activate
def test_garbled_answer_is_technical_not_parked(client):
    responses.add(responses.POST, REGISTRERING_URL, body=b"<soap:Envelope", status=200)
    with pytest.raises(TechnicalFault, match="unreadable"):
        client.call("101", MSG, "m")


@responses.activate
def test_wrong_answer_type_is_technical(client):
    responses.add(
        responses.POST, REGISTRERING_URL, **ok(model.NedskrivFordringSvar(fordring_id="x", saldo=1))
    )
    with pytest.raises(TechnicalFault):
        client.call("101", MSG, "m")


@responses.activate
def test_404_without_soap_is_parked_as_business(client):
    responses.add(responses.POST, REGISTRERING_URL, body=b"not found", status=404)
    with pytest.raises(BusinessFault) as err:
        client.call("101", MSG, "m")
    assert err.value.kode == "HttpFejl"


def test_unknown_municipality_is_a_business_fault(client):
    with pytest.raises(BusinessFault) as err:
        client.call("999", MSG, "m")
    assert err.value.kode == "UkendtKommune"


@responses.activate
def test_an_answer_above_the_request_limit_is_still_read(client):
    from tests.integration.soapfakes import FORESPOERGSEL_URL
    from tests.integration.test_reconcile import konto, saldo

    page = model.SoegDebitorkontiSvar(
        debitorkonti=tuple(
            konto(f"K{i}", "0101901234", *(saldo(f"F{i}-{j}", 100) for j in range(25)))
            for i in range(100)
        )
    )
    responses.add(responses.POST, FORESPOERGSEL_URL, **ok(page))
    assert len(responses.registered()[0].body) > 2**20
    assert client.call("101", model.SoegDebitorkonti(kommunekode="101"), "big") == page
