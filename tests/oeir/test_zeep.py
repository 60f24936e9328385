"""zeep, a real SOAP client, against every shipped WSDL: load, build, send, read back.

The WSDLs load from the files and, rendered by `oeir.wsdl.render`, over real
HTTP on loopback (their schemaLocations are absolute URLs there). For every
operation zeep builds the request with the Serviceplatformen headers; the body
must validate against our XSD and `soap.read_request` must accept the whole
envelope, decoding to the message we started from.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
import zeep
import zeep.exceptions
import zeep.helpers
from hypothesis import HealthCheck, given, settings
from lxml import etree
from werkzeug.wrappers import Request, Response

from oeir import model, rules, schema, soap, wsdl
from oeir.faults import OeirFault
from oeir.namespaces import OEIR, SOAP_ENV
from oeir.services import SERVICES, Operation, Service
from oeir.zeepvalues import zeep_headers, zeep_values
from tests.oeir import golden_messages as g
from tests.oeir import strategies as s
from wsgiserve import ServerThread

OPERATIONS = [op for svc in SERVICES.values() for op in svc.operations.values()]
OP_IDS = [op.name for op in OPERATIONS]


class ContractApp:
    """A minimal SOAP endpoint for the four services: ?wsdl, XSDs, and golden answers."""

    def __init__(self) -> None:
        self.base_url = ""
        self.received: list[soap.Request] = []

    def __call__(self, environ: dict, start_response: Any) -> Any:
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        xml = "text/xml; charset=utf-8"
        if request.path.startswith(wsdl.SCHEMA_PATH + "/"):
            document = wsdl.schema_document(request.path.rpartition("/")[2])
            return Response(document, content_type=xml) if document else Response(status=404)
        service = next((svc for svc in SERVICES.values() if svc.path == request.path), None)
        if service is None:
            return Response(status=404)
        if request.method == "GET" and "wsdl" in request.args:
            return Response(wsdl.render(service, self.base_url), content_type=xml)
        try:
            got = soap.read_request(
                request.get_data(), service, soap_action=request.headers.get("SOAPAction")
            )
            rules.validate(got.message)
        except OeirFault as fault:
            return Response(soap.fault_envelope(fault), status=500, content_type=xml)
        self.received.append(got)
        answer = g.RESPONSES[got.operation.name]
        return Response(soap.response_envelope(answer), content_type=xml)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[ContractApp]:
    app = ContractApp()
    with ServerThread(app) as server:
        app.base_url = server.base_url
        yield app


@pytest.fixture(scope="module")
def file_clients() -> dict[str, zeep.Client]:
    return {name: zeep.Client(str(svc.wsdl_file)) for name, svc in SERVICES.items()}


@pytest.fixture(scope="module")
def http_clients(endpoint: ContractApp) -> dict[str, zeep.Client]:
    return {
        name: zeep.Client(f"{endpoint.base_url}{svc.path}?wsdl") for name, svc in SERVICES.items()
    }


def _operations(client: zeep.Client) -> set[str]:
    return set(client.service._binding._operations)


def _service(operation: Operation) -> Service:
    return g.service_of(operation.name)


@pytest.mark.parametrize("name", list(SERVICES))
def test_shipped_wsdl_loads_from_file(file_clients: dict[str, zeep.Client], name: str) -> None:
    client = file_clients[name]
    service = SERVICES[name]
    assert _operations(client) == set(service.operations)
    assert client.service._binding_options["address"] == f"http://127.0.0.1:8081{service.path}"
    for op_name, operation in service.operations.items():
        zeep_op = client.service._binding._operations[op_name]
        assert zeep_op.soapaction == operation.soap_action


@pytest.mark.parametrize("name", list(SERVICES))
def test_rendered_wsdl_loads_over_http(
    endpoint: ContractApp, http_clients: dict[str, zeep.Client], name: str
) -> None:
    client = http_clients[name]
    service = SERVICES[name]
    rendered = wsdl.render(service, endpoint.base_url).decode()
    assert f'schemaLocation="{endpoint.base_url}{wsdl.SCHEMA_PATH}/oeir.xsd"' in rendered
    assert 'schemaLocation="oeir.xsd"' not in rendered
    assert _operations(client) == set(service.operations)
    assert client.service._binding_options["address"] == f"{endpoint.base_url}{service.path}"


def _built_by_zeep(client: zeep.Client, operation: Operation, message: Any, header) -> bytes:
    envelope = client.create_message(
        client.service, operation.name, **zeep_values(message), _soapheaders=zeep_headers(header)
    )
    return etree.tostring(envelope, encoding="UTF-8", xml_declaration=True)


@pytest.mark.parametrize("source", ["file", "http"])
@pytest.mark.parametrize("operation", OPERATIONS, ids=OP_IDS)
def test_zeep_builds_a_request_we_accept(
    file_clients: dict[str, zeep.Client],
    http_clients: dict[str, zeep.Client],
    operation: Operation,
    source: str,
) -> None:
    service = _service(operation)
    client = (file_clients if source == "file" else http_clients)[service.name]
    header = g.header(service, f"zeep-{operation.name}")
    data = _built_by_zeep(client, operation, g.REQUESTS[operation.name], header)

    root = etree.fromstring(data)
    (body,) = root.find(f"{{{SOAP_ENV}}}Body")
    assert body.tag == f"{{{OEIR}}}{operation.name}"
    schema.validate(body)

    request = soap.read_request(data, service, soap_action=operation.soap_action)
    assert request.operation == operation
    assert request.message == g.REQUESTS[operation.name]
    assert request.header == header


@pytest.mark.parametrize("operation", OPERATIONS, ids=OP_IDS)
def test_zeep_builds_generated_requests_we_accept(
    file_clients: dict[str, zeep.Client], operation: Operation
) -> None:
    service = _service(operation)
    client = file_clients[service.name]

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(s.STRATEGIES[operation.request], s.sp_headers)
    def check(message: Any, header: model.SpHeader) -> None:
        data = _built_by_zeep(client, operation, message, header)
        request = soap.read_request(data, service)
        assert request.message == message
        assert request.header == header

    check()


@pytest.mark.parametrize("operation", OPERATIONS, ids=OP_IDS)
def test_zeep_calls_every_operation_over_http(
    endpoint: ContractApp, http_clients: dict[str, zeep.Client], operation: Operation
) -> None:
    service = _service(operation)
    client = http_clients[service.name]
    header = g.header(service, f"zeep-call-{operation.name}")
    before = len(endpoint.received)

    result = getattr(client.service, operation.name)(
        **zeep_values(g.REQUESTS[operation.name]), _soapheaders=zeep_headers(header)
    )

    assert len(endpoint.received) == before + 1
    received = endpoint.received[-1]
    assert received.message == g.REQUESTS[operation.name]
    assert received.header == header
    expected = zeep_values(g.RESPONSES[operation.name])
    got = zeep.helpers.serialize_object(result, target_cls=dict)
    (only,) = expected if len(expected) == 1 else (None,)
    if only is not None and not (isinstance(got, dict) and set(got) <= {only}):
        got = {only: got}  # zeep unwraps a response element that has a single child
    assert _prune(got) == _prune(expected)


def _prune(value: Any) -> Any:
    """Drop None and empty lists (zeep shows absent optional elements as those)."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def test_zeep_sees_our_fault_with_its_fejlkode(
    http_clients: dict[str, zeep.Client],
) -> None:
    service = SERVICES["DebitorRegistreringAfsend"]
    client = http_clients[service.name]
    bad = dataclasses.replace(
        g.INSTITUTION, debitor=model.Debitor(cpr_nummer="3102801234", navn="Ugyldig Dato")
    )
    with pytest.raises(zeep.exceptions.Fault) as info:
        client.service.OpretFordring(
            **zeep_values(model.OpretFordring(fordring=bad)),
            _soapheaders=zeep_headers(g.header(service, "zeep-fault")),
        )
    fault = info.value
    assert fault.code.endswith("Client")
    assert fault.message.startswith("CprUgyldig: CPR-nummeret er ugyldigt.")
    kode = fault.detail.find(f"{{{OEIR}}}Fejl/{{{OEIR}}}FejlKode")
    assert kode is not None and kode.text == "CprUgyldig"
