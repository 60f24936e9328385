"""Blueprint of the simulated Serviceplatformen: the SOAP endpoints' ?wsdl, and the XSDs.

The calls themselves (POST) never reach Flask: `simulators.web.soap_calls` answers them
in front of it.
"""

from __future__ import annotations

from flask import Blueprint, Request, Response, request

from oeir import wsdl
from oeir.services import DEBITOR_FORESPOERGSEL, DEBITOR_INDBETALING, DEBITOR_REGISTRERING
from simulators.web.soap_calls import XML

SERVED = (DEBITOR_REGISTRERING, DEBITOR_FORESPOERGSEL, DEBITOR_INDBETALING)
"""The services the debtor systems offer (the callback service is FBS's, not ours)."""

_BY_PATH = {service.path: service for service in SERVED}

bp = Blueprint("sp", __name__)
"""The Serviceplatformen blueprint: one SOAP endpoint per served service, and the XSDs."""


def service_on_get() -> Response:
    """A served service on GET: ``?wsdl``, else 405 (a HEAD too: Flask drops its body)."""
    # The request itself, not the `request` proxy: every attribute read through the proxy
    # looks the request up again.
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    service = _BY_PATH[req.url_rule.rule]  # type: ignore[union-attr]
    if "wsdl" in {k.lower() for k in req.args}:
        body = wsdl.render(service, req.host_url.rstrip("/") + req.script_root)
        return Response(body, content_type=XML)
    return Response(
        f"{service.name}: POST SOAP 1.1 here; the WSDL is at ?wsdl\n",
        status=405,
        headers={"Allow": "GET, POST"},
        content_type="text/plain; charset=utf-8",
    )


# POST stays in the rules, so Flask's routing answers other methods (405 with Allow) and
# OPTIONS as before; the calls themselves are `soap_calls.SoapCalls`'s.
for _service in SERVED:
    bp.add_url_rule(
        _service.path, endpoint=_service.name, view_func=service_on_get, methods=["GET", "POST"]
    )


@bp.get(f"{wsdl.SCHEMA_PATH}/<name>")
def schema(name: str) -> Response:
    """An XSD the WSDL imports."""
    body = wsdl.schema_document(name)
    if body is None:
        return Response("no such schema\n", status=404, content_type="text/plain")
    return Response(body, content_type=XML)
