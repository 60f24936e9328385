"""The simulated Serviceplatformen: read a SOAP call, route it, check it, run it on the ledger.

Plain Python (the Flask blueprint only moves bytes). For every request:
1. the safe parser, the SP headers and the XSD (`oeir.soap.read_request`);
2. routing on AuthorityContext/MunicipalityCVR: unknown -> `UkendtKommune`;
3. the service agreement and calling system: otherwise `IngenServiceaftale`; under TLS
   first the client certificate of that system (`oeir.certs`): otherwise `ForkertCertifikat`;
4. the shared business rules (`oeir.rules`);
5. the municipality may name only itself (`AdgangNaegtet`);
6. the profile's rules (`simulators.rules`);
7. the call id (`simulators.replay`): a repeated call gets its first answer;
8. the ledger.
The first failure becomes a SOAP Fault and nothing changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from oeir import certs, model, rules, soap
from oeir.faults import OeirFault
from oeir.services import Service
from simulators import near_miss, replay
from simulators import rules as profile_rules
from simulators.engine import Simulator
from simulators.tenants import Tenant

log = logging.getLogger(__name__)

Handler = Callable[[Simulator, Tenant, Any], Any]


def _opret_fordring(sim: Simulator, tenant: Tenant, msg: model.OpretFordring) -> Any:
    return sim.ledger.opret_fordring(
        msg.fordring, create_account=tenant.profile.opret_fordring_creates_account
    )


HANDLERS: dict[str, Handler] = {
    "OpretDebitorkonto": lambda sim, t, msg: sim.ledger.opret_debitorkonto(msg),
    "OpretFordring": _opret_fordring,
    "NedskrivFordring": lambda sim, t, msg: sim.ledger.nedskriv(msg),
    "AnnullerFordring": lambda sim, t, msg: sim.ledger.annuller(msg),
    "SkiftHaefter": lambda sim, t, msg: sim.ledger.skift_haefter(msg),
    "HentDebitorkonto": lambda sim, t, msg: sim.ledger.hent_debitorkonto(msg),
    "SoegDebitorkonti": lambda sim, t, msg: sim.ledger.soeg_debitorkonti(msg),
    "SoegDelfordringTilIndbetaling": lambda sim, t, msg: sim.ledger.soeg_delfordringer(msg),
    "ForetagIndbetaling": lambda sim, t, msg: sim.ledger.foretag_indbetaling(msg),
}
"""Operation name -> what runs it. The behaviour over time may replace an entry (e.g. ForetagIndbetaling)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the HTTP layer sends back, and what the journal records."""

    http_status: int
    body: bytes
    operation: str | None
    kommunekode: str | None
    fault: OeirFault | None = None
    near_miss: str | None = None
    """For a refusal by routing, agreement or schema: JSON of the closest valid expectation."""


def fault_outcome(
    fault: OeirFault,
    operation: str | None = None,
    kommunekode: str | None = None,
    status: int = 500,
) -> Outcome:
    """A SOAP 1.1 Fault outcome (HTTP 500 unless told otherwise)."""
    return Outcome(status, soap.fault_envelope(fault), operation, kommunekode, fault)


def route(sim: Simulator, header: model.SpHeader, service: Service) -> Tenant:
    """The tenant a call is for, after Serviceplatformen's own checks."""
    tenant = sim.tenants.by_cvr(header.authority_context.municipality_cvr)
    if tenant is None:
        raise OeirFault(
            f"MunicipalityCVR {header.authority_context.municipality_cvr}",
            kode="UkendtKommune",
            felt="AuthorityContext/MunicipalityCVR",
        )
    ic = header.invocation_context
    if ic.service_agreement_uuid != tenant.service_agreement_uuid:
        raise OeirFault(
            f"{service.name}, {tenant.kommune.navn}",
            kode="IngenServiceaftale",
            felt="InvocationContext/ServiceAgreementUUID",
        )
    # The codec reads UUIDs lower-case; the configured ones may be written in either case.
    if not any(ic.user_system_uuid == u.lower() for u in sim.config.user_systems):
        raise OeirFault(
            f"{service.name}, {tenant.kommune.navn}",
            kode="IngenServiceaftale",
            felt="InvocationContext/UserSystemUUID",
        )
    return tenant


def handle(
    sim: Simulator,
    service: Service,
    data: bytes,
    soap_action: str | None,
    environ: dict[str, Any] | None = None,
) -> Outcome:
    """Answer one SOAP request on `service`; never raises.

    `environ` (the request's WSGI environ) carries the client certificate under TLS.
    """
    operation: str | None = None
    kommunekode: str | None = None
    request: soap.Request | None = None
    try:
        request = soap.read_request(
            data, service, soap_action=soap_action, max_bytes=sim.config.max_request_bytes
        )
        operation = request.operation.name
        if sim.config.tls is not None:  # who calls, before what it may do (oeir.certs)
            certs.check_binding(environ or {}, request.header.invocation_context.user_system_uuid)
        tenant = route(sim, request.header, service)
        kommunekode = tenant.kode
        rules.validate(request.message)
        for felt, kode in profile_rules.kommunekoder(request.message):
            if kode != tenant.kode:
                raise OeirFault(
                    f"{kode} != {tenant.kode} ({tenant.kommune.navn})",
                    kode="AdgangNaegtet",
                    felt=felt,
                )
        profile_rules.validate(request.message, tenant.profile)
        handler, message = HANDLERS[operation], request.message
        body = replay.answer_once(
            sim,
            replay.call_key(request.header, service.name, tenant.kode),
            operation,
            message,
            lambda: handler(sim, tenant, message),
        )
        return Outcome(200, body, operation, kommunekode)
    except OeirFault as fault:
        outcome = fault_outcome(fault, operation or fault.operation, kommunekode)
        if fault.kode in near_miss.KODER:
            hint = near_miss.explain(sim, service, data, soap_action, fault, request)
            outcome = replace(outcome, near_miss=hint)
        return outcome
    except Exception:  # a bug must still answer as SOAP, and change nothing (rolled back)
        log.exception("internal error on %s/%s", service.name, operation)
        return fault_outcome(OeirFault(kode="InternFejl"), operation, kommunekode)
