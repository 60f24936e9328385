"""Serviceplatformen as it really is: SP's own context namespaces, where real adapters put them.

The envelopes here are written by hand, as a vendor's adapter (or SP's own demo client)
writes them: the context blocks in SP's real namespaces, as SOAP header blocks or as
children of the request element; SOAP 1.1's header attributes; and every way of getting
them wrong, each refused with a FejlKode that names the element and where it belongs.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import requests
from lxml import etree
from werkzeug.test import EnvironBuilder, run_wsgi_app

from oeir import codec, kommuner, model, safexml, soap
from oeir.faults import MessageTooLarge, OeirFault
from oeir.namespaces import OEIR, SOAP_ENV, SP_AUTHORITY, SP_CALL, SP_INVOCATION, WSU
from oeir.services import DEBITOR_REGISTRERING
from simulators import replay
from simulators.tenants import Tenant
from tests.conftest import Served
from tests.simulators.conftest import tenant_for
from tests.simulators.helpers import fordring

PATH = DEBITOR_REGISTRERING.path
ACTION = DEBITOR_REGISTRERING.operations["OpretFordring"].soap_action
CPR = "1502851111"
OLD_NAMESPACE = "urn:debitorsim:serviceplatformen:1"


def invocation(
    tenant: Tenant, call_id: str | None, *, ns: str = SP_INVOCATION, attrs: str = ""
) -> str:
    """An InvocationContext as a vendor writes it: own prefix, SP's xsd:all in another order."""
    call = (
        f"<ic:CallersServiceCallIdentifier>{call_id}</ic:CallersServiceCallIdentifier>"
        if call_id is not None
        else ""
    )
    return (
        f'<ic:InvocationContext xmlns:ic="{ns}"{attrs}>'
        f"<ic:ServiceUUID>{kommuner.service_uuid(DEBITOR_REGISTRERING.name)}</ic:ServiceUUID>"
        f"{call}"
        f"<ic:UserUUID>00000000-0000-4000-8000-0000000000aa</ic:UserUUID>"
        f"<ic:OnBehalfOfUser>bibliotekar@kommune.dk</ic:OnBehalfOfUser>"
        f"<ic:UserSystemUUID>{kommuner.FBS_USER_SYSTEM_UUID}</ic:UserSystemUUID>"
        f"<ic:ServiceAgreementUUID>{tenant.service_agreement_uuid}</ic:ServiceAgreementUUID>"
        f"</ic:InvocationContext>"
    )


def authority(cvr: str, *, attrs: str = "") -> str:
    """An AuthorityContext for the municipality with CVR `cvr`."""
    return (
        f'<ac:AuthorityContext xmlns:ac="{SP_AUTHORITY}"{attrs}>'
        f"<ac:MunicipalityCVR>{cvr}</ac:MunicipalityCVR></ac:AuthorityContext>"
    )


def call_context(call_id: str) -> str:
    """A CallContext carrying a call id."""
    return (
        f'<cc:CallContext xmlns:cc="{SP_CALL}">'
        f"<cc:CallersServiceCallIdentifier>{call_id}</cc:CallersServiceCallIdentifier>"
        f"</cc:CallContext>"
    )


def request_element(tenant: Tenant, fid: str, inside: str = "", kode: str | None = None) -> str:
    """<o:OpretFordring>, with `inside` (context blocks) before its Fordring."""
    msg = model.OpretFordring(fordring=fordring(fid, kommunekode=kode or tenant.kode, cpr=CPR))
    element = codec.encode(msg)
    text = etree.tostring(element, encoding="unicode")
    head, sep, rest = text.partition(">")
    return f"{head}{sep}{inside}{rest}"


def envelope(header: str | None, body: str) -> bytes:
    """A SOAP 1.1 envelope; no soap:Header when `header` is None."""
    head = f"<soap:Header>{header}</soap:Header>" if header is not None else ""
    return (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}">{head}<soap:Body>{body}</soap:Body></soap:Envelope>'
    ).encode()


def post(served: Served, data: bytes | Iterator[bytes]) -> requests.Response:
    """POST a request with OpretFordring's SOAPAction."""
    return requests.post(
        served.base_url + PATH,
        data=data,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{ACTION}"'},
        timeout=10,
    )


def ok(r: requests.Response) -> model.OpretFordringSvar:
    """The answer of an accepted call."""
    assert r.status_code == 200, r.text
    return soap.read_response(r.content, model.OpretFordringSvar)


