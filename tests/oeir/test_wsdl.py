"""Rendering the WSDLs for a real address, and the schema documents served with them."""

from __future__ import annotations

import pytest
from lxml import etree

from oeir import wsdl
from oeir.schema import SCHEMA_DIR
from oeir.services import SERVICES

WSDL = "http://schemas.xmlsoap.org/wsdl/"
SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD = "http://www.w3.org/2001/XMLSchema"


@pytest.mark.parametrize("name", list(SERVICES))
@pytest.mark.parametrize("base", ["http://sim.example:9000", "http://sim.example:9000/"])
def test_render_points_address_and_schemas_at_the_base(name: str, base: str) -> None:
    service = SERVICES[name]
    root = etree.fromstring(wsdl.render(service, base))
    address = root.find(f"{{{WSDL}}}service/{{{WSDL}}}port/{{{SOAP}}}address")
    assert address.get("location") == f"http://sim.example:9000{service.path}"
    locations = {i.get("schemaLocation") for i in root.iter(f"{{{XSD}}}import")}
    assert locations == {
        f"http://sim.example:9000{wsdl.SCHEMA_PATH}/{name}"
        for name in ("oeir.xsd", "InvocationContext.xsd", "AuthorityContext.xsd", "CallContext.xsd")
    }


@pytest.mark.parametrize("name", list(SERVICES))
def test_every_wsdl_declares_every_operation_with_headers_and_fault(name: str) -> None:
    service = SERVICES[name]
    root = etree.parse(str(service.wsdl_file)).getroot()
    binding = root.find(f"{{{WSDL}}}binding")
    ops = {op.get("name"): op for op in binding.findall(f"{{{WSDL}}}operation")}
    assert set(ops) == set(service.operations)
    for op_name, op in ops.items():
        action = op.find(f"{{{SOAP}}}operation").get("soapAction")
        assert action == service.operations[op_name].soap_action
        headers = [h.get("part") for h in op.iter(f"{{{SOAP}}}header")]
        assert headers == ["InvocationContext", "AuthorityContext"]
        assert op.find(f"{{{WSDL}}}fault") is not None


def test_schema_documents_are_the_shipped_files_and_nothing_else() -> None:
    assert wsdl.schema_document("oeir.xsd") == (SCHEMA_DIR / "oeir.xsd").read_bytes()
    for name in ("InvocationContext.xsd", "AuthorityContext.xsd", "CallContext.xsd"):
        assert wsdl.schema_document(name) == (SCHEMA_DIR / name).read_bytes()
    for name in (
        "sp.xsd",
        "../schema.py",
        "DebitorForespoergsel.wsdl",
        "",
        "OEIR.XSD",
        "/etc/passwd",
    ):
        assert wsdl.schema_document(name) is None
