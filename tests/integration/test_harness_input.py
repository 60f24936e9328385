"""Hostile input to the harness JSON API (issue 13 #9, #10, #13c): a clear 400, nothing stored.

Bodies are sent as raw JSON text, so the amounts reach the server exactly as
written (a Python client would already round 99999999999999.99 to a float).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from integration.web.app import create_app
from tests.integration.fee_invariant import assert_fees_consistent

CPR = "0101901234"
LIMIT = "9999999999999.99"
"""The largest amount BeloebType carries: 15 digits in all, two of them decimals."""


@pytest.fixture
def http(core):
    return create_app(core=core).test_client()


def _fee_json(amount: str = "30", reason: str = '"Gebyr (for sent)"', name: str = '"Ane"') -> str:
    return (
        f'{{"agencyId": "DK-710100", "reasonMessage": {reason}, "amount": {amount},'
        f' "patron": {{"cpr": "{CPR}", "name": {name}}}}}'
    )


def _post(http, path: str, raw: str):
    return http.post(path, data=raw.encode(), content_type="application/json")


def _state(http, core) -> tuple[int, dict]:
    with core.store.read() as repo:
        fees = len(repo.fees_of_kommune("101"))
    return fees, http.get("/harness/outbox").get_json()["counts"]


def _refused(resp, code: str, field: str) -> None:
    assert resp.status_code == 400, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["code"] == code and field in body["message"], body


@pytest.mark.parametrize(
    "amount",
    [
        "99999999999999.99",  # 16 digits: was stored as ...98 (float)
        "10000000000000",
        "1e18",
        "1e300",
        "-1e300",
        "1E+13",
        '"1e999999999"',
        "1e999999999",
        "30.001",
        "0.1e-999999999",
        "1" + "0" * 5000,
        "NaN",
        "Infinity",
    ],
)
def test_amounts_the_contract_cannot_carry_are_refused(http, core, amount):
    before = _state(http, core)
    resp = _post(http, "/harness/fees", _fee_json(amount=amount))
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert resp.get_json()["code"] in ("UgyldigBeloeb", "UgyldigJson")
    assert _state(http, core) == before
    assert_fees_consistent(core)


@pytest.mark.parametrize("amount", ['"\u0661\u0662"', '"1_000"', '"30"', '"30.50"', "[30]"])
def test_amounts_must_be_json_numbers(http, core, amount):
    """Arabic-Indic digits and "1_000" were read as 12 and 1000 kr (issue 13 #13c)."""
    before = _state(http, core)
    _refused(_post(http, "/harness/fees", _fee_json(amount=amount)), "UgyldigBeloeb", "amount")
    assert _state(http, core) == before


@pytest.mark.parametrize(
    ("amount", "oere"),
    [(LIMIT, 999_999_999_999_999), ("30.5", 3050), ("30.500", 3050), ("1e2", 10_000), ("7", 700)],
)
def test_amounts_within_the_contract_are_kept_exactly(http, core, amount, oere):
    resp = _post(http, "/harness/fees", _fee_json(amount=amount))
    assert resp.status_code == 201, resp.get_data(as_text=True)
    with core.store.read() as repo:
        assert repo.fee(resp.get_json()["feeId"]).amount == oere
    shown = json.loads(resp.data, parse_float=Decimal)["originalAmount"]
    assert shown == json.loads(amount, parse_float=Decimal)
    assert_fees_consistent(core)


def test_write_down_amounts_are_read_the_same_way(http, core):
    fee = _post(http, "/harness/fees", _fee_json(amount="300")).get_json()
    path = f"/harness/fees/{fee['feeId']}/writedown"
    for amount in ("1e300", "1e18", '"1_000"', '"\u0661\u0662"', "0.001"):
        _refused(_post(http, path, f'{{"amount": {amount}}}'), "UgyldigBeloeb", "amount")
    assert _post(http, path, '{"amount": 0.5}').get_json()["remaining"] == 299.5
    assert_fees_consistent(core)


BAD_TEXT = [r"\u0000", r"\u0008", r"\ufffe", r"\uffff", r"\ud800", r"\udfff"]


@pytest.mark.parametrize("bad", BAD_TEXT)
@pytest.mark.parametrize("field", ["reasonMessage", "patron.name"])
def test_text_xml_cannot_carry_is_refused_naming_the_field(http, core, bad, field):
    """NUL, U+FFFE and lone surrogates gave HTTP 500 (issue 13 #10)."""
    text = f'"Gebyr {bad} x"'
    raw = _fee_json(reason=text) if field == "reasonMessage" else _fee_json(name=text)
    before = _state(http, core)
    _refused(_post(http, "/harness/fees", raw), "UgyldigTegn", field)
    assert _state(http, core) == before
    assert_fees_consistent(core)


def test_every_text_of_every_body_is_checked(http, core):
    fee = _post(http, "/harness/fees", _fee_json(amount="300")).get_json()
    fid = fee["feeId"]
    material = (
        '{"agencyId": "DK-710100", "amount": 30, "patron": {"cpr": "' + CPR + '", "name": "A"},'
        ' "materials": [{"materialItemNumber": "1", "recordId": "x\\u0000"}]}'
    )
    _refused(_post(http, "/harness/fees", material), "UgyldigTegn", "materials[0].recordId")
    _refused(
        _post(http, f"/harness/fees/{fid}/writedown", '{"amount": 1, "text": "a\\ud800"}'),
        "UgyldigTegn",
        "text",
    )
    _refused(
        _post(http, f"/harness/fees/{fid}/cancel", '{"text": "a\\u0000"}'), "UgyldigTegn", "text"
    )
    with core.store.read() as repo:
        after = repo.fee(fid)
    assert (after.written_down, after.status.value) == (0, "open")
    assert http.get("/harness/outbox").get_json()["counts"].get("pending", 0) == 1
    assert_fees_consistent(core)
