"""Hostile XML: every corpus case is refused with its typed error and FejlKode, never a crash.

No timing assertions: a catastrophic case (an expanded entity, a 10,000-deep
tree) would show as this file running for minutes, not as a flaky number.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from oeir import faults, model, safexml, soap
from oeir.faults import OeirFault, XmlRejected
from oeir.services import SERVICES, Service
from tests.corpus import hostile
from tests.corpus.hostile import HostileCase
from wsgiserve import ServerThread

SERVICE_LIST = list(SERVICES.values())
ALL = [(svc, case) for svc in SERVICE_LIST for case in hostile.cases_for(svc)]
ALL_IDS = [f"{svc.name}-{case.name}" for svc, case in ALL]
PARSE_LEVEL = [c for c in hostile.cases() if c.parse_level]

TYPED = {
    "BeskedForStor": faults.MessageTooLarge,
    "DtdIkkeTilladt": faults.DtdForbidden,
    "BeskedForDyb": faults.MessageTooDeep,
    "UgyldigTegnkodning": faults.InvalidEncoding,
    "MisdannetXml": faults.MalformedXml,
    "UkendtNavnerum": faults.WrongNamespace,
    "UgyldigSoapKonvolut": faults.InvalidEnvelope,
    "SkemaValideringFejlet": faults.SchemaInvalid,
}


def test_corpus_covers_the_promised_cases() -> None:
    names = [c.name for c in hostile.cases()]
    assert len(names) == len(set(names))
    assert set(names) >= hostile.REQUIRED
    for svc in SERVICE_LIST:
        kinds = {c.name.partition(":")[2] for c in hostile.cases_for(svc) if ":" in c.name}
        assert {"no_sp_headers", "wrong_soap_action", "xinclude_in_body"} <= kinds


def test_every_expected_code_is_in_the_catalogue() -> None:
    for _, case in ALL:
        assert case.kode in faults.CATALOGUE, case.name


@pytest.mark.parametrize("service", SERVICE_LIST, ids=[s.name for s in SERVICE_LIST])
def test_the_control_request_is_accepted(service: Service) -> None:
    request = soap.read_request(hostile.valid_envelope(service), service)
    assert request.message == hostile.VALID_REQUESTS[service.name]


@pytest.mark.parametrize("case", PARSE_LEVEL, ids=[c.name for c in PARSE_LEVEL])
def test_safe_parser_refuses_with_a_typed_error(case: HostileCase) -> None:
    with pytest.raises(XmlRejected) as info:
        safexml.parse(case.data)
    assert info.value.kode == case.kode
    assert type(info.value) is TYPED[case.kode]
    assert info.value.faultcode == "Client"


@pytest.mark.parametrize(("service", "case"), ALL, ids=ALL_IDS)
def test_read_request_refuses_with_the_right_fejlkode(service: Service, case: HostileCase) -> None:
    with pytest.raises(OeirFault) as info:
        soap.read_request(case.data, service, soap_action=case.soap_action)
    fault = info.value
    assert fault.kode == case.kode
    if case.kode in TYPED:
        assert isinstance(fault, TYPED[case.kode])
    # The fault must also travel: it serialises and reads back with the same code.
    with pytest.raises(OeirFault) as echoed:
        soap.read_response(soap.fault_envelope(fault), model.OpretFordringSvar)
    assert echoed.value.kode == case.kode
    assert echoed.value.faultcode == fault.faultcode


@pytest.mark.parametrize("case", PARSE_LEVEL, ids=[c.name for c in PARSE_LEVEL])
def test_refusal_never_leaks_file_contents(case: HostileCase) -> None:
    with pytest.raises(OeirFault) as info:
        safexml.parse(case.data)
    text = info.value.tekst_da + info.value.tekst_en
    assert "root:" not in text and "/bin/" not in text


def test_soap12_is_a_version_mismatch_fault() -> None:
    case = next(c for c in hostile.cases() if c.name == "soap12_envelope")
    with pytest.raises(OeirFault) as info:
        soap.read_request(case.data, SERVICES["DebitorForespoergsel"])
    assert info.value.faultcode == "VersionMismatch"


def test_depth_limit_boundary() -> None:
    def nested(levels: int) -> bytes:
        return b"<a>" * levels + b"</a>" * levels

    assert safexml.parse(nested(64)).tag == "a"
    with pytest.raises(faults.MessageTooDeep):
        safexml.parse(nested(65))
    assert safexml.parse(nested(100), max_depth=100).tag == "a"


@pytest.mark.parametrize("levels", [2, 3, 64, 65])
def test_depth_limit_with_the_fewest_tags(levels: int) -> None:
    """An empty innermost element: the fewest '<' a document of this depth can have."""
    doc = b"<a>" * (levels - 1) + b"<a/>" + b"</a>" * (levels - 1)
    if levels > 64:
        with pytest.raises(faults.MessageTooDeep):
            safexml.parse(doc)
    else:
        assert safexml.parse(doc).tag == "a"
    with pytest.raises(faults.MessageTooDeep):
        safexml.parse(doc, max_depth=levels - 1)


def test_size_limit_boundary() -> None:
    doc = b"<a>" + b"x" * 93 + b"</a>"
    assert len(doc) == 100
    assert safexml.parse(doc, max_bytes=100).text == "x" * 93
    with pytest.raises(faults.MessageTooLarge):
        safexml.parse(doc, max_bytes=99)


def test_read_request_honours_a_smaller_size_limit() -> None:
    service = SERVICES["DebitorForespoergsel"]
    data = hostile.valid_envelope(service)
    with pytest.raises(faults.MessageTooLarge):
        soap.read_request(data, service, max_bytes=len(data) - 1)
    assert soap.read_request(data, service, max_bytes=len(data)).operation.name == (
        "HentDebitorkonto"
    )


def test_utf8_bom_alone_is_fine() -> None:
    assert safexml.parse(b"\xef\xbb\xbf<a>\xc3\xa6</a>").text == "æ"


def test_parsed_tree_has_no_entities_or_dtd_even_for_predefined_refs() -> None:
    root = safexml.parse(b"<a>&lt;&amp;&#xE6;</a>")
    assert root.text == "<&æ"
    assert root.getroottree().docinfo.doctype == ""


# --- Fuzzing: whatever the bytes, the only exception is OeirFault ---------------------

_SERVICE = SERVICES["DebitorRegistreringAfsend"]
_SEED = hostile.valid_envelope(_SERVICE)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(_SEED)
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        if action == "flip" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[where:]
        elif action == "insert":
            snippet = draw(
                st.sampled_from(
                    [
                        b"<",
                        b">",
                        b"&",
                        b"&amp;",
                        b"<!DOCTYPE x>",
                        b"]]>",
                        b"\x00",
                        b"<o:X/>",
                        b"</o:Kreditor>",
                        b"\xc3",
                        b"-1.005",
                        b"<![CDATA[x]]>",
                        b"<?pi x?>",
                    ]
                )
            )
            data[where:where] = snippet
        else:
            del data[where : where + draw(st.integers(1, 40))]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_mutated_requests_raise_only_oeirfault(data: bytes) -> None:
    try:
        request = soap.read_request(data, _SERVICE)
    except OeirFault as fault:
        assert fault.kode in faults.CATALOGUE
        soap.fault_envelope(fault)  # and the fault always serialises
        return
    assert isinstance(request.message, model.AnnullerFordring)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_oeirfault(data: bytes) -> None:
    for reader in (
        lambda: soap.read_request(data, _SERVICE),
        lambda: soap.read_response(data, model.OpretFordringSvar),
    ):
        try:
            reader()
        except OeirFault as fault:
            etree.fromstring(soap.fault_envelope(fault))


def test_validation_never_fetches_an_xsi_schema_location() -> None:
    hits: list[str] = []

    def app(environ, start_response):
        hits.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>']

    service = SERVICES["DebitorForespoergsel"]
    with ServerThread(app) as server:
        xsi = "http://www.w3.org/2001/XMLSchema-instance"
        hint = f'xmlns:xsi="{xsi}" xsi:schemaLocation="urn:debitorsim:oeir:sf1590b:1 '
        data = hostile.valid_envelope(service).replace(
            b"<o:HentDebitorkonto>", f'<o:HentDebitorkonto {hint}{server.base_url}/x.xsd">'.encode()
        )
        assert b"xsi:schemaLocation" in data
        assert soap.read_request(data, service).operation.name == "HentDebitorkonto"
    assert hits == []
