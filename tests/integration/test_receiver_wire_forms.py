"""The callback receiver reads every form the XSD allows as the XSD reads it.

``<Beloeb>9<!-- -->0.00</Beloeb>`` validates as 90.00; the shared oeir codec once
read only the text before the comment and the core applied 9.00. An upper-case
ServiceAgreementUUID is valid too, and names the same agreement.
"""

from __future__ import annotations

from integration.domain.balance import derive
from oeir import kommuner, model, soap
from oeir.services import DAEKNING_AFSKRIVNING
from tests.integration.conftest import new_fee
from tests.integration.test_receiver import ACTION, _header, daekning, http, receipts

__all__ = ["http"]  # the fixture, used by name


def test_a_comment_inside_an_amount_or_id_is_read_whole(http, core, fake):
    fee = core.service.create_fee(new_fee(fake, 12_000))
    body = soap.request_envelope(
        model.RegistrerDaekningAfskrivning(
            haendelser=(daekning("h-split", fee.fordring_id, 9000),)
        ),
        _header(),
    ).decode()
    for old, new in {
        "<o:Beloeb>90.00<": "<o:Beloeb>9<!-- -->0.00<",
        "<o:HaendelseId>h-split<": "<o:HaendelseId>h<!---->-split<",
        f"<o:FordringId>{fee.fordring_id}<": f"<o:FordringId><?x?>{fee.fordring_id}<",
    }.items():
        assert old in body, old
        body = body.replace(old, new)
    resp = http.post(
        DAEKNING_AFSKRIVNING.path,
        data=body.encode(),
        headers={"SOAPAction": f'"{ACTION}"', "Content-Type": "text/xml"},
    )
    assert resp.status_code == 200 and receipts(resp) == [("h-split", "Modtaget")]
    with core.store.read() as repo:
        stored = repo.fee(fee.fee_id)
        events = repo.haendelser(fee.fordring_id)
    assert (stored.daekket, stored.remaining) == (9000, 3000)
    assert [(e.haendelse_id, e.beloeb) for e in events] == [("h-split", 9000)]
    # The ledger invariant: the stored balance is the one its events give.
    assert derive(stored.principal, False, events).daekket == stored.daekket


def test_an_upper_case_service_agreement_uuid_is_accepted(http, core, fake):
    """InvocationContext.xsd's UUIDType takes either case; the core compared it case-sensitively."""
    fee = core.service.create_fee(new_fee(fake, 5000))
    body = soap.request_envelope(
        model.RegistrerDaekningAfskrivning(haendelser=(daekning("h-uuid", fee.fordring_id, 2000),)),
        _header(),
    ).decode()
    agreement = kommuner.by_kode()["101"].service_agreement_uuid
    assert agreement in body
    body = body.replace(agreement, agreement.upper())
    resp = http.post(
        DAEKNING_AFSKRIVNING.path,
        data=body.encode(),
        headers={"SOAPAction": f'"{ACTION}"', "Content-Type": "text/xml"},
    )
    assert resp.status_code == 200, resp.data
    assert receipts(resp) == [("h-uuid", "Modtaget")]
    with core.store.read() as repo:
        stored = repo.fee(fee.fee_id)
        events = repo.haendelser(fee.fordring_id)
    assert (stored.daekket, stored.remaining) == (2000, 3000)
    assert derive(stored.principal, False, events).daekket == stored.daekket
