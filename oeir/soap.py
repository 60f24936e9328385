"""SOAP 1.1 envelopes: build requests, responses and Faults; read them back safely."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

from lxml import etree

from oeir import codec, namespaces, safexml, sp_context
from oeir.faults import (
    InvalidEnvelope,
    OeirFault,
    SchemaInvalid,
    WrongNamespace,
    xml_safe,
)
from oeir.model import Fejl, SpHeader
from oeir.namespaces import OEIR, SOAP12_ENV, SOAP_ENV, SP_PREFIXES
from oeir.schema import Schemas
from oeir.schema import default as default_schemas
from oeir.services import Operation, Service

ENVELOPE_NSMAP = {
    "soap": SOAP_ENV,
    "o": OEIR,
    "invctx": SP_PREFIXES["invctx"],
    "authctx": SP_PREFIXES["authctx"],
}
"""The prefixes declared on every envelope debitorsim writes (the header blocks' too)."""
_NSMAP = ENVELOPE_NSMAP
_ENVELOPE = f"{{{SOAP_ENV}}}Envelope"
_HEADER = f"{{{SOAP_ENV}}}Header"
_BODY = f"{{{SOAP_ENV}}}Body"
_FAULT = f"{{{SOAP_ENV}}}Fault"


@dataclass(frozen=True, slots=True)
class Request:
    """A request read off the wire: its Serviceplatformen header, operation and message."""

    header: SpHeader
    operation: Operation
    message: Any


def _envelope(body_child: etree._Element, header: SpHeader | None = None) -> bytes:
    env = etree.Element(_ENVELOPE, nsmap=_NSMAP)
    if header is not None:
        head = etree.SubElement(env, _HEADER)
        head.append(codec.encode(header.invocation_context))
        head.append(codec.encode(header.authority_context))
    etree.SubElement(env, _BODY).append(body_child)
    etree.cleanup_namespaces(env, top_nsmap=_NSMAP)
    return etree.tostring(env, encoding="UTF-8", xml_declaration=True)


def request_envelope(message: Any, header: SpHeader) -> bytes:
    """A complete SOAP request: Serviceplatformen headers and the message in the body."""
    return _envelope(codec.encode(message), header)


def response_envelope(message: Any) -> bytes:
    """A complete SOAP response carrying `message`."""
    if codec.namespace(type(message)) != OEIR:
        return _envelope(codec.encode(message))
    # The bytes lxml writes for the envelope, written as text (no tree to build and walk).
    text = codec.xml_text(message)
    if codec.NOT_XML_CHAR.search(text) is not None:
        return _response_tree(message)  # raises lxml's own error, as it always did
    return _RESPONSE_HEAD + text.encode("utf-8") + _RESPONSE_TAIL


def _response_tree(message: Any) -> bytes:
    """`response_envelope` of an ØiR message, built as an lxml tree and serialised."""
    # The bytes `_envelope` writes for an ØiR message, built for less: the envelope's
    # namespaces are those `cleanup_namespaces` would keep (soap, o), and copying them
    # skips the URI checks lxml runs on every nsmap (most of `_envelope`'s cost).
    env = copy.deepcopy(_response_skeleton())
    codec.encode_into(env[0], message)
    return etree.tostring(env, encoding="UTF-8", xml_declaration=True)


_local = threading.local()


def _response_skeleton() -> etree._Element:
    """This thread's empty response: soap:Envelope (soap and o declared) and soap:Body.

    One per thread, like `safexml`'s parser: lxml trees are not meant to be shared by threads.
    """
    skeleton: etree._Element | None = getattr(_local, "skeleton", None)
    if skeleton is None:
        skeleton = etree.Element(_ENVELOPE, nsmap={"soap": SOAP_ENV, "o": OEIR})
        etree.SubElement(skeleton, _BODY)
        _local.skeleton = skeleton
    return skeleton


def _response_frame() -> tuple[bytes, bytes]:
    """What lxml writes before and after the message in a response envelope."""
    env = copy.deepcopy(_response_skeleton())
    etree.SubElement(env[0], f"{{{OEIR}}}X")
    head, _, tail = etree.tostring(env, encoding="UTF-8", xml_declaration=True).partition(b"<o:X/>")
    return head, tail


_RESPONSE_HEAD, _RESPONSE_TAIL = _response_frame()


def fault_envelope(fault: OeirFault) -> bytes:
    """A SOAP 1.1 Fault: faultcode, a Danish/English faultstring and a `Fejl` detail."""
    el = etree.Element(_FAULT)
    etree.SubElement(el, "faultcode").text = f"soap:{fault.faultcode}"
    text = f"{fault.kode}: {fault.tekst_da} / {fault.tekst_en}"
    etree.SubElement(el, "faultstring").text = xml_safe(text, 1000)
    etree.SubElement(el, "detail").append(codec.encode(fault.as_fejl()))
    return _envelope(el)


def _split(data: bytes, max_bytes: int) -> tuple[etree._Element | None, etree._Element]:
    return _split_root(safexml.parse(data, max_bytes=max_bytes))


def _split_root(root: etree._Element) -> tuple[etree._Element | None, etree._Element]:
    if root.tag == f"{{{SOAP12_ENV}}}Envelope":
        raise OeirFault(kode="SoapVersionIkkeUnderstoettet")
    if root.tag != _ENVELOPE:
        raise InvalidEnvelope(f"root element is {root.tag}")
    parts = [c for c in root if isinstance(c.tag, str)]
    header = parts[0] if parts and parts[0].tag == _HEADER else None
    bodies = [c for c in parts if c.tag == _BODY]
    if len(bodies) != 1 or len(parts) != len(bodies) + (header is not None):
        raise InvalidEnvelope("expected an optional Header and exactly one Body")
    children = [c for c in bodies[0] if isinstance(c.tag, str)]
    if len(children) != 1:
        misplaced = sp_context.stray_in_body(children)
        if misplaced is not None:
            raise misplaced
        raise InvalidEnvelope(f"Body has {len(children)} elements, expected 1")
    return header, children[0]


def read_header(
    header: etree._Element | None,
    request: etree._Element,
    schemas: Schemas,
    *,
    validated: bool = False,
) -> SpHeader:
    """Serviceplatformen's context blocks, from the header or the request element.

    See `oeir.sp_context.read`: blocks found in `request` are taken out of it.
    `validated`: the blocks are known valid (`Schemas.envelope_valid`).
    """
    return sp_context.read(header, request, schemas, validated=validated)


def read_request(
    data: bytes,
    service: Service,
    *,
    soap_action: str | None = None,
    max_bytes: int = safexml.MAX_BYTES,
    schemas: Schemas | None = None,
) -> Request:
    """Read a request for `service`: safe parse, header, operation, SOAPAction, XSD, decode.

    Raises `OeirFault` (always with a `FejlKode`) on the first problem found.
    """
    schemas = schemas or default_schemas()
    root = safexml.parse(data, max_bytes=max_bytes)
    header_el, body_el = _split_root(root)
    namespace, name = namespaces.split(body_el.tag)
    if namespace != OEIR:
        raise WrongNamespace(f"{{{namespace}}}")
    operation = service.operation_for(name)
    if operation is None:
        raise OeirFault(f"{name} on {service.name}", kode="UkendtOperation")
    try:
        action = (soap_action or "").strip().strip('"')
        if action and action != operation.soap_action:
            raise OeirFault(f"expected {operation.soap_action}", kode="ForkertSoapAction")
        # One validation of the whole envelope for a valid call; the part-by-part one
        # (which finds the fault) only when that fails.
        valid = schemas.envelope_valid(root, data)
        header = read_header(header_el, body_el, schemas, validated=valid)
        if not valid:
            schemas.validate(body_el)
        return Request(header, operation, codec.from_element(operation.request, body_el))
    except OeirFault as fault:
        fault.operation = operation.name  # the journal files the refusal under its operation
        raise


def read_response(
    data: bytes,
    expected: type,
    *,
    max_bytes: int = safexml.MAX_BYTES,
    schemas: Schemas | None = None,
) -> Any:
    """Read a response of class `expected`; a SOAP Fault is raised as `OeirFault`."""
    schemas = schemas or default_schemas()
    _, body_el = _split(data, max_bytes)
    if body_el.tag == _FAULT:
        raise read_fault(body_el)
    if body_el.tag != f"{{{OEIR}}}{expected.__name__}":
        raise SchemaInvalid(f"expected {expected.__name__}, got {body_el.tag}")
    schemas.validate(body_el)
    return codec.from_element(expected, body_el)


def _child_text(el: etree._Element, tag: str) -> str:
    """All text of `el`'s child `tag` ("" if absent), comments and PIs skipped, not cut at."""
    child = el.find(tag)
    if child is None:
        return ""
    try:
        return codec.element_text(child)
    except OeirFault:
        return ""


def read_fault(fault_el: etree._Element) -> OeirFault:
    """Turn a received soap:Fault element into an `OeirFault` with the sender's code and texts."""
    code = (_child_text(fault_el, "faultcode") or "Server").rpartition(":")[2]
    fejl_el = fault_el.find(f"detail/{{{OEIR}}}Fejl")
    if fejl_el is not None:
        try:
            return OeirFault.from_fejl(codec.from_element(Fejl, fejl_el), faultcode=code)
        except OeirFault:
            pass
    text = _child_text(fault_el, "faultstring")
    fault = OeirFault(text[:200] or None, kode="InternFejl" if code == "Server" else "UkendtFejl")
    fault.definition = type(fault.definition)(
        fault.kode, code, fault.definition.da, fault.definition.en
    )
    return fault