def fault(r: requests.Response) -> OeirFault:
    """The SOAP Fault of a refused call (always HTTP 500, text/xml)."""
    assert r.status_code == 500, r.status_code
    assert r.headers["Content-Type"].startswith("text/xml")
    with pytest.raises(OeirFault) as err:
        soap.read_response(r.content, model.OpretFordringSvar)
    return err.value


@pytest.fixture(scope="module")
def opus(served: Served) -> Tenant:
    """A municipality on KMD Opus."""
    return tenant_for(served.sim, "opus")


@pytest.fixture(scope="module")
def other(served: Served, opus: Tenant) -> Tenant:
    """Another municipality (on another system)."""
    return next(t for t in served.sim.tenants.for_system("eg") if t.kode != opus.kode)


# --- Acceptance: the real namespaces, both placements -----------------------------------


@pytest.mark.parametrize("placement", ["header", "body", "split"])
def test_real_sp_namespaces_succeed_for_the_right_municipality(
    placement: str, served: Served, opus: Tenant
) -> None:
    fid = f"SP-OK-{placement}"
    ic, ac = invocation(opus, f"sp-ok-{placement}"), authority(opus.cvr)
    data = {
        "header": envelope(ic + ac, request_element(opus, fid)),
        "body": envelope(None, request_element(opus, fid, inside=ic + ac)),
        "split": envelope(ic, request_element(opus, fid, inside=ac)),
    }[placement]
    assert ok(post(served, data)).fordring_id == fid
    assert served.sim.ledger.claim(opus.kode, fid) is not None


@pytest.mark.parametrize("placement", ["header", "body"])
def test_real_sp_namespaces_are_refused_for_the_wrong_municipality(
    placement: str, served: Served, opus: Tenant, other: Tenant
) -> None:
    # Opus's service agreement, but AuthorityContext names another municipality.
    fid = f"SP-WRONG-{placement}"
    ic, ac = invocation(opus, f"sp-wrong-{placement}"), authority(other.cvr)
    if placement == "header":
        data = envelope(ic + ac, request_element(opus, fid, kode=other.kode))
    else:
        data = envelope(None, request_element(opus, fid, inside=ic + ac, kode=other.kode))
    got = fault(post(served, data))
    assert (got.kode, got.felt) == ("IngenServiceaftale", "InvocationContext/ServiceAgreementUUID")
    # The right municipality in AuthorityContext, but the claim is for the other one.
    right = envelope(
        invocation(opus, None) + authority(opus.cvr), request_element(opus, fid, kode=other.kode)
    )
    assert fault(post(served, right)).kode == "AdgangNaegtet"
    assert served.sim.ledger.claim(other.kode, fid) is None
    assert served.sim.ledger.claim(opus.kode, fid) is None


# --- Standard SOAP header handling --------------------------------------------------------


def test_must_understand_actor_and_wsu_id_are_allowed_on_the_context_blocks(
    served: Served, opus: Tenant
) -> None:
    attrs = (
        f' xmlns:s="{SOAP_ENV}" xmlns:wsu="{WSU}" s:mustUnderstand="1"'
        ' s:actor="http://schemas.xmlsoap.org/soap/actor/next" wsu:Id="id-1"'
    )
    header = invocation(opus, "sp-attrs", attrs=attrs) + authority(opus.cvr, attrs=attrs)
    assert ok(post(served, envelope(header, request_element(opus, "SP-ATTRS")))).fordring_id


def test_an_unknown_block_that_must_be_understood_gets_a_must_understand_fault(
    served: Served, opus: Tenant
) -> None:
    unknown = (
        f'<x:Sikkerhed xmlns:x="urn:example:security" xmlns:s="{SOAP_ENV}" s:mustUnderstand="1"/>'
    )
    header = unknown + invocation(opus, "sp-mu") + authority(opus.cvr)
    r = post(served, envelope(header, request_element(opus, "SP-MU")))
    got = fault(r)
    assert got.kode == "SoapHeaderIkkeForstaaet" and got.faultcode == "MustUnderstand"
    assert b"<faultcode>soap:MustUnderstand</faultcode>" in r.content
    assert "urn:example:security" in got.tekst_en
    assert served.sim.ledger.claim(opus.kode, "SP-MU") is None


