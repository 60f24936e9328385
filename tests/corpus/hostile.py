"""A reusable corpus of hostile and broken SOAP requests, each with the FejlKode it must get.

Every case is plain bytes, so the same corpus can be fed to `oeir.safexml.parse`
and `oeir.soap.read_request` in unit tests and replayed over HTTP against every
endpoint of the test bed. `CASES` holds the cases that fail the same way on any
service; `cases_for(service)` adds the ones that need a valid operation of that
service (a request without Serviceplatformen headers, a wrong SOAPAction, an
XInclude in the body).

Envelope-shaped cases carry a valid Serviceplatformen header for København, so
an endpoint that checks the header first still reaches the hostile part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from oeir import kommuner, model, soap
from oeir.namespaces import OEIR, SOAP12_ENV, SOAP_ENV, SP_AUTHORITY, SP_INVOCATION
from oeir.services import SERVICES, Service


@dataclass(frozen=True, slots=True)
class HostileCase:
    """One hostile request: a stable name, the raw bytes, and the FejlKode it must produce."""

    name: str
    data: bytes
    kode: str
    soap_action: str | None = None
    parse_level: bool = False
    """True when `oeir.safexml.parse` alone must refuse it (before any SOAP handling)."""

    def __repr__(self) -> str:  # 10 MB of bytes must not end up in a test report
        return f"HostileCase({self.name!r}, {len(self.data)} bytes, {self.kode!r})"


KOMMUNE = kommuner.by_kode()["101"]


def sp_header(service: Service, call_id: str = "hostile-1") -> model.SpHeader:
    """A valid Serviceplatformen header from FBS to København for `service`."""
    return model.SpHeader(
        invocation_context=model.InvocationContext(
            service_agreement_uuid=KOMMUNE.service_agreement_uuid,
            user_system_uuid=kommuner.FBS_USER_SYSTEM_UUID,
            user_uuid="7c1e2f64-3b9a-4d5e-8f10-2a3b4c5d6e7f",
            service_uuid=kommuner.service_uuid(service.name),
            callers_service_call_identifier=call_id,
        ),
        authority_context=model.AuthorityContext(municipality_cvr=KOMMUNE.cvr),
    )


_KREDITOR = model.Kreditor(agency_id="DK-710100", kommunekode="101")

VALID_REQUESTS: dict[str, Any] = {
    "DebitorRegistreringAfsend": model.AnnullerFordring(
        kreditor=_KREDITOR, fordring_id="FBS-101-999001", aarsag=model.AnnulleringAarsag.KULANCE
    ),
    "DaekningAfskrivningRegistreringAfsend": model.RegistrerDaekningAfskrivning(
        haendelser=(
            model.Haendelse(
                haendelse_id="HOSTILE-EV-1",
                tidspunkt=datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
                kreditor=_KREDITOR,
                debitorkontonummer="KK-DEB-999001",
                debitorkonto_lukket=model.DebitorkontoLukket(lukkedato=date(2026, 11, 23)),
            ),
        )
    ),
    "DebitorForespoergsel": model.HentDebitorkonto(
        kommunekode="101", debitorkontonummer="KK-DEB-999001"
    ),
    "DebitorIndbetalingAfsend": model.SoegDelfordringTilIndbetaling(
        kommunekode="101", debitor=model.Debitor(cpr_nummer="1502803456")
    ),
}
"""A small valid request per service: the control every endpoint must accept."""


def valid_envelope(service: Service) -> bytes:
    """A complete, valid request envelope for `service` (the control case)."""
    return soap.request_envelope(VALID_REQUESTS[service.name], sp_header(service))


_HEADER = (
    f'<soap:Header xmlns:ic="{SP_INVOCATION}" xmlns:ac="{SP_AUTHORITY}"><ic:InvocationContext>'
    f"<ic:ServiceAgreementUUID>{KOMMUNE.service_agreement_uuid}</ic:ServiceAgreementUUID>"
    f"<ic:UserSystemUUID>{kommuner.FBS_USER_SYSTEM_UUID}</ic:UserSystemUUID>"
    "<ic:UserUUID>7c1e2f64-3b9a-4d5e-8f10-2a3b4c5d6e7f</ic:UserUUID>"
    f"<ic:ServiceUUID>{kommuner.service_uuid('DebitorForespoergsel')}</ic:ServiceUUID>"
    "<ic:CallersServiceCallIdentifier>hostile-1</ic:CallersServiceCallIdentifier>"
    "</ic:InvocationContext><ac:AuthorityContext>"
    f"<ac:MunicipalityCVR>{KOMMUNE.cvr}</ac:MunicipalityCVR>"
    "</ac:AuthorityContext></soap:Header>"
)

_HENT = (
    f'<o:HentDebitorkonto xmlns:o="{OEIR}"><o:Kommunekode>101</o:Kommunekode>'
    "<o:Debitorkontonummer>{value}</o:Debitorkontonummer></o:HentDebitorkonto>"
)


def _envelope(body: str, *, prolog: str = "", declaration: str = "", ns: str = SOAP_ENV) -> str:
    return (
        f'{declaration}{prolog}<soap:Envelope xmlns:soap="{ns}">'
        f"{_HEADER if ns == SOAP_ENV else ''}<soap:Body>{body}</soap:Body></soap:Envelope>"
    )


def _hent(value: str) -> str:
    return _HENT.replace("{value}", value)


_DECL = '<?xml version="1.0" encoding="UTF-8"?>'


def _billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    prolog = f"<!DOCTYPE soap:Envelope [{''.join(entities)}]>"
    return _envelope(_hent("&lol9;"), prolog=prolog, declaration=_DECL).encode()


def _quadratic_blowup() -> bytes:
    prolog = f'<!DOCTYPE soap:Envelope [<!ENTITY a "{"A" * 50_000}">]>'
    return _envelope(_hent("&a;" * 20_000), prolog=prolog, declaration=_DECL).encode()


def _deep(levels: int) -> bytes:
    inner = "<o:X>" * levels + "</o:X>" * levels
    return _envelope(f'<o:HentDebitorkonto xmlns:o="{OEIR}">{inner}</o:HentDebitorkonto>').encode()


def _ten_mb() -> bytes:
    filler = "Æbleskiver og rødgrød med fløde. " * (10 * 1024 * 1024 // 36 + 1)
    return _envelope(_hent("KK-DEB-1") + f"<!-- {filler} -->").encode()


def _two_elements() -> str:
    return _hent("KK-DEB-1") + _hent("KK-DEB-2")


@cache
def _cases() -> tuple[HostileCase, ...]:
    xxe = '<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    external = '<!DOCTYPE soap:Envelope SYSTEM "http://127.0.0.1:9/evil.dtd">'
    parameter = (
        '<!DOCTYPE soap:Envelope [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd">%remote;]>'
    )
    latin1 = _envelope(_hent("KK-DEB-1"), declaration=_DECL).replace("UTF-8", "ISO-8859-1")
    utf16 = _envelope(_hent("KK-DEB-1"), declaration=_DECL.replace("UTF-8", "UTF-16"))
    soap12 = _envelope(_hent("KK-DEB-1"), ns=SOAP12_ENV)
    wrong_ns = _envelope(_hent("KK-DEB-1").replace(OEIR, "urn:evil:oeir:1"))
    no_envelope = _hent("KK-DEB-1")
    return (
        HostileCase(
            "xxe_file_read",
            _envelope(_hent("&xxe;"), prolog=xxe, declaration=_DECL).encode(),
            "DtdIkkeTilladt",
            parse_level=True,
        ),
        HostileCase(
            "external_dtd",
            _envelope(_hent("KK-DEB-1"), prolog=external, declaration=_DECL).encode(),
            "DtdIkkeTilladt",
            parse_level=True,
        ),
        HostileCase(
            "external_parameter_entity",
            _envelope(_hent("KK-DEB-1"), prolog=parameter, declaration=_DECL).encode(),
            "DtdIkkeTilladt",
            parse_level=True,
        ),
        HostileCase("billion_laughs", _billion_laughs(), "DtdIkkeTilladt", parse_level=True),
        HostileCase("quadratic_blowup", _quadratic_blowup(), "DtdIkkeTilladt", parse_level=True),
        HostileCase(
            "undeclared_entity",
            _envelope(_hent("&xxe;")).encode(),
            "MisdannetXml",
            parse_level=True,
        ),
        HostileCase("body_10_mb", _ten_mb(), "BeskedForStor", parse_level=True),
        HostileCase("nesting_10000_deep", _deep(10_000), "BeskedForDyb", parse_level=True),
        HostileCase("nesting_65_deep", _deep(62), "BeskedForDyb", parse_level=True),
        HostileCase(
            "invalid_utf8",
            _envelope(_hent("KK-DEB-1")).encode().replace(b"KK-DEB-1", b"KK-\xff\xfe-1"),
            "UgyldigTegnkodning",
            parse_level=True,
        ),
        HostileCase(
            "overlong_utf8_slash",
            _envelope(_hent("KK-DEB-1")).encode().replace(b"KK-DEB-1", b"KK\xc0\xafDEB"),
            "UgyldigTegnkodning",
            parse_level=True,
        ),
        HostileCase(
            "latin1_declared",
            latin1.replace("KK-DEB-1", "KK-DEB-\u00e6").encode("latin-1"),
            "UgyldigTegnkodning",
            parse_level=True,
        ),
        HostileCase(
            "bom_then_latin1_declared",
            b"\xef\xbb\xbf" + latin1.encode("utf-8"),
            "UgyldigTegnkodning",
            parse_level=True,
        ),
        HostileCase(
            "utf16_with_bom", utf16.encode("utf-16"), "UgyldigTegnkodning", parse_level=True
        ),
        HostileCase(
            "utf16le_without_bom",
            _envelope(_hent("KK-DEB-1")).encode("utf-16-le"),
            "UgyldigTegnkodning",
            parse_level=True,
        ),
        HostileCase("empty_document", b"", "MisdannetXml", parse_level=True),
        HostileCase(
            "not_xml", b'{"fordring": "JSON is not SOAP"}', "MisdannetXml", parse_level=True
        ),
        HostileCase(
            "truncated",
            _envelope(_hent("KK-DEB-1")).encode()[:-40],
            "MisdannetXml",
            parse_level=True,
        ),
        HostileCase("wrong_namespace", wrong_ns.encode(), "UkendtNavnerum"),
        HostileCase("soap12_envelope", soap12.encode(), "SoapVersionIkkeUnderstoettet"),
        HostileCase("empty_soap_body", _envelope("").encode(), "UgyldigSoapKonvolut"),
        HostileCase(
            "body_with_two_elements", _envelope(_two_elements()).encode(), "UgyldigSoapKonvolut"
        ),
        HostileCase("no_envelope", no_envelope.encode(), "UgyldigSoapKonvolut"),
        HostileCase(
            "body_before_header",
            _envelope(_hent("KK-DEB-1"))
            .replace(_HEADER, "")
            .replace("</soap:Body>", f"</soap:Body>{_HEADER}")
            .encode(),
            "UgyldigSoapKonvolut",
        ),
    )


def cases() -> tuple[HostileCase, ...]:
    """The cases that fail the same way on every service."""
    return _cases()


def cases_for(service: Service) -> tuple[HostileCase, ...]:
    """`cases()` plus the cases that need a valid operation of `service`."""
    operation = type(VALID_REQUESTS[service.name]).__name__
    valid = valid_envelope(service).decode()
    # An envelope with the request in its Body and no Header (what response_envelope writes).
    headerless = soap.response_envelope(VALID_REQUESTS[service.name])
    xinclude = (
        '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
        'href="file:///etc/passwd" parse="text"/>'
    )
    return (
        *cases(),
        HostileCase(f"{service.name}:no_sp_headers", headerless, "ManglendeSoapHeader"),
        HostileCase(
            f"{service.name}:wrong_soap_action",
            valid.encode(),
            "ForkertSoapAction",
            soap_action=f"{OEIR}:SletAlleFordringer",
        ),
        HostileCase(
            f"{service.name}:xinclude_in_body",
            valid.replace(f"</o:{operation}>", f"{xinclude}</o:{operation}>").encode(),
            "SkemaValideringFejlet",
        ),
    )


def all_cases() -> dict[str, tuple[HostileCase, ...]]:
    """Every service's full list of cases, by service name."""
    return {name: cases_for(service) for name, service in SERVICES.items()}


REQUIRED = frozenset(
    {
        "xxe_file_read",
        "external_dtd",
        "billion_laughs",
        "quadratic_blowup",
        "body_10_mb",
        "nesting_10000_deep",
        "invalid_utf8",
        "utf16_with_bom",
        "latin1_declared",
        "wrong_namespace",
        "soap12_envelope",
        "empty_document",
        "not_xml",
        "body_with_two_elements",
    }
)
"""Case names the contract promises to cover (tests check they exist)."""
