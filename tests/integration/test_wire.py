"""The outbox's shortcut (stored claim XML spliced into the request) sends the same bytes."""

from __future__ import annotations

from lxml import etree

from integration.client import DebtorClient
from integration.client.api import _envelope
from integration.outbox import messages
from oeir import codec, model, soap, testdata
from oeir.services import DEBITOR_REGISTRERING


def _claims(n: int) -> list[model.Fordring]:
    fake = testdata.faker(4)
    debitor = model.Debitor(cpr_nummer=fake.cpr(), navn="Æble Øster")
    return [testdata.fordring(fake, debitor=debitor) for _ in range(n)]


def test_stored_claims_become_exactly_the_encoded_messages():
    claims = _claims(3)
    stored = [messages.StoredClaim.parse(messages.encode_payload(f)) for f in claims]
    assert {s.ident for s in stored} == {claims[0].debitor.cpr_nummer}
    assert stored[0].agency_id == "DK-710100"
    konto = model.OpretDebitorkonto(
        debitor=claims[0].debitor, kreditor=claims[0].kreditor, fordringer=tuple(claims)
    )
    assert etree.tostring(messages.opret_debitorkonto_element(stored)) == etree.tostring(
        codec.encode(konto)
    )
    one = model.OpretFordring(fordring=claims[1])
    assert etree.tostring(messages.opret_fordring_element(stored[1])) == etree.tostring(
        codec.encode(one)
    )


def test_envelope_is_byte_identical_to_oeir_soap(config):
    msg = model.OpretFordring(fordring=_claims(1)[0])
    header = DebtorClient(config).header("101", DEBITOR_REGISTRERING, "id-1", "FBS-1")
    assert _envelope(codec.encode(msg), header) == soap.request_envelope(msg, header)
