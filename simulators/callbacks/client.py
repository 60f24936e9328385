"""The debtor system's SOAP client for the callback to FBS, over real HTTP.

Builds `RegistrerDaekningAfskrivning` with Serviceplatformen headers
(AuthorityContext = the municipality's test CVR), posts it, and classifies the
outcome. It never raises on a network or protocol problem: the caller records
the outcome and decides about retrying.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import requests

from oeir import kommuner, model, soap
from oeir.faults import OeirFault
from oeir.kommuner import Kommune
from oeir.services import DAEKNING_AFSKRIVNING

OPERATION = DAEKNING_AFSKRIVNING.operations["RegistrerDaekningAfskrivning"]
_NS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:debitorsim")


def debtor_system_uuid(system: str) -> str:
    """The (test) UserSystemUUID of a simulated debtor system, e.g. ``"opus"``."""
    return str(uuid.uuid5(_NS, f"anvendersystem:debitorsystem:{system}"))


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one delivery attempt ended.

    `outcome`: ``ok`` (every event got a receipt), ``http_fejl`` (status other than
    200 without a SOAP Fault), ``soap_fault`` (the receiver refused; `fejlkode` and
    `client_fault` tell why), ``utilgaengelig`` (no connection / timeout),
    ``ufuldstaendig`` (answered, but not every event has a receipt).
    """

    outcome: str
    http_status: int | None = None
    fejlkode: str | None = None
    client_fault: bool = False
    detail: str | None = None
    modtaget: int = 0
    dublet: int = 0

    @property
    def ok(self) -> bool:
        """True when FBS acknowledged every event."""
        return self.outcome == "ok"


def header(kommune: Kommune, system: str, call_id: str) -> model.SpHeader:
    """The Serviceplatformen headers of a callback for `kommune` from debtor system `system`."""
    return model.SpHeader(
        invocation_context=model.InvocationContext(
            service_agreement_uuid=kommune.service_agreement_uuid,
            user_system_uuid=debtor_system_uuid(system),
            user_uuid=debtor_system_uuid(system),
            service_uuid=kommuner.service_uuid(DAEKNING_AFSKRIVNING.name),
            callers_service_call_identifier=call_id,
        ),
        authority_context=model.AuthorityContext(municipality_cvr=kommune.cvr),
    )


def envelope(
    kommune: Kommune, system: str, call_id: str, haendelser: tuple[model.Haendelse, ...]
) -> bytes:
    """The SOAP request bytes of one callback message."""
    message = model.RegistrerDaekningAfskrivning(haendelser=haendelser)
    return soap.request_envelope(message, header(kommune, system, call_id))


def deliver(
    session: requests.Session,
    url: str,
    body: bytes,
    expected_ids: set[str],
    timeout: float,
    tls: dict[str, Any] | None = None,
) -> Outcome:
    """POST one callback message and classify what came back.

    `tls`: ``cert=`` and ``verify=`` for requests (`oeir.certs.CertDir.requests_options`):
    the debtor system's client certificate, and the CA FBS's server must be signed by.
    """
    try:
        response = session.post(
            url,
            data=body,
            headers={
                "Content-Type": "text/xml; charset=utf-8",
                "SOAPAction": f'"{OPERATION.soap_action}"',
            },
            timeout=timeout,
            **(tls or {}),
        )
    except requests.RequestException as exc:
        return Outcome("utilgaengelig", detail=type(exc).__name__)
    status = response.status_code
    try:
        svar = soap.read_response(response.content, model.RegistrerDaekningAfskrivningSvar)
    except OeirFault as fault:
        if status == 200 or b"Fault" in response.content[:2000]:
            client = fault.faultcode == "Client"
            return Outcome(
                "soap_fault",
                status,
                fault.kode,
                client_fault=client,
                detail=(fault.detalje or fault.tekst_en)[:500],
            )
        return Outcome("http_fejl", status, detail=response.text[:200])
    except Exception as exc:  # a receiver answering garbage is an outcome, not a crash
        return Outcome("http_fejl", status, detail=f"{type(exc).__name__}: {exc}"[:200])
    if status != 200:
        return Outcome("http_fejl", status, detail="answer with a non-200 status")
    receipts = {k.haendelse_id: k.status for k in svar.kvitteringer}
    missing = expected_ids - set(receipts)
    modtaget = sum(1 for s in receipts.values() if s == model.KvitteringStatus.MODTAGET)
    dublet = sum(1 for s in receipts.values() if s == model.KvitteringStatus.DUBLET)
    if missing:
        return Outcome(
            "ufuldstaendig",
            status,
            detail=f"{len(missing)} events without receipt",
            modtaget=modtaget,
            dublet=dublet,
        )
    return Outcome("ok", status, modtaget=modtaget, dublet=dublet)
