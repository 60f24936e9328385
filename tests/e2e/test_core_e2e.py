"""The integration core against the real simulator over HTTP, for each of the four systems."""

from __future__ import annotations

from datetime import timedelta

import pytest
import zeep
from lxml import etree

from tests.e2e.conftest import SYSTEMS, Bed

LONG_REASON = (
    "Erstatning for bortkommet materiale: Historien om Danmark, bind 3, "
    "udlånt fra Hovedbiblioteket og ikke afleveret trods tre påmindelser"
)


@pytest.mark.parametrize("system", SYSTEMS)
def test_late_fee_and_compensation_reach_the_ledger_with_the_right_fields(bed: Bed, fake, system):
    kode = SYSTEMS[system]
    cpr = fake.cpr()
    fee = bed.create_fee(kode, cpr, amount=30)
    comp = bed.create_fee(
        kode,
        cpr,
        type="compensation",
        reasonMessage=LONG_REASON,
        amount=125.5,
        acknowledgedInWriting=True,
    )
    result = bed.drain()
    assert (result.sent, result.parked, result.retried) == (2, 0, 0)
    limit = bed.core.config.rules(kode).max_text_length
    for sent, kind, amount in ((fee, "Gebyr", 3000), (comp, "Erstatning", 12_550)):
        claim = bed.claim(kode, sent["fordringId"])
        assert claim is not None, sent["fordringId"]
        assert (claim["fordring_type"], claim["hovedstol"], claim["status"]) == (
            kind,
            amount,
            "Aaben",
        )
        assert claim["forfaldsdato"] == sent["dueDate"]
        assert claim["sidste_rettidige_betalingsdato"] == sent["lastTimelyPaymentDate"]
        assert claim["stiftelsesdato"] == sent["creationDate"]
        assert len(claim["tekst"]) <= limit
    assert bed.claim(kode, fee["fordringId"])["tekst"] == "Gebyr (for sent)"
    assert (
        bed.claim(kode, fee["fordringId"])["konto"] == bed.claim(kode, comp["fordringId"])["konto"]
    )
    # Klassifikationskode, SkriftligtAnerkendt and Materiale, as the debtor system received them:
    ops = {
        e["operation"]: e
        for e in bed.admin("GET", f"/journal?kommunekode={kode}&verdict=ok")["entries"]
    }
    assert set(ops) == {"OpretDebitorkonto", "OpretFordring"}
    body = etree.fromstring(ops["OpretFordring"]["request"].encode())
    text = {etree.QName(el).localname: el.text for el in body.iter() if isinstance(el.tag, str)}
    assert text["Klassifikationskode"] == "BIB-ERSTATNING"
    assert text["SkriftligtAnerkendt"] == "true"
    assert text["PostId"] == "870970-basis:29630364"
    # FBS now shows both as handed over: not payable there, the municipality's link instead.
    detail = bed.harness("GET", f"/fees/{fee['feeId']}")
    assert detail["payableByClient"] is False and detail["handedOver"] is True
    assert detail["paymentUrl"] == bed.core.config.rules(kode).payment_url
    if detail["paymentUrl"] is None:
        assert not bed.admin("GET", f"/tenants/{kode}")["payment_solution"]
    else:  # the link leads to the municipality's payment page
        assert bed.http.get(detail["paymentUrl"], timeout=10).status_code == 200


@pytest.mark.parametrize("system", SYSTEMS)
def test_write_down_cancel_and_cpr_change_reach_the_ledger(bed: Bed, fake, system):
    kode = SYSTEMS[system]
    cpr = fake.cpr()
    a = bed.create_fee(kode, cpr, amount=50)
    b = bed.create_fee(kode, cpr, amount=20)
    bed.harness("POST", f"/fees/{a['feeId']}/writedown", json={"amount": 15, "reason": "Kulance"})
    bed.harness("POST", f"/fees/{b['feeId']}/cancel", json={"reason": "MaterialeFundet"})
    assert bed.drain().parked == 0
    assert (
        bed.claim(kode, a["fordringId"])["nedskrevet"],
        bed.claim(kode, a["fordringId"])["saldo"],
    ) == (1500, 3500)
    assert bed.claim(kode, b["fordringId"])["status"] == "Annulleret"

    old_konto = bed.claim(kode, a["fordringId"])["konto"]
    new_cpr = fake.cpr()
    bed.harness("PUT", f"/patrons/{a['patronId']}/ident", json={"cpr": new_cpr})
    result = bed.drain()
    supported = bed.admin("GET", f"/tenants/{kode}")["profile"]["skift_haefter"]["value"]
    if supported:
        assert (result.sent, result.parked) == (1, 0)
        moved = bed.claim(kode, a["fordringId"])
        assert moved["konto"] != old_konto
        account = bed.admin("GET", f"/accounts/{moved['konto']}")
        assert account["debitor"]["cpr"] == new_cpr[:6] + "-****"
    else:
        assert (result.sent, result.parked) == (0, 1)
        [parked] = bed.harness("GET", "/outbox?state=parked")["messages"]
        assert parked["operation"] == "SkiftHaefter"
        assert parked["reason"]["code"] == "SkiftHaefterIkkeUnderstoettet"
        assert "understøtter ikke skift af hæfter" in parked["reason"]["text"]
        assert bed.claim(kode, a["fordringId"])["konto"] == old_konto


