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


# -- issue 15: every refusal says what is wrong -------------------------------------------


def _fee_body(**changes: object) -> dict:
    body: dict = {
        "agencyId": "DK-710100",
        "reasonMessage": "Gebyr (for sent)",
        "amount": 30,
        "patron": {"cpr": CPR, "name": "Ane"},
    }
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = body
        for p in parents:
            target = target[p]
        if value is _ABSENT:
            del target[leaf]
        else:
            target[leaf] = value
    return body


_ABSENT = object()


def _says(resp, status: int, code: str, *fragments: str) -> None:
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["code"] == code, body
    for fragment in fragments:
        assert fragment in body["message"], (fragment, body["message"])


@pytest.mark.parametrize(
    ("content_type", "got"),
    [("text/plain", "got text/plain"), ("application/x-www-form-urlencoded", "got application/x")],
)
def test_a_body_of_another_content_type_is_refused_naming_it(http, core, content_type, got):
    before = _state(http, core)
    resp = http.post("/harness/fees", data=_fee_json().encode(), content_type=content_type)
    _says(resp, 400, "ForkertIndholdstype", "Content-Type: application/json", got)
    assert _state(http, core) == before


def test_a_body_without_content_type_is_refused_saying_so(http, core):
    resp = http.post("/harness/fees", data=_fee_json().encode())
    _says(resp, 400, "ForkertIndholdstype", "Content-Type: application/json", "got none")


