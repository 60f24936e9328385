"""Near-miss: for a call refused by routing, agreement or schema, the closest valid expectation.

A vendor whose call was refused wants to know what it nearly was: which municipality,
agreement or operation it came closest to and why it missed (WireMock calls this a
near-miss). `explain` answers that for the refusals where there *is* a closest valid
expectation, as a small JSON object stored with the journal row:

- ``kind``: ``operation``, ``soap_action``, ``namespace``, ``municipality``,
  ``agreement``, ``user_system``, ``access`` or ``schema``;
- ``text``: one English sentence (e.g. "ServiceAgreementUUID belongs to kommune 147,
  not 101");
- ``closest``: what it nearly matched (service, operation, kommunekode, CVR, agreement);
- for ``schema`` also ``path`` (the element, prefixes left out) and ``expected``.

Plain Python, run only for a refused call (never on the answered path). It must not
fail the answer: any error here gives no near-miss. The journal masks CPR numbers in it.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
from typing import Any

from lxml import etree

from oeir import safexml
from oeir.faults import OeirFault
from oeir.namespaces import OEIR, SOAP_ENV, SP_NAMESPACES
from oeir.schema import default as default_schemas
from oeir.services import SERVICES, Service
from oeir.soap import Request
from simulators import rules as profile_rules
from simulators.engine import Simulator
from simulators.tenants import Tenant

log = logging.getLogger(__name__)

KODER = frozenset(
    {
        "UkendtOperation",
        "ForkertSoapAction",
        "UkendtNavnerum",
        "SkemaValideringFejlet",
        "UkendtKommune",
        "IngenServiceaftale",
        "AdgangNaegtet",
    }
)
"""The FejlKoder of refusals a near-miss can explain (routing, agreement, schema)."""

_BRACES = re.compile(r"\{[^}]*\}")
_PATH_PREFIX = re.compile(r"(?<=/)[\w.-]+:")
_EXPECTED = re.compile(r"Expected is (?:one of )?\( ([^)]*) \)")
_TYPE = re.compile(r"of the (?:local )?atomic type '([^']+)'")
_FACET = re.compile(r"\[facet '(\w+)'\][^.]*?(?:the (?:pattern|length|value) )?'([^']*)'\.?$")
_QUOTED = re.compile(r"'[^']*'")


def explain(
    sim: Simulator,
    service: Service,
    data: bytes,
    soap_action: str | None,
    fault: OeirFault,
    request: Request | None = None,
) -> str | None:
    """The near-miss of a refused call as JSON, or None when there is none to give.

    `request` is the call as read when it got that far (routing and agreement faults).
    """
    try:
        found = _explain(sim, service, data, soap_action, fault, request)
    except Exception:  # a near-miss is a courtesy: never the reason an answer fails
        log.exception("near-miss of %s on %s", fault.kode, service.name)
        return None
    return json.dumps(found, ensure_ascii=False) if found else None


def _explain(
    sim: Simulator,
    service: Service,
    data: bytes,
    soap_action: str | None,
    fault: OeirFault,
    request: Request | None,
) -> dict[str, Any] | None:
    kode = fault.kode
    if kode in ("UkendtOperation", "ForkertSoapAction", "UkendtNavnerum"):
        body = _body_element(data)
        if body is None:
            return None
        name = etree.QName(body).localname
        if kode == "UkendtOperation":
            return operation(service, name)
        if kode == "UkendtNavnerum":
            return namespace(service, body)
        return soap_action_miss(service, name, soap_action)
    if kode == "SkemaValideringFejlet":
        return schema(data)
    if request is None:
        return None
    if kode == "UkendtKommune":
        return municipality(sim, request)
    if kode == "IngenServiceaftale":
        if (fault.felt or "").endswith("UserSystemUUID"):
            return user_system(sim, request)
        return agreement(sim, request)
    if kode == "AdgangNaegtet":
        return access(sim, request)
    return None


def _closest(word: str, options: list[str]) -> str | None:
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return found[0] if found else None


# -- operation, SOAPAction, namespace -------------------------------------------------------


def operation(service: Service, name: str) -> dict[str, Any]:
    """The Body names no operation of `service`: the closest one, or the service that has it."""
    elsewhere = [s.name for s in SERVICES.values() if name in s.operations and s is not service]
    if elsewhere:
        other = SERVICES[elsewhere[0]]
        return {
            "kind": "operation",
            "text": f"operation {name} is not in {service.name} but in {other.name}: "
            f"post it to {other.path}",
            "closest": {"service": other.name, "operation": name},
        }
    ops = sorted(service.operations)
    best = _closest(name, ops)
    if best is None:
        every = sorted(o for s in SERVICES.values() for o in s.operations)
        best_anywhere = _closest(name, every)
        hint = f"; {service.name} offers {', '.join(ops)}"
        if best_anywhere:
            owner = next(s for s in SERVICES.values() if best_anywhere in s.operations)
            return {
                "kind": "operation",
                "text": f"operation {name} not in {service.name}; did you mean "
                f"{best_anywhere} (in {owner.name}, at {owner.path})",
                "closest": {"service": owner.name, "operation": best_anywhere},
            }
        return {
            "kind": "operation",
            "text": f"operation {name} not in {service.name}{hint}",
            "closest": {"service": service.name},
        }
    return {
        "kind": "operation",
        "text": f"operation {name} not in {service.name}; did you mean {best}",
        "closest": {"service": service.name, "operation": best},
    }


def soap_action_miss(service: Service, name: str, soap_action: str | None) -> dict[str, Any] | None:
    """The SOAPAction header names another operation than the Body."""
    op = service.operations.get(name)
    if op is None:
        return None
    given = (soap_action or "").strip().strip('"')
    named = next((o.name for o in service.operations.values() if o.soap_action == given), None)
    why = f"it names {named}" if named else "it names no operation of " + service.name
    return {
        "kind": "soap_action",
        "text": f"SOAPAction {given!r} does not match the Body's {name} ({why}); "
        f"expected {op.soap_action!r}",
        "closest": {"service": service.name, "operation": name, "soap_action": op.soap_action},
    }


def namespace(service: Service, body: etree._Element) -> dict[str, Any]:
    """The Body's element is in a foreign namespace."""
    q = etree.QName(body)
    known = q.localname in service.operations
    return {
        "kind": "namespace",
        "text": f"{q.localname} is in namespace {q.namespace or '(none)'}, expected {OEIR}"
        + ("" if known else f"; {service.name} has no operation {q.localname} either"),
        "closest": {"service": service.name, "operation": q.localname if known else None},
    }