@pytest.mark.parametrize("system", SYSTEMS)
def test_debtor_system_down_for_an_hour_nothing_lost_nothing_doubled(bed: Bed, fake, system):
    kode = SYSTEMS[system]
    cprs = [fake.cpr() for _ in range(3)]
    first = bed.create_fee(kode, cprs[0], amount=40)
    bed.drain()
    port = bed.stop_sim()
    fees = [bed.create_fee(kode, cpr, amount=20 + i) for i, cpr in enumerate(cprs)]
    bed.harness("POST", f"/fees/{fees[0]['feeId']}/writedown", json={"amount": 5})
    bed.harness("POST", f"/fees/{first['feeId']}/writedown", json={"amount": 10})
    bed.harness("POST", f"/fees/{fees[1]['feeId']}/cancel", json={})
    start = bed.clock.now()
    tries = 0
    while bed.clock.now() - start < timedelta(hours=1):
        r = bed.drain()
        assert r.sent == 0 and r.parked == 0
        tries += r.retried
        bed.clock.set(bed.clock.now() + timedelta(minutes=5))
    assert tries >= 4 * 3  # every claim's first message was tried again and again
    outbox = bed.harness("GET", "/outbox?state=pending")
    assert outbox["counts"]["pending"] == 6
    bed.start_sim(port)
    bed.advance("PT15M")  # past the longest backoff (10 min cap + 20 % jitter)
    r = bed.drain()
    assert (r.sent, r.parked) == (6, 0)
    assert bed.harness("GET", "/outbox")["counts"] == {
        "pending": 0,
        "sent": 7,
        "parked": 0,
        "skipped": 0,
    }
    events = bed.events(kode)
    per_claim: dict[str, list[str]] = {}
    for e in events:
        if e["fordring_id"]:
            per_claim.setdefault(e["fordring_id"], []).append(e["kind"])
    assert per_claim[fees[0]["fordringId"]] == ["FordringOprettet", "Nedskrivning"]
    assert per_claim[fees[1]["fordringId"]] == ["FordringOprettet", "Annullering"]
    assert per_claim[fees[2]["fordringId"]] == ["FordringOprettet"]
    assert per_claim[first["fordringId"]] == ["FordringOprettet", "Nedskrivning"]
    report = bed.harness("GET", f"/reconcile/{kode}")
    assert report["differences"] == [] and report["matched"] == 4


def _pay_in_debtor_system(bed: Bed, kode: str, cpr: str, fordring_id: str, amount: str) -> None:
    """A citizen pays in the municipality's payment solution (DebitorIndbetalingAfsend, via zeep)."""
    from oeir import kommuner
    from oeir.services import DEBITOR_INDBETALING

    client = zeep.Client(f"{bed.sim_url}{DEBITOR_INDBETALING.path}?wsdl")
    k = kommuner.by_kode()[kode]
    client.service.ForetagIndbetaling(
        Kommunekode=kode,
        Debitor={"CPRNummer": cpr},
        IndbetalingId="BET-1",
        Beloeb=amount,
        Betalingsmiddel="MobilePay",
        FordringId=[fordring_id],
        _soapheaders={
            "InvocationContext": {
                "ServiceAgreementUUID": k.service_agreement_uuid,
                "UserSystemUUID": kommuner.FBS_USER_SYSTEM_UUID,
                "UserUUID": "00000000-0000-4000-8000-000000000009",
                "ServiceUUID": kommuner.service_uuid(DEBITOR_INDBETALING.name),
                "CallersServiceCallIdentifier": "betaling-1",
            },
            "AuthorityContext": {"MunicipalityCVR": k.cvr},
        },
    )


