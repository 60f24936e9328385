"""Blueprint of the simulated Serviceplatformen: SOAP endpoints, ?wsdl and the XSDs."""

from __future__ import annotations

from flask import Blueprint, Request, Response, request

from oeir import safexml, wsdl
from oeir.faults import MessageTooLarge
from oeir.services import DEBITOR_FORESPOERGSEL, DEBITOR_INDBETALING, DEBITOR_REGISTRERING, Service
from simulators import platform
from simulators.engine import Simulator
from simulators.web.context import simulator

SERVED = (DEBITOR_REGISTRERING, DEBITOR_FORESPOERGSEL, DEBITOR_INDBETALING)
"""The services the debtor systems offer (the callback service is FBS's, not ours)."""

_BY_PATH = {service.path: service for service in SERVED}

XML = "text/xml; charset=utf-8"


def soap_response(outcome: platform.Outcome) -> Response:
    """The HTTP response of an outcome."""
    # The body is one bytes object: passed through as the WSGI iterable, without the
    # generator and closing wrapper werkzeug puts around a body it may have to encode.
    return Response(
        outcome.body, status=outcome.http_status, content_type=XML, direct_passthrough=True
    )


def journal(sim: Simulator, service: Service, outcome: platform.Outcome, data: bytes) -> None:
    """Record an outcome in `sim`'s request journal."""
    f = outcome.fault
    sim.journal.record(
        service=service.name,
        operation=outcome.operation,
        kommunekode=outcome.kommunekode,
        verdict="fault" if f else "ok",
        fejlkode=f.kode if f else None,
        felt=f.felt if f else None,
        http_status=outcome.http_status,
        request=data,
        detail=f.tekst_en if f else None,
        response=outcome.body,
        near_miss=outcome.near_miss,
    )


def too_large(sim: Simulator, service: Service, size: int | None) -> Response:
    """HTTP 500 with a SOAP Fault (as SOAP 1.1 answers every Fault), before anything is parsed."""
    limit = sim.config.max_request_bytes
    outcome = platform.fault_outcome(
        MessageTooLarge(f"{size if size is not None else 'more than'} > {limit} bytes")
    )
    journal(sim, service, outcome, b"")
    return soap_response(outcome)


bp = Blueprint("sp", __name__)
"""The Serviceplatformen blueprint: one SOAP endpoint per served service, and the XSDs."""


def soap_endpoint() -> Response:
    """A served service: ``?wsdl`` on GET, a SOAP call on POST (journalled)."""
    # The request itself, not the `request` proxy: every attribute read through the proxy
    # looks the request up again (about as costly as the rest of this function together).
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    service = _BY_PATH[req.url_rule.rule]  # type: ignore[union-attr]
    sim = simulator()
    if req.method in ("GET", "HEAD"):  # Flask drops the body of a HEAD answer
        if "wsdl" in {k.lower() for k in req.args}:
            body = wsdl.render(service, req.host_url.rstrip("/") + req.script_root)
            return Response(body, content_type=XML)
        return Response(
            f"{service.name}: POST SOAP 1.1 here; the WSDL is at ?wsdl\n",
            status=405,
            headers={"Allow": "GET, POST"},
            content_type="text/plain; charset=utf-8",
        )
    size = req.content_length
    if size is not None and size > sim.config.max_request_bytes:
        return too_large(sim, service, size)
    try:
        data = safexml.read_at_most(req.stream, sim.config.max_request_bytes)
    except MessageTooLarge:  # a chunked body without Content-Length
        return too_large(sim, service, None)
    outcome = platform.handle(sim, service, data, req.headers.get("SOAPAction"), req.environ)
    journal(sim, service, outcome, data)
    return soap_response(outcome)


for _service in SERVED:
    bp.add_url_rule(
        _service.path, endpoint=_service.name, view_func=soap_endpoint, methods=["GET", "POST"]
    )


@bp.get(f"{wsdl.SCHEMA_PATH}/<name>")
def schema(name: str) -> Response:
    """An XSD the WSDL imports."""
    body = wsdl.schema_document(name)
    if body is None:
        return Response("no such schema\n", status=404, content_type="text/plain")
    return Response(body, content_type=XML)
