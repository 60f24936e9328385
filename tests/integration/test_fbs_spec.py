"""The core's FBS API held against FBS's published spec (fixtures/fbs_spec_schema.json).

Fees are driven through the harness and the callback receiver into every state a
library site sees (open with and without materials and periodicals, partly paid,
paid, written down, written off, fully written down, paid by the client), and every
FeeV2, PaymentConfirmationV2 and patron answer is validated against the schema
written from the spec. Status codes (400, 401, 404) and payment/v2's statuses too.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import responses

from integration.clock import COPENHAGEN
from integration.core import Core
from integration.web.app import create_app
from oeir import model
from tests.integration.test_outbox import FakeDebtor, _mock
from tests.integration.test_receiver import KREDITOR, daekning, post

AGENCY = "DK-710100"
SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "fbs_spec_schema.json").read_text())
PERIODICAL = {
    "displayText": "2024, nr. 3",
    "volume": "12",
    "volumeNumber": "3",
    "volumeYear": "2024",
}


def check(value: Any, definition: str) -> None:
    """Validate `value` against one definition of the spec schema."""
    jsonschema.validate(
        value,
        {"$ref": f"#/$defs/{definition}", "$defs": SCHEMA["$defs"]},
        format_checker=jsonschema.FormatChecker(),
    )


@pytest.fixture
def http(core):
    return create_app(core=core).test_client()


def _material(periodical: dict[str, Any] | None = None, n: int = 1) -> dict[str, Any]:
    m: dict[str, Any] = {"materialItemNumber": f"384699082{n}", "recordId": f"870970-basis:{n}"}
    if periodical is not None:
        m["periodical"] = periodical
    return m


def _fee(http, cpr: str, amount: float, materials: list[Any] | None, kind: str = "fee") -> dict:
    body: dict[str, Any] = {
        "agencyId": AGENCY,
        "type": kind,
        "amount": amount,
        "patron": {"cpr": cpr, "name": "Ane Hansen"},
    }
    if materials is not None:
        body["materials"] = materials
    resp = http.post("/harness/fees", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _event(hid: str, fid: str, **kind: Any) -> model.Haendelse:
    return model.Haendelse(
        haendelse_id=hid,
        tidspunkt=datetime(2026, 1, 10, 2, 0, tzinfo=COPENHAGEN),
        kreditor=KREDITOR,
        debitorkontonummer="K1",
        fordring_id=fid,
        **kind,
    )


def _fees(http, pid: int, query: str = "?includepaid=true&includenonpayable=true") -> list[dict]:
    resp = http.get(f"/external/{AGENCY}/patron/{pid}/fees/v2{query}")
    assert resp.status_code == 200, resp.get_json()
    check(resp.get_json(), "FeeV2List")
    return resp.get_json()


def _patron(http, pid: int) -> dict:
    resp = http.get(f"/external/{AGENCY}/patrons/{pid}/v4")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    check(body, "AuthenticatedPatronV4")
    check(body, "AuthenticatedPatronV8")
    return body


@responses.activate
def test_every_fee_state_answers_the_spec_shapes(http, core, fake):
    _mock(FakeDebtor())
    cpr = fake.cpr()
    periodical = _fee(http, cpr, 150, [_material(PERIODICAL, 1), _material(None, 2)])
    pid = periodical["patronId"]
    bare = _fee(http, cpr, 40, None, kind="compensation")
    partly = _fee(http, cpr, 60, [_material(None, 3)])
    paid = _fee(http, cpr, 25, [_material({"displayText": "Nr. 7"}, 4)])
    written_off = _fee(http, cpr, 35, [_material(None, 5)])
    written_down = _fee(http, cpr, 45, [_material(None, 6)])
    fully_down = _fee(http, cpr, 20, [_material(None, 7)])
    blocked = _patron(http, pid)["patron"]["blockStatus"]
    assert [b["blockedReason"] for b in blocked] == ["E"]

    open_list = _fees(http, pid, "")  # FBS's defaults: unpaid, payable
    assert {f["feeId"] for f in open_list} == {
        f["feeId"] for f in (periodical, bare, partly, paid, written_off, written_down, fully_down)
    }
    assert http.post(
        f"/harness/fees/{written_down['feeId']}/writedown", json={"amount": 15}
    ).status_code == (200)
    assert http.post(
        f"/harness/fees/{fully_down['feeId']}/writedown", json={"amount": 20}
    ).status_code == (200)
    core.worker.drain()  # handed over: no longer payable by the client
    assert _fees(http, pid, "") == []

    post(
        http,
        daekning("H-1", partly["fordringId"], 2000),
        daekning("H-2", paid["fordringId"], 2500, day=11),
        _event(
            "H-3",
            written_off["fordringId"],
            afskrivning=model.Afskrivning(beloeb=3500, aarsag=model.AfskrivningAarsag.BAGATEL),
        ),
    )
    by_id = {f["feeId"]: f for f in _fees(http, pid)}
    assert by_id[partly["feeId"]]["amount"] == 40.0 and by_id[partly["feeId"]]["paidDate"] is None
    assert by_id[paid["feeId"]]["paidDate"] == "2026-01-11"
    assert by_id[written_off["feeId"]]["paidDate"] is None  # closed, but never paid
    assert by_id[fully_down["feeId"]]["paidDate"] is None
    assert by_id[written_down["feeId"]]["amount"] == 30.0
    assert by_id[bare["feeId"]]["materials"] == []
    assert by_id[periodical["feeId"]]["materials"][0]["periodical"] == PERIODICAL
    assert by_id[periodical["feeId"]]["materials"][1]["periodical"] is None
    assert all(f["payableByClient"] is False for f in by_id.values())
    unpaid = {f["feeId"] for f in _fees(http, pid, "?includepaid=false&includenonpayable=true")}
    assert unpaid == {periodical["feeId"], bare["feeId"], partly["feeId"], written_down["feeId"]}
    for fee in (fully_down, written_off):
        assert http.get(f"/harness/fees/{fee['feeId']}").get_json()["status"] == "written_off"
    # The client may pay none of them now: the debtor system has the claims.
    resp = http.post(
        f"/external/{AGENCY}/patron/{pid}/payment/v2",
        json={"orderId": "ORD-1", "feeIds": [partly["feeId"], paid["feeId"]]},
    )
    check(resp.get_json(), "PaymentConfirmationV2List")
    assert [c["paymentStatus"] for c in resp.get_json()] == ["paymentNotAllowedByClient"] * 2
    assert all(c["confirmationId"] is None for c in resp.get_json())


@responses.activate
def test_payment_v2_pays_in_full_once_per_order_and_tells_the_debtor_system(http, core, fake):
    debtor = FakeDebtor()
    _mock(debtor)
    cpr = fake.cpr()
    a = _fee(http, cpr, 80, [_material(PERIODICAL)])
    b = _fee(http, cpr, 70, None)
    pid = a["patronId"]
    assert _patron(http, pid)["patron"]["blockStatus"] != []  # 150 kr >= 100 kr threshold
    url = f"/external/{AGENCY}/patron/{pid}/payment/v2"
    first = http.post(url, json={"orderId": "ORD-1", "feeIds": [a["feeId"], b["feeId"], 999]})
    assert first.status_code == 200
    check(first.get_json(), "PaymentConfirmationV2List")
    statuses = [(c["feeId"], c["paymentStatus"]) for c in first.get_json()]
    assert statuses == [
        (a["feeId"], "paymentRegistered"),
        (b["feeId"], "paymentRegistered"),
        (999, "paymentNotAllowedByClient"),
    ]
    again = http.post(url, json={"orderId": "ORD-1", "feeIds": [a["feeId"]]}).get_json()
    assert again[0]["paymentStatus"] == "paymentRegistered"
    assert again[0]["confirmationId"] == first.get_json()[0]["confirmationId"]
    other = http.post(url, json={"orderId": "ORD-2", "feeIds": [a["feeId"]]}).get_json()
    assert other[0]["paymentStatus"] == "paymentRegisteredByDifferentOrderId"
    assert other[0]["confirmationId"] is None

    fees = {f["feeId"]: f for f in _fees(http, pid)}
    today = core.config.clock.now().date().isoformat()
    assert fees[a["feeId"]]["paidDate"] == today and fees[a["feeId"]]["amount"] == 80.0
    assert _fees(http, pid, "") == []  # paid: hidden without includepaid
    assert _patron(http, pid)["patron"]["blockStatus"] == []
    detail = http.get(f"/harness/fees/{a['feeId']}").get_json()
    assert detail["status"] == "paid" and detail["remaining"] == 0.0
    core.worker.drain()  # the claim went out, then its cancellation behind it
    ops = [op for op, _, fid in debtor.calls if fid == a["fordringId"]]
    assert ops[-1] == "AnnullerFordring"


def test_malformed_ids_and_flags_are_400_unknown_patrons_404(http, fake):
    fee = _fee(http, fake.cpr(), 30, None)
    pid = fee["patronId"]
    base = f"/external/{AGENCY}/patron"
    for url in (
        f"{base}/{pid}/fees/v2?includepaid=maybe",
        f"{base}/{pid}/fees/v2?includenonpayable=2",
        f"{base}/{pid}/fees/v2?includepaid=true&includepaid=false",
        f"{base}/abc/fees/v2",
        f"{base}/-1/fees/v2",
        f"{base}/{2**63}/fees/v2",
        f"{base}/١٢/fees/v2",
        f"/external/not%20an%20isil/patron/{pid}/fees/v2",
        f"/external/{AGENCY}/patrons/x1/v4",
    ):
        resp = http.get(url)
        assert resp.status_code == 400, url
        assert resp.get_json()["message"], url
    assert http.get(f"{base}/{pid}/fees/v2?includepaid=TRUE").status_code == 200
    assert http.get(f"{base}/{pid + 1}/fees/v2").status_code == 404
    assert http.get(f"/external/DK-714700/patrons/{pid}/v4").status_code == 404
    pay = f"{base}/{pid}/payment/v2"
    for body in (
        {"feeIds": [fee["feeId"]]},
        {"orderId": "", "feeIds": [fee["feeId"]]},
        {"orderId": "O", "feeIds": []},
        {"orderId": "O", "feeIds": ["1"]},
        {"orderId": "O", "feeIds": [True]},
        {"orderId": "O\x00", "feeIds": [1]},
        ["O", 1],
    ):
        resp = http.post(pay, json=body)
        assert resp.status_code == 400, body
    # Nothing was paid by the refused orders.
    assert _fees(http, pid, "")[0]["paidDate"] is None


@pytest.mark.parametrize(
    ("periodical", "why"),
    [
        ({"volume": "12"}, "displayText is required"),
        ({"displayText": ""}, "displayText is required"),
        ({"displayText": 7}, "displayText must be a string"),
        ({"displayText": "x", "volumeYear": 2024}, "volumeYear must be a string"),
        ({"displayText": "x", "issue": "3"}, "unknown field"),
        ("2024, nr. 3", "must be a JSON object"),
        ({"displayText": "x" * 201}, "longer than"),
    ],
)
def test_a_periodical_must_be_the_specs_periodical(http, fake, periodical, why):
    body = {
        "agencyId": AGENCY,
        "amount": 30,
        "patron": {"cpr": fake.cpr(), "name": "Ane Hansen"},
        "materials": [_material(None), _material(periodical, 2)],
    }
    resp = http.post("/harness/fees", json=body)
    assert resp.status_code == 400
    answer = resp.get_json()
    assert answer["code"] == "UgyldigPeriodical"
    assert "materials[1].periodical" in answer["message"] and why in answer["message"]
    assert http.get("/harness/outbox").get_json()["counts"]["pending"] == 0  # nothing stored


@pytest.fixture
def secured(core):
    config = replace(core.config, fbs_auth=True, fbs_token_ttl_s=600)
    secured_core = Core(
        config=config,
        store=core.store,
        service=core.service,
        client=core.client,
        worker=core.worker,
    )
    return create_app(core=secured_core).test_client()


def test_bearer_tokens_when_auth_is_on(secured, core, fake):
    fee = _fee(secured, fake.cpr(), 30, None)  # the harness stays behind its own guard
    url = f"/external/{AGENCY}/patron/{fee['patronId']}/fees/v2"
    missing = secured.get(url)
    assert missing.status_code == 401 and "Bearer" in missing.headers["WWW-Authenticate"]
    assert missing.get_json()["code"] == "Uautoriseret"
    assert secured.get(url, headers={"Authorization": "Bearer forged.token"}).status_code == 401
    issued = secured.post("/harness/tokens", json={"clientId": "cms"})
    assert issued.status_code == 201 and issued.headers["Cache-Control"] == "no-store"
    token = issued.get_json()
    assert token["token_type"] == "bearer" and token["expires_in"] == 600
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    assert secured.get(url, headers=auth).status_code == 200
    tampered = token["access_token"][:-2] + ("AA" if token["access_token"][-2:] != "AA" else "BB")
    assert secured.get(url, headers={"Authorization": f"Bearer {tampered}"}).status_code == 401
    # A token for another agency does not open this one; an expired token opens nothing.
    other = secured.post("/harness/tokens", json={"agencyId": "DK-714700"}).get_json()
    assert (
        secured.get(url, headers={"Authorization": f"Bearer {other['access_token']}"}).status_code
        == 401
    )
    core.config.clock.advance(timedelta(seconds=601))
    expired = secured.get(url, headers=auth)
    assert expired.status_code == 401 and "expired" in expired.get_json()["message"]
    assert secured.post("/harness/tokens", json={"agencyId": "DK-123"}).status_code == 404


def test_tokens_are_off_on_loopback_and_on_beyond_it_by_default(core):
    from integration.web.tokens import auth_required

    assert auth_required(core.config) is False
    assert auth_required(replace(core.config, bind_host="0.0.0.0", admin_token="t")) is True
    assert auth_required(replace(core.config, bind_host="0.0.0.0", fbs_auth=False)) is False


def test_openapi_paths_are_the_routes_and_say_what_the_spec_says(http):
    doc = http.get("/harness/openapi.json").get_json()
    app = http.application
    routes = set()
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if not path.startswith(("/external/", "/harness/")):
            continue
        for arg in rule.arguments:
            path = path.replace(f"<int:{arg}>", f"{{{arg}}}").replace(f"<{arg}>", f"{{{arg}}}")
        routes.add(path)
    undocumented = {"/harness/openapi.json", "/harness/reconcile/{kommunekode}.html"}
    documented = {
        p.replace("{feeId}", "{fee_id}").replace("{patronId}", "{patron_id}") for p in doc["paths"]
    }
    documented = {p.replace("/outbox/{id}/", "/outbox/{row_id}/") for p in documented}
    assert documented == routes - undocumented
    schemas = doc["components"]["schemas"]
    assert schemas["FeeV2"]["required"] == SCHEMA["$defs"]["FeeV2"]["required"]
    assert "enum" not in schemas["FeeV2"]["properties"]["type"]
    assert schemas["Periodical"]["required"] == ["displayText"]
    assert schemas["BlockStatus"]["required"] == SCHEMA["$defs"]["BlockStatus"]["required"]
    assert schemas["PatronV4"]["required"] == SCHEMA["$defs"]["PatronV4"]["required"]
    assert doc["components"]["securitySchemes"]["fbsToken"]["scheme"] == "bearer"
    for path in (
        "/external/{agencyid}/patron/{patronid}/fees/v2",
        "/external/{agencyid}/patron/{patronid}/payment/v2",
        "/external/{agencyid}/patrons/{patronid}/v4",
    ):
        [op] = doc["paths"][path].values()
        assert {"400", "401"} <= set(op["responses"]) and op["security"] == [{"fbsToken": []}]
    flags = doc["paths"]["/external/{agencyid}/patron/{patronid}/fees/v2"]["get"]["parameters"]
    for flag in flags[2:]:
        assert flag["required"] is True and flag["schema"]["default"] is False