@pytest.mark.parametrize(
    "attrs",
    ['s:mustUnderstand="0"', 's:mustUnderstand="1" s:actor="urn:example:some-proxy"', ""],
)
def test_unknown_blocks_not_for_us_or_optional_are_ignored(
    attrs: str, served: Served, opus: Tenant
) -> None:
    unknown = f'<x:Sporing xmlns:x="urn:example:trace" xmlns:s="{SOAP_ENV}" {attrs}>1</x:Sporing>'
    fid = f"SP-IGN-{len(attrs)}"
    header = unknown + invocation(opus, fid) + authority(opus.cvr)
    assert ok(post(served, envelope(header, request_element(opus, fid)))).fordring_id == fid


def test_a_bad_must_understand_value_is_a_bad_envelope(served: Served, opus: Tenant) -> None:
    attrs = f' xmlns:s="{SOAP_ENV}" s:mustUnderstand="maybe"'
    header = invocation(opus, "sp-bad-mu", attrs=attrs) + authority(opus.cvr)
    got = fault(post(served, envelope(header, request_element(opus, "SP-BAD-MU"))))
    assert got.kode == "UgyldigSoapKonvolut" and "mustUnderstand" in got.tekst_en


@pytest.mark.parametrize(
    "where, expected",
    [
        ("header twice", "InvocationContext given twice in soap:Header"),
        ("header and body", "InvocationContext given in soap:Header and in <OpretFordring>"),
        ("body twice", "InvocationContext given twice in <OpretFordring>"),
    ],
)
def test_a_context_block_given_twice_is_refused(
    where: str, expected: str, served: Served, opus: Tenant
) -> None:
    ic, ac = invocation(opus, "sp-dup"), authority(opus.cvr)
    data = {
        "header twice": envelope(ic + ic + ac, request_element(opus, "SP-DUP")),
        "header and body": envelope(ic + ac, request_element(opus, "SP-DUP", inside=ic)),
        "body twice": envelope(None, request_element(opus, "SP-DUP", inside=ic + ac + ic)),
    }[where]
    got = fault(post(served, data))
    assert (got.kode, got.felt) == ("SoapHeaderGentaget", "InvocationContext")
    assert expected in got.tekst_en and expected in got.tekst_da
    assert served.sim.ledger.claim(opus.kode, "SP-DUP") is None


def test_a_missing_block_is_named_with_where_it_was_expected(served: Served, opus: Tenant) -> None:
    got = fault(post(served, envelope(invocation(opus, "x"), request_element(opus, "SP-MISS"))))
    assert (got.kode, got.felt) == ("ManglendeSoapHeader", "AuthorityContext")
    assert (
        f"AuthorityContext ({SP_AUTHORITY}) is missing: expected in soap:Header "
        "or as a child of <OpretFordring>"
    ) in got.tekst_en


def test_the_old_invented_namespace_is_refused_and_named(served: Served, opus: Tenant) -> None:
    header = invocation(opus, "x", ns=OLD_NAMESPACE) + authority(opus.cvr)
    got = fault(post(served, envelope(header, request_element(opus, "SP-OLD"))))
    assert (got.kode, got.felt) == ("ManglendeSoapHeader", "InvocationContext")
    assert f"{{{OLD_NAMESPACE}}}InvocationContext in soap:Header: wrong namespace" in got.tekst_en


def test_a_block_directly_in_the_body_is_misplaced(served: Served, opus: Tenant) -> None:
    body = invocation(opus, "x") + request_element(opus, "SP-STRAY")
    got = fault(post(served, envelope(authority(opus.cvr), body)))
    assert (got.kode, got.felt) == ("SoapHeaderForkertPlaceret", "InvocationContext")
    assert "directly in soap:Body; expected in soap:Header or as a child of <OpretFordring>" in (
        got.tekst_en
    )


# --- CallersServiceCallIdentifier is optional; CallContext may carry it -------------------


def test_a_call_without_a_call_id_runs_and_is_not_recorded(served: Served, opus: Tenant) -> None:
    header = invocation(opus, None) + authority(opus.cvr)
    assert ok(post(served, envelope(header, request_element(opus, "SP-NOID")))).fordring_id
    ic = model.InvocationContext(
        service_agreement_uuid=opus.service_agreement_uuid,
        user_system_uuid=kommuner.FBS_USER_SYSTEM_UUID,
        user_uuid=opus.service_agreement_uuid,
        service_uuid=opus.service_agreement_uuid,
        callers_service_call_identifier=" ",
    )
    header_model = model.SpHeader(
        invocation_context=ic, authority_context=model.AuthorityContext(municipality_cvr=opus.cvr)
    )
    assert replay.call_key(header_model, DEBITOR_REGISTRERING.name, opus.kode) is None