def _claim_fbs_does_not_know(bed: Bed, kode: str, fordring_id: str) -> None:
    """Another sector system's (or a hand-made) claim, created straight in the debtor system."""
    from oeir import model, testdata

    fordring = testdata.fordring(
        testdata.faker(3), kommunekode=kode, agency_id=f"DK-7{kode}00", fordring_id=fordring_id
    )
    bed.core.client.call(
        kode,
        model.OpretDebitorkonto(
            debitor=fordring.debitor, kreditor=fordring.kreditor, fordringer=(fordring,)
        ),
        "haandlavet-1",
    )


@pytest.mark.parametrize("system", ["opus", "prisme2015"])
def test_reconciliation_finds_and_classifies_discrepancies(bed: Bed, fake, system):
    kode = SYSTEMS[system]
    cpr = fake.cpr()
    paid = bed.create_fee(kode, cpr, amount=30)
    other = bed.create_fee(kode, cpr, amount=80)
    bed.create_fee(kode, fake.cpr(), amount=25)
    bed.drain()
    waiting = bed.create_fee(kode, fake.cpr(), amount=45)  # not delivered yet
    assert bed.harness("GET", f"/reconcile/{kode}")["counts"]["missing_in_debtor"] == 1
    _pay_in_debtor_system(bed, kode, cpr, paid["fordringId"], "30.00")
    assert bed.claim(kode, other["fordringId"])["saldo"] == 8000  # the payment went to one claim
    stranger = f"FBS-7{kode}00-999999"
    _claim_fbs_does_not_know(bed, kode, stranger)
    report = bed.harness("GET", f"/reconcile/{kode}")
    kinds = {(d["kind"], d["fordring_id"]) for d in report["differences"]}
    assert kinds == {
        ("missing_in_debtor", waiting["fordringId"]),
        ("amount_differs", paid["fordringId"]),
        ("status_differs", paid["fordringId"]),
        ("missing_in_fbs", stranger),
    }
    assert report["matched"] == 2
    html = bed.http.get(f"{bed.core_url}/harness/reconcile/{kode}.html", timeout=10).text
    assert "Beløb afviger" in html and "Status afviger" in html and cpr not in html

    # Injected through the simulator's admin API: a payment slip on `other`, booked by the
    # bank in the morning, before the night's callback has told FBS.
    bed.admin(
        "POST",
        "/indbetalingskort",
        json={
            "kommunekode": kode,
            "fordring_id": other["fordringId"],
            "beloeb": 2000,
            "indbetaling_id": "SLIP-9",
        },
    )
    while bed.claim(kode, other["fordringId"])["daekket"] == 0:
        bed.advance("PT1H")
    report = bed.harness("GET", f"/reconcile/{kode}")
    [found] = [d for d in report["differences"] if d["fordring_id"] == other["fordringId"]]
    assert found["kind"] == "amount_differs"
    assert (found["fbs"]["remaining"], found["debtor"]["remaining"]) == (8000, 6000)
    # After the night, the callbacks have brought both payments to FBS: only the claim
    # still in the outbox and the stranger remain.
    bed.advance("P1D")
    kinds = {
        (d["kind"], d["fordring_id"])
        for d in bed.harness("GET", f"/reconcile/{kode}")["differences"]
    }
    assert kinds == {("missing_in_debtor", waiting["fordringId"]), ("missing_in_fbs", stranger)}


def test_a_claim_resent_in_another_form_after_its_answer_was_lost_arrives_once(bed: Bed, fake):
    """The first OpretDebitorkonto of a claim commits but its answer is lost; meanwhile the
    debtor's account becomes known, so the retry goes as OpretFordring. The call ids of the
    two forms differ (a call id names one request), so the debtor system does not refuse the
    retry as other content under a used id, and the claim exists once."""
    kode = SYSTEMS["prisme2015"]
    cpr = fake.cpr()
    bed.admin("POST", "/faults", json={"kind": "connection_reset", "execute": True, "count": 1})
    first = bed.create_fee(kode, cpr, amount=40)
    assert bed.drain().retried == 1  # created in the ledger, the answer lost
    second = bed.create_fee(kode, cpr, amount=25)
    assert bed.drain().sent == 1  # the first is not due yet; this one teaches the account
    bed.advance("PT15M")
    r = bed.drain()
    assert (r.sent, r.parked) == (1, 0)
    created = [e["fordring_id"] for e in bed.events(kode) if e["kind"] == "FordringOprettet"]
    assert sorted(created) == sorted([first["fordringId"], second["fordringId"]])
    report = bed.harness("GET", f"/reconcile/{kode}")
    assert report["differences"] == [] and report["matched"] == 2
