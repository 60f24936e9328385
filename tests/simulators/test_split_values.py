"""A value split by a comment, PI or CDATA section is read whole, as the XSD validated it.

``<Hovedstol>1<!-- -->00.00</Hovedstol>`` is the amount 100.00 to the schema
validator (it joins all text nodes); the codec once read only the text before
the comment and booked 1.00. Each attack goes over real HTTP, and the ledger
invariant is checked after it.
"""

from __future__ import annotations

import requests

from oeir import model, soap
from oeir.services import DEBITOR_INDBETALING, DEBITOR_REGISTRERING, Service
from simulators.ledger import check_invariant
from simulators.tenants import Tenant
from tests.conftest import Served
from tests.simulators.conftest import sp_header, tenant_for
from tests.simulators.helpers import fordring

CPR = "1502851111"


def _send(served: Served, message: object, tenant: Tenant, service: Service, split: dict) -> bytes:
    """Send `message` with each ``old -> new`` text replacement made in its envelope."""
    envelope = soap.request_envelope(message, sp_header(tenant, service.name)).decode()
    for old, new in split.items():
        assert old in envelope, old
        envelope = envelope.replace(old, new)
    r = requests.post(
        served.base_url + service.path,
        data=envelope.encode(),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return r.content


def _invariant_holds(served: Served, kommunekode: str, fordring_id: str) -> None:
    ledger = served.sim.ledger
    claim = ledger.claim(kommunekode, fordring_id)
    assert claim is not None
    assert check_invariant(claim, ledger.events(kommunekode=kommunekode, limit=10_000)) == []


def test_opret_fordring_with_a_comment_in_the_amount_and_the_id(served: Served) -> None:
    tenant = tenant_for(served.sim, "opus")
    message = model.OpretFordring(
        fordring=fordring("XS-100", 10_000, kommunekode=tenant.kode, cpr=CPR, tekst="Erstatning")
    )
    body = _send(
        served,
        message,
        tenant,
        DEBITOR_REGISTRERING,
        {
            "<o:Hovedstol>100.00<": "<o:Hovedstol>1<!-- -->00.00<",
            "<o:FordringId>XS-100<": "<o:FordringId>X<!---->S-<?note x?>100<",
            "<o:Tekst>Erstatning<": "<o:Tekst>Erst<![CDATA[at]]>ning<",
        },
    )
    svar = soap.read_response(body, model.OpretFordringSvar)
    assert svar.fordring_id == "XS-100"
    claim = served.sim.ledger.claim(tenant.kode, "XS-100")
    assert claim is not None
    assert (claim.hovedstol, claim.saldo, claim.tekst) == (10_000, 10_000, "Erstatning")
    assert served.sim.ledger.claim(tenant.kode, "X") is None
    _invariant_holds(served, tenant.kode, "XS-100")


def test_foretag_indbetaling_with_a_comment_in_the_amount_and_the_id(served: Served) -> None:
    tenant = tenant_for(served.sim, "opus")
    message = model.OpretFordring(
        fordring=fordring("XP-1", 10_000, kommunekode=tenant.kode, cpr=CPR)
    )
    soap.read_response(
        _send(served, message, tenant, DEBITOR_REGISTRERING, {}), model.OpretFordringSvar
    )
    pay = model.ForetagIndbetaling(
        kommunekode=tenant.kode,
        debitor=model.Debitor(cpr_nummer=CPR),
        indbetaling_id="PAY-XP-1",
        beloeb=9_000,
        betalingsmiddel=model.Betalingsmiddel.KORT,
        fordring_ider=("XP-1",),
    )
    body = _send(
        served,
        pay,
        tenant,
        DEBITOR_INDBETALING,
        {
            "<o:Beloeb>90.00<": "<o:Beloeb>9<!-- -->0.00<",
            "<o:IndbetalingId>PAY-XP-1<": "<o:IndbetalingId>PAY<!---->-XP-1<",
            "<o:FordringId>XP-1<": "<o:FordringId>XP<?pi?>-1<",
        },
    )
    svar = soap.read_response(body, model.ForetagIndbetalingSvar)
    assert svar.indbetaling_id == "PAY-XP-1"
    assert [(d.fordring_id, d.beloeb) for d in svar.daekninger] == [("XP-1", 9_000)]
    claim = served.sim.ledger.claim(tenant.kode, "XP-1")
    assert claim is not None
    assert (claim.daekket, claim.saldo) == (9_000, 1_000)
    _invariant_holds(served, tenant.kode, "XP-1")