def _body_element(data: bytes) -> etree._Element | None:
    root = safexml.parse(data)
    for part in root:
        if isinstance(part.tag, str) and part.tag == f"{{{SOAP_ENV}}}Body":
            for child in part:
                if isinstance(child.tag, str):
                    return child
    return None


# -- routing and agreement ------------------------------------------------------------------


def _name(t: Tenant) -> str:
    return f"kommune {t.kode} ({t.kommune.navn}, CVR {t.cvr})"


def _by_agreement(sim: Simulator, uuid: str) -> Tenant | None:
    uuid = uuid.lower()
    return next((t for t in sim.tenants.all() if t.service_agreement_uuid.lower() == uuid), None)


def municipality(sim: Simulator, request: Request) -> dict[str, Any]:
    """MunicipalityCVR names no municipality: the one of the agreement, or the closest CVR."""
    cvr = request.header.authority_context.municipality_cvr
    owner = _by_agreement(sim, request.header.invocation_context.service_agreement_uuid)
    if owner is not None:
        return {
            "kind": "municipality",
            "text": f"MunicipalityCVR {cvr} is no municipality; the ServiceAgreementUUID is "
            f"{_name(owner)}'s",
            "closest": {"kommunekode": owner.kode, "cvr": owner.cvr},
        }
    tenants = {t.cvr: t for t in sim.tenants.all()}
    best = _closest(cvr, sorted(tenants))
    if best is None:
        return {
            "kind": "municipality",
            "text": f"MunicipalityCVR {cvr} is no municipality (GET /admin/tenants lists all 98)",
            "closest": {},
        }
    near = tenants[best]
    return {
        "kind": "municipality",
        "text": f"MunicipalityCVR {cvr} is no municipality; did you mean {best} ({_name(near)})",
        "closest": {"kommunekode": near.kode, "cvr": near.cvr},
    }


