"""The same API as `DebtorClient`, with zeep building and reading the SOAP messages.

Kept as the measured alternative (see docs/core.md, "Client: lxml or zeep"):
the outbox uses the lxml client built on `oeir.soap`, which measured faster
with the same results. zeep reads the shipped WSDL (or one served over HTTP)
and each call is pointed at the municipality's Serviceplatformen URL.
"""

from __future__ import annotations

from typing import Any

import requests
import zeep
import zeep.exceptions
import zeep.helpers
import zeep.transports
from lxml import etree

from integration.client.api import _OPERATIONS, BusinessFault, DebtorClient, TechnicalFault
from integration.config import CoreConfig
from oeir import codec
from oeir.services import Service
from oeir.zeepvalues import from_zeep, zeep_headers, zeep_values


class ZeepDebtorClient(DebtorClient):
    """`DebtorClient.call` done by zeep (one zeep client per service, WSDL read once)."""

    def __init__(self, config: CoreConfig, timeout_s: float | None = None) -> None:
        super().__init__(config)
        session = requests.Session()
        if config.tls is not None:  # else REQUESTS_CA_BUNDLE would override the test CA
            session.trust_env = False
            for name, value in config.tls.requests_options("fbs").items():
                setattr(session, name, value)
        self._transport = zeep.transports.Transport(
            session=session, operation_timeout=timeout_s or config.outbox.http_timeout_s
        )
        self._clients: dict[str, zeep.Client] = {}
        self._proxies: dict[tuple[str, str], Any] = {}

    def _proxy(self, service: Service, kommunekode: str) -> Any:
        url = self.config.sp_url_for(kommunekode) + service.path
        key = (service.name, url)
        if key not in self._proxies:
            client = self._clients.get(service.name)
            if client is None:
                client = self._clients[service.name] = zeep.Client(
                    str(service.wsdl_file), transport=self._transport
                )
            ns = f"urn:debitorsim:oeir:sf1590b:1:{service.name}"
            self._proxies[key] = client.create_service(f"{{{ns}}}{service.name}Binding", url)
        return self._proxies[key]

    def call(
        self, kommunekode: str, message: Any, call_id: str, accounting: str | None = None
    ) -> Any:
        """Send `message` with zeep; same answers and faults as `DebtorClient.call`."""
        service = _OPERATIONS[type(message).__name__]
        operation = service.operations[type(message).__name__]
        header = self.header(kommunekode, service, call_id, accounting)
        proxy = self._proxy(service, kommunekode)
        try:
            result = getattr(proxy, operation.name)(
                **zeep_values(message),
                _soapheaders=zeep_headers(header),
            )
        except zeep.exceptions.Fault as fault:
            kode_el = fault.detail.find(".//{*}FejlKode") if fault.detail is not None else None
            kode = kode_el.text if kode_el is not None else "UkendtFejl"
            if not (fault.code or "").endswith("Client"):
                raise TechnicalFault(f"{kode}: {fault.message}") from fault
            tekst = fault.detail.find(".//{*}FejlTekst") if fault.detail is not None else None
            engelsk = (
                fault.detail.find(".//{*}FejlTekstEngelsk") if fault.detail is not None else None
            )
            raise BusinessFault(
                kode,
                tekst.text if tekst is not None else fault.message,
                engelsk.text if engelsk is not None else fault.message,
            ) from fault
        except (requests.RequestException, zeep.exceptions.TransportError) as exc:
            raise TechnicalFault(f"{type(exc).__name__}: {exc}"[:300]) from exc
        except (zeep.exceptions.Error, etree.XMLSyntaxError) as exc:
            raise TechnicalFault(f"unreadable answer: {exc}"[:300]) from exc
        data = zeep.helpers.serialize_object(result, target_cls=dict)
        expected = operation.response
        names = [etree.QName(f.tag).localname for f in codec.fields(expected)]
        if not isinstance(data, dict) or not set(data) <= set(names):
            data = {names[0]: data}  # zeep unwraps a response with a single child
        return from_zeep(expected, data)


__all__ = ["ZeepDebtorClient", "from_zeep", "zeep_values"]
