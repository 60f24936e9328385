"""Canned SOAP answers for tests that mock the HTTP layer with `responses`."""

from __future__ import annotations

from typing import Any

from oeir import soap
from oeir.faults import OeirFault
from oeir.services import DEBITOR_FORESPOERGSEL, DEBITOR_REGISTRERING
from tests.integration.conftest import SP

REGISTRERING_URL = SP + DEBITOR_REGISTRERING.path
FORESPOERGSEL_URL = SP + DEBITOR_FORESPOERGSEL.path


def ok(message: Any) -> dict[str, Any]:
    """kwargs for `responses.add`: a 200 SOAP answer."""
    return {"body": soap.response_envelope(message), "status": 200, "content_type": "text/xml"}


def fault(kode: str, detalje: str | None = None) -> dict[str, Any]:
    """kwargs for `responses.add`: a SOAP Fault with HTTP 500."""
    return {
        "body": soap.fault_envelope(OeirFault(detalje, kode=kode)),
        "status": 500,
        "content_type": "text/xml",
    }


def operation_of(body: bytes) -> str:
    """The request element's local name in a SOAP request body."""
    from lxml import etree

    root = etree.fromstring(body)
    return etree.QName(root[-1][0]).localname
