"""The callback receiver: `DaekningAfskrivningRegistreringAfsend`, served by FBS."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from integration.callbacks.apply import apply_batch, caller
from integration.web import auth
from integration.web.context import current_core
from oeir import certs, kommuner, model, rules, safexml, soap, wsdl
from oeir.faults import MessageTooLarge, OeirFault
from oeir.services import DAEKNING_AFSKRIVNING

bp = Blueprint("callbacks", __name__)
log = logging.getLogger(__name__)
_XML = "text/xml; charset=utf-8"


@bp.get(DAEKNING_AFSKRIVNING.path)
def wsdl_document():  # type: ignore[no-untyped-def]
    """``?wsdl``: the service description with this server's address."""
    if "wsdl" not in {k.lower() for k in request.args}:
        return Response(b"Use ?wsdl, or POST a SOAP request.", 405, {"Allow": "GET, POST"})
    return Response(wsdl.render(DAEKNING_AFSKRIVNING, request.host_url), 200, content_type=_XML)


@bp.get(f"{wsdl.SCHEMA_PATH}/<name>")
def schema(name: str):  # type: ignore[no-untyped-def]
    """The XSDs the WSDL imports."""
    doc = wsdl.schema_document(name)
    if doc is None:
        return Response(b"not found", 404)
    return Response(doc, 200, content_type=_XML)


@bp.post(DAEKNING_AFSKRIVNING.path)
def receive():  # type: ignore[no-untyped-def]
    """Apply a batch of events; answer per event only after the transaction committed."""
    core = current_core()
    limit = core.config.max_request_bytes
    try:
        auth.check_caller(core.config, request)
    except OeirFault as fault:
        return Response(soap.fault_envelope(fault), 401, content_type=_XML)
    if (request.content_length or 0) > limit:
        # SOAP 1.1 answers every Fault with HTTP 500, this one before reading the body.
        return Response(
            soap.fault_envelope(MessageTooLarge(f"> {limit} bytes")), 500, content_type=_XML
        )
    try:
        req = soap.read_request(
            safexml.read_at_most(request.stream, limit),
            DAEKNING_AFSKRIVNING,
            soap_action=request.headers.get("SOAPAction"),
            max_bytes=limit,
        )
        if core.config.tls is not None:  # the sender's certificate is its user system's
            certs.check_binding(request.environ, req.header.invocation_context.user_system_uuid)
        auth.check_municipality(core.config, request, _kommune_of(req.header))
        caller(req.header)
        rules.validate(req.message)
        answer = apply_batch(
            core.store,
            core.service,
            req.message,
            req.header.authority_context.municipality_cvr,
        )
    except OeirFault as fault:
        status = 500  # SOAP 1.1 answers every Fault with HTTP 500
        return Response(soap.fault_envelope(fault), status, content_type=_XML)
    except Exception:
        log.exception("callback failed")
        return Response(soap.fault_envelope(OeirFault(kode="InternFejl")), 500, content_type=_XML)
    return Response(soap.response_envelope(answer), 200, content_type=_XML)


def _kommune_of(header: model.SpHeader) -> str | None:
    """The municipality a callback is for (by AuthorityContext/MunicipalityCVR)."""
    found = kommuner.by_cvr().get(header.authority_context.municipality_cvr)
    return found.kode if found else None