@pytest.mark.parametrize(
    ("raw", "fragments"),
    [
        ('{"amount": 30,', ("not valid JSON", "line 1, column 15")),
        ("{'amount': 30}", ("not valid JSON", "double quotes", "column 2")),
        ('{"amount": NaN}', ("not valid JSON", "NaN is not a JSON number")),
        ("", ("empty",)),
        ("  \n", ("empty",)),
        ("[1, 2]", ("must be a JSON object, not a list",)),
        ('"fee"', ("must be a JSON object, not a string",)),
        ("[" * 100_000 + "]" * 100_000, ("nested too deeply",)),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused_saying_why(http, core, raw, fragments):
    before = _state(http, core)
    _says(_post(http, "/harness/fees", raw), 400, "UgyldigJson", *fragments)
    assert _state(http, core) == before


def test_a_body_that_is_not_utf8_is_refused_saying_so(http, core):
    raw = _fee_json(name='"\xe6ble"').encode("latin-1")
    resp = http.post("/harness/fees", data=raw, content_type="application/json")
    _says(resp, 400, "UgyldigJson", "not valid JSON", "UTF-8")


@pytest.mark.parametrize(("field", "example"), [("amount", "30.50"), ("agencyId", '"DK-710100"')])
@pytest.mark.parametrize("absent", [_ABSENT, None])
def test_a_missing_field_is_named(http, core, field, example, absent):
    """agencyId missing was a 404 "unknown library agency ''"; amount missing a type error."""
    before = _state(http, core)
    resp = http.post("/harness/fees", json=_fee_body(**{field: absent}))
    _says(resp, 400, "FeltMangler", f"{field} is missing", example)
    assert _state(http, core) == before


def test_a_text_amount_is_refused_with_how_to_write_it(http, core):
    before = _state(http, core)
    resp = http.post("/harness/fees", json=_fee_body(amount="30"))
    _says(resp, 400, "UgyldigBeloeb", "amount must be a number, not a string", '"30.50"')
    assert _state(http, core) == before


WRONG_TYPES = [
    # (field, value, code, what the message says)
    ("agencyId", 710100, "UgyldigJson", "agencyId must be a string, not a number"),
    ("reasonMessage", 5, "UgyldigJson", "reasonMessage must be a string, not a number"),
    (
        "reasonMessage",
        {"da": "Gebyr"},
        "UgyldigJson",
        "reasonMessage must be a string, not an object",
    ),
    (
        "amount",
        [30],
        "UgyldigBeloeb",
        "amount must be a JSON number of kroner, e.g. 30.50, not a list",
    ),
    (
        "amount",
        True,
        "UgyldigBeloeb",
        "amount must be a JSON number of kroner, e.g. 30.50, not true/false",
    ),
    ("type", 1, "UgyldigVaerdi", "type must be a string, one of: fee, compensation"),
    ("type", "gebyr", "UgyldigVaerdi", 'type "gebyr" is not one of: fee, compensation'),
    ("patron", "Ane", "UgyldigJson", "patron must be a JSON object, not a string"),
    ("patron__name", ["Ane"], "UgyldigJson", "patron.name must be a string, not a list"),
    ("patron__cpr", 101901234, "UgyldigJson", "patron.cpr must be a string, not a number"),
    (
        "patron__patronId",
        "7",
        "UgyldigJson",
        "patron.patronId must be a whole number of 0 or more, not a string",
    ),
    (
        "patron__patronId",
        -1,
        "UgyldigJson",
        "patron.patronId must be a whole number of 0 or more, not -1",
    ),
    (
        "acknowledgedInWriting",
        "yes",
        "UgyldigJson",
        "acknowledgedInWriting must be true or false, not a string",
    ),
    ("creationDate", 20260101, "UgyldigDato", "creationDate must be a date as text, YYYY-MM-DD"),
]


@pytest.mark.parametrize(("field", "value", "code", "says"), WRONG_TYPES)
def test_a_field_of_the_wrong_type_is_refused_naming_field_and_type(
    http, core, field, value, code, says
):
    """agencyId 710100, a reasonMessage object and a list as name were stored as their str()."""
    before = _state(http, core)
    _says(http.post("/harness/fees", json=_fee_body(**{field: value})), 400, code, says)
    assert _state(http, core) == before
    assert_fees_consistent(core)


def test_write_down_and_cancel_fields_are_named_too(http, core):
    fee = _post(http, "/harness/fees", _fee_json(amount="300")).get_json()
    fid = fee["feeId"]
    writedown = f"/harness/fees/{fid}/writedown"
    _says(http.post(writedown, json={}), 400, "FeltMangler", "amount is missing")
    _says(http.post(writedown, json={"amount": "1"}), 400, "UgyldigBeloeb", "not a string")
    _says(
        http.post(writedown, json={"amount": 1, "reason": 3}),
        400,
        "UgyldigVaerdi",
        "reason must be a string, one of: DelvisAflevering",
    )
    _says(
        http.post(writedown, json={"amount": 1, "text": 3}),
        400,
        "UgyldigJson",
        "text must be a string, not a number",
    )
    cancel = f"/harness/fees/{fid}/cancel"
    _says(http.post(cancel, json={"reason": "Tabt"}), 400, "UgyldigVaerdi", 'reason "Tabt"')
    _says(http.post(cancel, json=[]), 400, "UgyldigJson", "must be a JSON object, not a list")
    with core.store.read() as repo:
        assert (repo.fee(fid).written_down, repo.fee(fid).status.value) == (0, "open")


def test_a_cancel_with_a_broken_body_is_refused_not_read_as_empty(http, core):
    """A cancel whose body was not JSON was read as {} and cancelled the fee."""
    fee = _post(http, "/harness/fees", _fee_json(amount="300")).get_json()
    cancel = f"/harness/fees/{fee['feeId']}/cancel"
    _says(_post(http, cancel, '{"text": "oops"'), 400, "UgyldigJson", "not valid JSON")
    resp = http.post(cancel, data='{"text": "x"}', content_type="text/plain")
    _says(resp, 400, "ForkertIndholdstype", "got text/plain")
    with core.store.read() as repo:
        assert repo.fee(fee["feeId"]).status.value == "open"
    assert http.post(cancel).status_code == 200  # no body at all: the defaults
    with core.store.read() as repo:
        assert repo.fee(fee["feeId"]).status.value == "cancelled"
