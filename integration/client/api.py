"""The API layer: typed `oeir` messages in, typed answers out; faults sorted for the outbox.

A `TechnicalFault` (no answer, HTTP 5xx without a SOAP Fault, a Server fault,
an unreadable answer) is worth retrying. A `BusinessFault` (a Client fault
with a FejlKode) will fail the same way again and must be parked.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from integration.client.transport import HttpResponse, RequestsTransport, Transport, TransportError
from integration.config import CoreConfig
from oeir import codec, kommuner, safexml, soap
from oeir.faults import OeirFault
from oeir.model import AuthorityContext, InvocationContext, SpHeader
from oeir.namespaces import SOAP_ENV
from oeir.services import SERVICES, Service

_OPERATIONS: dict[str, Service] = {
    op: service for service in SERVICES.values() for op in service.operations
}
_RETRY_STATUS = {408, 425, 429}


class TechnicalFault(Exception):
    """The call may succeed later: retry with backoff."""


class BusinessFault(Exception):
    """The debtor system refused the message: park it with the readable reason."""

    def __init__(self, kode: str, tekst_da: str, tekst_en: str, felt: str | None = None) -> None:
        super().__init__(f"{kode}: {tekst_en}")
        self.kode = kode
        self.tekst_da = tekst_da
        self.tekst_en = tekst_en
        self.felt = felt


class DebtorClient:
    """Calls the SF1590_B services of a municipality's debtor system via Serviceplatformen."""

    def __init__(self, config: CoreConfig, transport: Transport | None = None) -> None:
        self.config = config
        self.transport = transport or RequestsTransport(
            config.outbox.http_timeout_s,
            trust_env=config.outbox.http_trust_env,
            tls=config.tls.requests_options("fbs") if config.tls else None,
        )

    def header(
        self, kommunekode: str, service: Service, call_id: str, accounting: str | None
    ) -> SpHeader:
        """The Serviceplatformen headers of a call for `kommunekode`."""
        kommune = kommuner.by_kode().get(kommunekode)
        if kommune is None:
            raise BusinessFault(
                "UkendtKommune",
                f"Kommunekoden {kommunekode} findes ikke.",
                f"Unknown municipality code {kommunekode}.",
            )
        return SpHeader(
            invocation_context=InvocationContext(
                service_agreement_uuid=kommune.service_agreement_uuid,
                user_system_uuid=kommuner.FBS_USER_SYSTEM_UUID,
                user_uuid=self.config.user_uuid,
                service_uuid=kommuner.service_uuid(service.name),
                callers_service_call_identifier=call_id,
                accounting_info=accounting,
            ),
            authority_context=AuthorityContext(municipality_cvr=kommune.cvr),
        )

    def call(
        self, kommunekode: str, message: Any, call_id: str, accounting: str | None = None
    ) -> Any:
        """Send `message` and return the typed answer, or raise Technical/BusinessFault."""
        return self.call_element(
            kommunekode, type(message).__name__, codec.encode(message), call_id, accounting
        )

    def call_element(
        self,
        kommunekode: str,
        operation_name: str,
        body: etree._Element,
        call_id: str,
        accounting: str | None = None,
    ) -> Any:
        """Send an already encoded request element (as `oeir.codec` builds it).

        The outbox uses this to send stored claims without decoding and
        re-encoding them; the bytes on the wire are the same as `call` sends.
        """
        service = _OPERATIONS[operation_name]
        operation = service.operations[operation_name]
        data = _envelope(body, self.header(kommunekode, service, call_id, accounting))
        url = self.config.sp_url_for(kommunekode) + service.path
        try:
            resp = self.transport.post(
                url,
                data,
                {
                    "Content-Type": "text/xml; charset=utf-8",
                    "SOAPAction": f'"{operation.soap_action}"',
                },
            )
        except TransportError as exc:
            raise TechnicalFault(str(exc)) from exc
        return read_answer(resp, operation.response, self.config.outbox.max_response_bytes)


def _envelope(body: etree._Element, header: SpHeader) -> bytes:
    """A SOAP 1.1 request: the Serviceplatformen header blocks and `body` (as `oeir.soap`)."""
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=soap.ENVELOPE_NSMAP)
    head = etree.SubElement(env, f"{{{SOAP_ENV}}}Header")
    head.append(codec.encode(header.invocation_context))
    head.append(codec.encode(header.authority_context))
    etree.SubElement(env, f"{{{SOAP_ENV}}}Body").append(body)
    return etree.tostring(env, encoding="UTF-8", xml_declaration=True)


def read_answer(resp: HttpResponse, expected: type, max_bytes: int = 16 * 2**20) -> Any:
    """Sort an HTTP answer into a typed response, a TechnicalFault or a BusinessFault."""
    looks_like_xml = resp.body.lstrip()[:1] == b"<"
    if not looks_like_xml:
        if resp.status >= 500 or resp.status in _RETRY_STATUS or resp.status < 400:
            raise TechnicalFault(f"HTTP {resp.status} without a SOAP answer")
        raise BusinessFault(
            "HttpFejl",
            f"Modparten svarede HTTP {resp.status} uden SOAP-svar.",
            f"The other party answered HTTP {resp.status} without a SOAP answer.",
        )
    try:
        return soap.read_response(resp.body, expected, max_bytes=max_bytes)
    except OeirFault as fault:
        if not _is_soap_fault(resp.body):
            # Our own check of *their* answer failed: not the message's fault, retry later.
            raise TechnicalFault(f"unreadable answer: {fault.tekst_en}") from fault
        if fault.faultcode != "Client" or resp.status in _RETRY_STATUS:
            raise TechnicalFault(f"{fault.kode}: {fault.tekst_en}") from fault
        raise BusinessFault(fault.kode, fault.tekst_da, fault.tekst_en, fault.felt) from fault


def _is_soap_fault(body: bytes) -> bool:
    try:
        root = safexml.parse(body, max_bytes=len(body) + 1)
    except OeirFault:
        return False
    return root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault") is not None
