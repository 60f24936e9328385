"""The FBS fee API and the harness endpoints over the Flask test client."""

from __future__ import annotations

import pytest
import responses

from integration.web.app import create_app
from tests.integration.test_outbox import FakeDebtor, _mock

CPR = "0101901234"


@pytest.fixture
def http(core):
    return create_app(core=core).test_client()


def _create(http, **kw):
    body = {
        "agencyId": "DK-710100",
        "type": "fee",
        "reasonMessage": "Gebyr (for sent)",
        "amount": 30.5,
        "patron": {"cpr": CPR, "name": "Ane Hansen"},
        "materials": [
            {
                "materialItemNumber": "3846990827",
                "recordId": "870970-basis:29630364",
                "materialGroup": {"name": "fon2", "description": "Bøger"},
            }
        ],
    }
    body.update(kw)
    return http.post("/harness/fees", json=body)


def test_create_fee_returns_feev2_fields_and_the_claim_id(http):
    resp = _create(http)
    assert resp.status_code == 201
    fee = resp.get_json()
    assert fee["amount"] == 30.5 and fee["type"] == "fee" and fee["payableByClient"] is True
    assert fee["fordringId"] == f"FBS-710100-{fee['feeId']}"
    assert fee["materials"][0]["materialGroup"] == {"name": "fon2", "description": "Bøger"}
    assert CPR not in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"amount": 1.234}, "UgyldigBeloeb"),
        ({"amount": -5}, "BeloebIkkePositivt"),
        ({"type": "other"}, "UgyldigVaerdi"),
        ({"agencyId": "DK-123"}, "UkendtBibliotek"),
    ],
)
def test_bad_fee_requests_are_refused_readably(http, change, code):
    resp = _create(http, **change)
    assert resp.status_code in (400, 404) and resp.get_json()["code"] == code


@responses.activate
def test_fees_v2_flags_and_handover(http, core):
    _mock(FakeDebtor())
    fee = _create(http).get_json()
    pid = fee["patronId"]
    url = f"/external/DK-710100/patron/{pid}/fees/v2"
    assert [f["feeId"] for f in http.get(url).get_json()] == [fee["feeId"]]
    core.worker.drain()
    assert http.get(url).get_json() == []  # handed over: no longer payable in FBS
    [v2] = http.get(url + "?includenonpayable=true").get_json()
    assert v2["payableByClient"] is False
    assert set(v2) == {
        "feeId",
        "type",
        "reasonMessage",
        "amount",
        "creationDate",
        "dueDate",
        "paidDate",
        "payableByClient",
        "materials",
    }
    detail = http.get(f"/harness/fees/{fee['feeId']}").get_json()
    assert detail["paymentUrl"] == "https://betal.kk.dk/" and detail["handedOver"] is True
    assert http.get(f"/external/DK-999900/patron/{pid}/fees/v2").status_code == 404


def test_write_down_cancel_and_patron_block_view(http):
    fee = _create(http, amount=150).get_json()
    pid = fee["patronId"]
    patron = http.get(f"/harness/patrons/{pid}").get_json()
    assert patron["blocked"] is True and patron["cpr"] == "010190-****"
    r = http.post(
        f"/harness/fees/{fee['feeId']}/writedown", json={"amount": 60, "reason": "Kulance"}
    )
    assert r.get_json()["remaining"] == 90.0
    patron = http.get(f"/harness/patrons/{pid}").get_json()
    assert patron["blocked"] is False and patron["blockPeriods"][0]["ended"] is not None
    [block] = http.get("/harness/blocks?kommune=101").get_json()
    assert block["patronId"] == pid and block["ended"] == patron["blockPeriods"][0]["ended"]
    assert http.get("/harness/blocks?kommune=147").get_json() == []
    assert (
        http.post(f"/harness/fees/{fee['feeId']}/cancel", json={}).get_json()["status"]
        == "cancelled"
    )
    assert http.post(f"/harness/fees/{fee['feeId']}/cancel", json={}).status_code == 409


@responses.activate
def test_outbox_status_shows_parked_reason(http, core):
    debtor = FakeDebtor()
    debtor.refuse["SkiftHaefter"] = "SkiftHaefterIkkeUnderstoettet"
    _mock(debtor)
    fee = _create(http).get_json()
    core.worker.drain()
    r = http.put(f"/harness/patrons/{fee['patronId']}/ident", json={"cpr": "0202024321"})
    assert r.get_json()["changedFees"] == [fee["feeId"]]
    http.post("/harness/outbox/run")
    out = http.get("/harness/outbox?state=parked").get_json()
    assert out["counts"] == {"pending": 0, "sent": 1, "parked": 1, "skipped": 0}
    [msg] = out["messages"]
    assert msg["reason"]["code"] == "SkiftHaefterIkkeUnderstoettet"
    assert "hæfter" in msg["reason"]["text"]
    assert "0202024321" not in http.get("/harness/outbox").get_data(as_text=True)
    assert http.post(f"/harness/outbox/{msg['id']}/skip").get_json()["state"] == "skipped"
    assert http.post(f"/harness/outbox/{msg['id']}/skip").status_code == 409


def test_openapi_documents_the_harness(http):
    doc = http.get("/harness/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    for path in (
        "/harness/fees",
        "/harness/fees/{feeId}/writedown",
        "/harness/fees/{feeId}/cancel",
        "/harness/patrons/{patronId}/ident",
        "/harness/outbox",
    ):
        assert path in doc["paths"]
