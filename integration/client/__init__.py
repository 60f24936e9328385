"""SOAP client to the debtor systems on Serviceplatformen: a wire layer and an API layer."""

from integration.client.api import BusinessFault, DebtorClient, TechnicalFault
from integration.client.transport import HttpResponse, RequestsTransport, Transport, TransportError

__all__ = [
    "BusinessFault",
    "DebtorClient",
    "HttpResponse",
    "RequestsTransport",
    "TechnicalFault",
    "Transport",
    "TransportError",
]
