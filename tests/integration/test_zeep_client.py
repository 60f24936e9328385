"""zeep and the lxml client give the same answers and sort faults the same way."""

from __future__ import annotations

from datetime import date

import pytest
import requests
import responses

from integration.client import BusinessFault, DebtorClient, TechnicalFault
from integration.client.zeep_client import ZeepDebtorClient
from oeir import model, soap
from oeir.services import DEBITOR_REGISTRERING
from tests.integration.soapfakes import FORESPOERGSEL_URL, REGISTRERING_URL, fault, ok
from tests.integration.test_reconcile import konto, saldo

FORDRING = model.Fordring(
    fordring_id="FBS-710100-1",
    fordring_type=model.FordringType.GEBYR,
    klassifikationskode="BIB-GEBYR",
    hovedstol=3050,
    stiftelsesdato=date(2026, 1, 5),
    forfaldsdato=date(2026, 1, 19),
    sidste_rettidige_betalingsdato=date(2026, 1, 19),
    tekst="Gebyr (for sent)",
    materialer=(model.Materiale(materialenummer="1", post_id="870970-basis:1"),),
    debitor=model.Debitor(cpr_nummer="0101901234", navn="A"),
    kreditor=model.Kreditor(agency_id="DK-710100", kommunekode="101"),
)
CASES = [
    (
        REGISTRERING_URL,
        model.OpretDebitorkonto(
            debitor=FORDRING.debitor, kreditor=FORDRING.kreditor, fordringer=(FORDRING,)
        ),
        model.OpretDebitorkontoSvar(debitorkontonummer="K1", fordring_ider=("FBS-710100-1",)),
    ),
    (
        REGISTRERING_URL,
        model.NedskrivFordring(
            kreditor=FORDRING.kreditor,
            fordring_id="F1",
            nedskrivning_id="N1",
            beloeb=550,
            aarsag=model.NedskrivningAarsag.KULANCE,
        ),
        model.NedskrivFordringSvar(fordring_id="F1", saldo=2500),
    ),
    (
        FORESPOERGSEL_URL,
        model.SoegDebitorkonti(kommunekode="101", maks_antal=2),
        model.SoegDebitorkontiSvar(
            debitorkonti=(
                konto("K1", "0101901234", saldo("F1", 3000, daekket=1000), saldo("F2", 500)),
            ),
            naeste_cursor="K1",
        ),
    ),
]


@pytest.mark.parametrize(("url", "request_msg", "answer"), CASES, ids=lambda c: type(c).__name__)
@responses.activate
def test_both_clients_send_the_same_message_and_read_the_same_answer(
    config, url, request_msg, answer
):
    responses.add(responses.POST, url, **ok(answer))
    got = [
        c.call("101", request_msg, "id-1", "acct")
        for c in (DebtorClient(config), ZeepDebtorClient(config))
    ]
    assert got == [answer, answer]
    sent = [soap.read_request(call.request.body, _service(url)) for call in responses.calls]
    assert sent[0].message == sent[1].message == request_msg
    assert sent[0].header == sent[1].header


def _service(url: str):
    from oeir.services import SERVICES

    return next(s for s in SERVICES.values() if url.endswith(s.path))


@responses.activate
def test_both_clients_sort_faults_the_same(config):
    msg = CASES[1][1]
    responses.add(responses.POST, REGISTRERING_URL, body=b"")
    for kw, expected in (
        (fault("FordringFindesIkke"), BusinessFault),
        (fault("TjenesteUtilgaengelig"), TechnicalFault),
    ):
        responses.replace(responses.POST, REGISTRERING_URL, **kw)
        for client in (DebtorClient(config), ZeepDebtorClient(config)):
            with pytest.raises(expected):
                client.call("101", msg, "x")
    responses.replace(
        responses.POST, REGISTRERING_URL, body=requests.exceptions.ConnectTimeout("slow")
    )
    for client in (DebtorClient(config), ZeepDebtorClient(config)):
        with pytest.raises(TechnicalFault):
            client.call("101", msg, "x")


def test_zeep_fault_keeps_the_code(config):
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, REGISTRERING_URL, **fault("SkiftHaefterIkkeUnderstoettet"))
        with pytest.raises(BusinessFault) as err:
            ZeepDebtorClient(config).call(
                "101",
                model.SkiftHaefter(
                    kreditor=FORDRING.kreditor, fordring_id="F1", ny_debitor=FORDRING.debitor
                ),
                "x",
            )
    assert err.value.kode == "SkiftHaefterIkkeUnderstoettet" and "hæfter" in err.value.tekst_da
    assert DEBITOR_REGISTRERING.name in REGISTRERING_URL