def test_call_context_carries_the_call_id_for_replay(served: Served, opus: Tenant) -> None:
    header = invocation(opus, None) + authority(opus.cvr) + call_context("sp-cc-1")
    first = post(served, envelope(header, request_element(opus, "SP-CC-1")))
    assert ok(first).fordring_id == "SP-CC-1"
    again = post(served, envelope(header, request_element(opus, "SP-CC-1")))
    assert again.content == first.content  # a retry: the first answer, verbatim
    other = fault(post(served, envelope(header, request_element(opus, "SP-CC-2"))))
    assert other.kode == "KaldIdAlleredeBrugt"


def test_call_context_and_invocation_context_must_agree(served: Served, opus: Tenant) -> None:
    header = invocation(opus, "sp-a") + authority(opus.cvr) + call_context("sp-b")
    got = fault(post(served, envelope(header, request_element(opus, "SP-CONFLICT"))))
    assert (got.kode, got.felt) == (
        "SoapHeaderGentaget",
        "CallContext/CallersServiceCallIdentifier",
    )


# --- HTTP: HEAD, and the size limit --------------------------------------------------------


def test_head_on_a_service_answers_like_get(served: Served) -> None:
    for query in ("", "?wsdl"):
        get = requests.get(served.base_url + PATH + query, timeout=10)
        head = requests.head(served.base_url + PATH + query, timeout=10)
        assert (head.status_code, head.headers["Content-Type"]) == (
            get.status_code,
            get.headers["Content-Type"],
        )
        assert head.content == b""
    assert requests.head(served.base_url + PATH + "?wsdl", timeout=10).status_code == 200


def test_an_oversized_chunked_body_is_a_500_fault(served: Served) -> None:
    limit = served.sim.config.max_request_bytes

    def chunks() -> Iterator[bytes]:
        yield b"<soap:Envelope>"
        for _ in range(limit // 4096 + 2):
            yield b"x" * 4096

    got = fault(post(served, chunks()))
    assert got.kode == "BeskedForStor"


class CountingStream(io.RawIOBase):
    """An endless body that counts what is read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        n = min(len(buffer), 1000)
        buffer[:n] = b"x" * n
        self.read_bytes += n
        return n


def test_read_at_most_stops_just_past_the_limit() -> None:
    stream = CountingStream()
    with pytest.raises(MessageTooLarge):
        safexml.read_at_most(stream, 10_000)
    assert stream.read_bytes <= 10_001
    assert safexml.read_at_most(io.BytesIO(b"a" * 10_000), 10_000) == b"a" * 10_000


def test_an_unannounced_body_is_read_no_further_than_the_limit(served: Served) -> None:
    """A chunked body (no Content-Length) is read up to the limit, not to its end."""
    stream = CountingStream()
    limit = served.sim.config.max_request_bytes
    environ = EnvironBuilder(path=PATH, method="POST", content_type="text/xml").get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"wsgi.input": stream, "wsgi.input_terminated": True})
    body, status, _ = run_wsgi_app(served.app, environ, buffered=True)
    assert status.startswith("500")
    assert b"BeskedForStor" in b"".join(body)
    assert limit < stream.read_bytes <= limit + 1 + 64 * 1024  # at most one read past it


def test_the_body_placement_leaves_the_message_unchanged() -> None:
    tenant_ic = model.InvocationContext(
        service_agreement_uuid="00000000-0000-4000-8000-000000000001",
        user_system_uuid=kommuner.FBS_USER_SYSTEM_UUID,
        user_uuid="00000000-0000-4000-8000-000000000002",
        service_uuid=kommuner.service_uuid(DEBITOR_REGISTRERING.name),
        callers_service_call_identifier="c-1",
    )
    header = model.SpHeader(
        invocation_context=tenant_ic,
        authority_context=model.AuthorityContext(municipality_cvr="29189846"),
    )
    msg = model.OpretFordring(fordring=fordring("B-1", kommunekode="147", cpr=CPR))
    element = codec.encode(msg)
    element.insert(0, codec.encode(header.authority_context))
    element.insert(0, codec.encode(header.invocation_context))
    data = envelope(None, etree.tostring(element, encoding="unicode"))
    request = soap.read_request(data, DEBITOR_REGISTRERING)
    assert (request.header, request.message) == (header, msg)
    assert etree.QName(element).namespace == OEIR
