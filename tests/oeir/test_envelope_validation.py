"""`Schemas.envelope_valid`: one validation of a valid envelope, the same answer as part by part.

`soap.read_request` validates a valid envelope once, whole, and falls back to validating
each part (the context blocks, the request) only when that fails, for the fault. Each case
here is read both ways (the second with schemas that have no envelope schema, so every
part is validated on its own): same request, or same fault, whatever the input.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from oeir import safexml, schema, soap
from oeir.faults import OeirFault
from oeir.namespaces import OEIR, SOAP_ENV, WSU
from oeir.services import DEBITOR_REGISTRERING, SERVICES
from tests.corpus import hostile
from tests.oeir import strategies as s

SERVICE = DEBITOR_REGISTRERING
PART_BY_PART = schema.Schemas(dict(schema.default()._by_namespace))
VALID = hostile.valid_envelope(SERVICE)
_HEAD, _, _REST = VALID.decode().partition("<soap:Header>")
HEADER, _, BODY = _REST.partition("</soap:Header>")
REQUEST_OPEN = "<o:AnnullerFordring>"


def _with_header(header: str, body: str = BODY) -> bytes:
    return f"{_HEAD}<soap:Header>{header}</soap:Header>{body}".encode()


def _outcome(data: bytes, service=SERVICE, schemas: schema.Schemas | None = None) -> object:
    try:
        got = soap.read_request(data, service, schemas=schemas)
    except OeirFault as fault:
        return (type(fault), fault.kode, fault.felt, fault.operation, str(fault))
    return got


def _ic_in_request() -> str:
    """The InvocationContext moved from the header into the request element."""
    ic = HEADER[HEADER.index("<invctx:InvocationContext") : HEADER.index("<authctx:")]
    header = HEADER.replace(ic, "")
    body = BODY.replace(REQUEST_OPEN, f"{REQUEST_OPEN}{ic}", 1)
    return f"{_HEAD}<soap:Header>{header}</soap:Header>{body}"


CRAFTED = {
    "valid": VALID,
    "must_understand": _with_header(
        HEADER.replace(
            "<invctx:InvocationContext>",
            '<invctx:InvocationContext soap:mustUnderstand="1">',
        )
    ),
    "wsu_id": _with_header(
        HEADER.replace(
            "<authctx:AuthorityContext>",
            f'<authctx:AuthorityContext xmlns:wsu="{WSU}" wsu:Id="a1">',
        )
    ),
    "unknown_header_block": _with_header(HEADER + '<x:Trace xmlns:x="urn:x">1</x:Trace>'),
    "unknown_must_understand": _with_header(
        HEADER + '<x:Trace xmlns:x="urn:x" soap:mustUnderstand="1">1</x:Trace>'
    ),
    "oeir_block_in_header": _with_header(HEADER + f'<o:Fejl xmlns:o="{OEIR}"/>'),
    "bad_uuid_in_header": _with_header(
        HEADER.replace("<invctx:UserUUID>", "<invctx:UserUUID>x", 1)
    ),
    "context_in_request": _ic_in_request().encode(),
    "bad_value": _with_header(HEADER, BODY.replace(">Kulance<", ">Ukendt<", 1)),
    "text_in_body": _with_header(HEADER, BODY.replace("<soap:Body>", "<soap:Body>junk")),
    "xsi_type": _with_header(
        HEADER,
        BODY.replace(
            REQUEST_OPEN,
            '<o:AnnullerFordring xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:type="o:AnnullerFordring">',
        ),
    ),
    "attribute_on_envelope": VALID.replace(b"<soap:Envelope", b'<soap:Envelope a="1"'),
    "duplicate_block": _with_header(HEADER + HEADER[HEADER.index("<authctx:") :]),
    "no_header": f"{_HEAD}{BODY}".encode(),
}


def test_the_crafted_cases_are_what_they_claim() -> None:
    assert f'<soap:Envelope xmlns:soap="{SOAP_ENV}"' in _HEAD
    assert REQUEST_OPEN in BODY and ">Kulance<" in BODY
    assert "<invctx:InvocationContext>" in HEADER and "<invctx:UserUUID>" in HEADER
    assert len(set(CRAFTED.values())) == len(CRAFTED)


@pytest.mark.parametrize("name", CRAFTED)
def test_a_crafted_envelope_gets_the_same_answer_as_part_by_part(name: str) -> None:
    data = CRAFTED[name]
    assert _outcome(data) == _outcome(data, schemas=PART_BY_PART)


ALL = [(svc, case) for svc in SERVICES.values() for case in hostile.cases_for(svc)]


@pytest.mark.parametrize(
    ("service", "case"), ALL, ids=[f"{svc.name}-{case.name}" for svc, case in ALL]
)
def test_a_hostile_request_gets_the_same_answer_as_part_by_part(service, case) -> None:
    assert _outcome(case.data, service) == _outcome(case.data, service, PART_BY_PART)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("valid", True),
        ("no_header", True),
        ("unknown_header_block", True),
        ("must_understand", False),  # soap:mustUnderstand is no part of the block's type
        ("context_in_request", False),
        ("bad_uuid_in_header", False),
        ("oeir_block_in_header", False),  # a declared block is validated, wherever it is
        ("bad_value", False),
        ("text_in_body", False),
        ("xsi_type", False),  # refused unseen: an xsi: attribute is always read part by part
    ],
)
def test_which_envelopes_are_valid_whole(name: str, valid: bool) -> None:
    data = CRAFTED[name]
    assert schema.default().envelope_valid(safexml.parse(data), data) is valid


OPERATIONS = [(svc, op) for svc in SERVICES.values() for op in svc.operations.values()]


@pytest.mark.parametrize(
    ("service", "operation"), OPERATIONS, ids=[op.name for _, op in OPERATIONS]
)
def test_every_valid_request_is_valid_whole(service, operation) -> None:
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(s.STRATEGIES[operation.request], s.sp_headers)
    def check(message, header) -> None:
        data = soap.request_envelope(message, header)
        # lxml writes a carriage return as &#13;: read part by part, as a reference may hide xsi
        expected = b"&#" not in data
        assert schema.default().envelope_valid(safexml.parse(data), data) is expected
        assert _outcome(data, service) == _outcome(data, service, PART_BY_PART)

    check()


def test_no_envelope_schema_when_a_context_block_is_not_declared(tmp_path) -> None:
    for name in schema.SCHEMA_FILES.values():
        text = (schema.SCHEMA_DIR / name).read_text(encoding="utf-8")
        if name == "AuthorityContext.xsd":
            text = text.replace('name="AuthorityContext"', 'name="Authority"')
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert schema.Schemas.load(tmp_path)._envelope is None
    assert schema.Schemas.load(schema.SCHEMA_DIR)._envelope is not None
