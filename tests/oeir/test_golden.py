"""Golden SOAP samples: one request and one response per operation, plus a Fault.

Each file must read back through the same functions the services use, decode
to the expected object in `golden_messages`, and validate against the XSD.
"""

from __future__ import annotations

import pytest

from oeir import kommuner, model, rules, safexml, schema, soap
from oeir.faults import OeirFault
from oeir.namespaces import OEIR, SOAP_ENV
from oeir.services import SERVICES
from tests.oeir import golden_messages as g

OPERATIONS = [op for s in SERVICES.values() for op in s.operations.values()]
OP_IDS = [op.name for op in OPERATIONS]


def _body(data: bytes):
    root = safexml.parse(data)
    (body,) = root.findall(f"{{{SOAP_ENV}}}Body")
    (child,) = list(body)
    return child


def test_every_operation_has_a_golden_request_and_response() -> None:
    assert set(g.REQUESTS) == set(g.RESPONSES) == set(OP_IDS)
    for op in OPERATIONS:
        assert g.request_path(op.name).is_file(), op.name
        assert g.response_path(op.name).is_file(), op.name
    assert g.FAULT_PATH.is_file()


@pytest.mark.parametrize("operation", OPERATIONS, ids=OP_IDS)
def test_golden_request_reads_as_expected(operation) -> None:
    service = g.service_of(operation.name)
    data = g.request_path(operation.name).read_bytes()
    request = soap.read_request(data, service, soap_action=f'"{operation.soap_action}"')
    assert request.operation == operation
    assert type(request.message) is operation.request
    assert request.message == g.REQUESTS[operation.name]
    context = request.header.invocation_context
    assert context.service_uuid == kommuner.service_uuid(service.name)
    assert context.user_system_uuid == kommuner.FBS_USER_SYSTEM_UUID
    assert request.header.authority_context.municipality_cvr == g.KOEBENHAVN.cvr
    assert kommuner.by_cvr()[g.KOEBENHAVN.cvr].navn == "København"


@pytest.mark.parametrize("operation", OPERATIONS, ids=OP_IDS)
def test_golden_request_obeys_the_business_rules(operation) -> None:
    assert rules.check(g.REQUESTS[operation.name]) == []


@pytest.mark.parametrize("operation", OPERATIONS, ids=OP_IDS)
def test_golden_request_is_refused_by_another_service(operation) -> None:
    other = next(s for s in SERVICES.values() if operation.name not in s.operations)
    with pytest.raises(OeirFault) as info:
        soap.read_request(g.request_path(operation.name).read_bytes(), other)
    assert info.value.kode == "UkendtOperation"


@pytest.mark.parametrize("operation", OPERATIONS, ids=OP_IDS)
def test_golden_response_reads_as_expected(operation) -> None:
    data = g.response_path(operation.name).read_bytes()
    message = soap.read_response(data, operation.response)
    assert type(message) is operation.response
    assert message == g.RESPONSES[operation.name]


@pytest.mark.parametrize("operation", OPERATIONS, ids=OP_IDS)
@pytest.mark.parametrize("kind", ["request", "response"])
def test_golden_body_validates_against_the_xsd(operation, kind) -> None:
    path = (g.request_path if kind == "request" else g.response_path)(operation.name)
    body = _body(path.read_bytes())
    expected = operation.request if kind == "request" else operation.response
    assert body.tag == f"{{{OEIR}}}{expected.__name__}"
    schema.validate(body)


def test_golden_request_headers_validate_against_the_sp_xsd() -> None:
    for operation in OPERATIONS:
        root = safexml.parse(g.request_path(operation.name).read_bytes())
        blocks = list(root.find(f"{{{SOAP_ENV}}}Header"))
        assert [b.tag.rpartition("}")[2] for b in blocks] == [
            "InvocationContext",
            "AuthorityContext",
        ]
        for block in blocks:
            schema.validate(block)


def test_golden_response_read_as_the_wrong_class_is_refused() -> None:
    data = g.response_path("OpretFordring").read_bytes()
    with pytest.raises(OeirFault) as info:
        soap.read_response(data, model.OpretDebitorkontoSvar)
    assert info.value.kode == "SkemaValideringFejlet"


def test_golden_fault_reads_as_oeirfault() -> None:
    data = g.FAULT_PATH.read_bytes()
    with pytest.raises(OeirFault) as info:
        soap.read_response(data, model.OpretFordringSvar)
    fault = info.value
    assert fault.kode == "CprUgyldig"
    assert fault.faultcode == "Client"
    assert fault.tekst_da == "CPR-nummeret er ugyldigt."
    assert fault.tekst_en == "The CPR number is invalid."
    assert fault.felt == "Fordring/Debitor/CPRNummer"


def test_golden_fault_detail_validates_against_the_xsd() -> None:
    root = safexml.parse(g.FAULT_PATH.read_bytes())
    fejl = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault/detail/{{{OEIR}}}Fejl")
    assert fejl is not None
    schema.validate(fejl)


def test_golden_samples_carry_danish_letters_intact() -> None:
    text = g.request_path("OpretDebitorkonto").read_text(encoding="utf-8")
    assert "Søren Ærø Kjærgård" in text
    assert "Østerbro" in text