def agreement(sim: Simulator, request: Request) -> dict[str, Any] | None:
    """The ServiceAgreementUUID is not the routed municipality's: whose it is, if anyone's."""
    tenant = sim.tenants.by_cvr(request.header.authority_context.municipality_cvr)
    if tenant is None:
        return None
    given = request.header.invocation_context.service_agreement_uuid
    owner = _by_agreement(sim, given)
    closest = {"kommunekode": tenant.kode, "service_agreement_uuid": tenant.service_agreement_uuid}
    if owner is not None:
        return {
            "kind": "agreement",
            "text": f"ServiceAgreementUUID belongs to kommune {owner.kode}, not {tenant.kode} "
            f"(MunicipalityCVR {tenant.cvr} is {tenant.kommune.navn}'s; "
            f"its agreement is {tenant.service_agreement_uuid})",
            "closest": closest,
        }
    return {
        "kind": "agreement",
        "text": f"ServiceAgreementUUID {given} is no municipality's agreement; "
        f"{_name(tenant)} has {tenant.service_agreement_uuid}",
        "closest": closest,
    }


def user_system(sim: Simulator, request: Request) -> dict[str, Any]:
    """The UserSystemUUID has no agreement: the closest configured one."""
    given = request.header.invocation_context.user_system_uuid
    systems = sorted(u.lower() for u in sim.config.user_systems)
    best = _closest(given, systems) or (systems[0] if len(systems) == 1 else None)
    return {
        "kind": "user_system",
        "text": f"UserSystemUUID {given} is not a calling system with an agreement; "
        + (f"did you mean {best}" if best else f"configured: {', '.join(systems)}"),
        "closest": {"user_system_uuid": best} if best else {},
    }


def access(sim: Simulator, request: Request) -> dict[str, Any] | None:
    """The message names another municipality than the one the call is routed to."""
    tenant = sim.tenants.by_cvr(request.header.authority_context.municipality_cvr)
    if tenant is None:
        return None
    for felt, kode in profile_rules.kommunekoder(request.message):
        if kode != tenant.kode:
            other = sim.tenants.get(kode)
            fix = f"; for {kode} call with CVR {other.cvr} and its agreement" if other else ""
            return {
                "kind": "access",
                "text": f"{felt} names kommune {kode}, but MunicipalityCVR {tenant.cvr} routes "
                f"the call to {_name(tenant)}{fix}",
                "closest": {"kommunekode": tenant.kode, "felt": felt},
            }
    return None


# -- schema ---------------------------------------------------------------------------------


def _plain_path(path: str) -> str:
    return _PATH_PREFIX.sub("", _BRACES.sub("", path or ""))


def schema(data: bytes) -> dict[str, Any] | None:
    """The first XSD error of the message: the element's path and what was expected there."""
    root = safexml.parse(data)
    targets: list[etree._Element] = []
    for part in root:
        if not isinstance(part.tag, str):
            continue
        for child in part:
            if isinstance(child.tag, str) and etree.QName(child).namespace in (
                OEIR,
                *SP_NAMESPACES,
            ):
                targets.append(child)
    for target in targets:
        for line, path, message in default_schemas().error_details(target):
            return _schema_miss(line, path, message)
    return None


def _schema_miss(line: int, path: str, message: str) -> dict[str, Any]:
    plain = _plain_path(path)
    text = _BRACES.sub("", message).strip()
    if plain.rstrip("/").endswith("CPRNummer"):
        text = _QUOTED.sub("'…'", text)  # never echo what may be a CPR number
    expected: str | None = None
    if m := _EXPECTED.search(text):
        names = [n.strip() for n in m.group(1).split(",")]
        expected = "element " + " or ".join(names)
    elif m := _TYPE.search(text):
        expected = f"type {m.group(1)}"
    elif m := _FACET.search(text):
        expected = f"{m.group(1)} {m.group(2)}"
    return {
        "kind": "schema",
        "text": f"{plain} (line {line}): {text}",
        "path": plain,
        "expected": expected,
        "closest": {},
    }
