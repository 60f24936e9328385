"""The fault catalogue and SOAP 1.1 Faults: what is sent is what the other side reads."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from oeir import faults, model, safexml, schema, soap
from oeir.faults import CATALOGUE, OeirFault
from oeir.namespaces import OEIR, SOAP_ENV

CODES = sorted(CATALOGUE)


def _fejl_element(envelope: bytes) -> etree._Element:
    root = safexml.parse(envelope)
    fejl = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault/detail/{{{OEIR}}}Fejl")
    assert fejl is not None
    return fejl


@pytest.mark.parametrize("kode", CODES)
def test_fault_envelope_reads_back_with_the_same_code_and_texts(kode: str) -> None:
    sent = OeirFault("felt 'Hovedstol' på linje 3", kode=kode, felt="Fordring/Hovedstol")
    envelope = soap.fault_envelope(sent)
    with pytest.raises(OeirFault) as info:
        soap.read_response(envelope, model.OpretFordringSvar)
    got = info.value
    assert got.kode == kode
    assert got.faultcode == CATALOGUE[kode].faultcode
    assert got.tekst_da == sent.tekst_da
    assert got.tekst_en == sent.tekst_en
    assert got.felt == "Fordring/Hovedstol"
    schema.validate(_fejl_element(envelope))


@pytest.mark.parametrize("kode", CODES)
def test_faultcode_is_written_as_a_soap_qname(kode: str) -> None:
    root = safexml.parse(soap.fault_envelope(OeirFault(kode=kode)))
    faultcode = root.findtext(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault/faultcode")
    assert faultcode == f"soap:{CATALOGUE[kode].faultcode}"
    assert root.nsmap["soap"] == SOAP_ENV


def test_catalogue_texts_are_present_and_distinct() -> None:
    entries = list(CATALOGUE.values())
    for d in entries:
        assert d.da.strip() and d.en.strip(), d.kode
        assert d.da != d.en, d.kode
    assert len({d.da for d in entries}) == len(entries)
    assert len({d.en for d in entries}) == len(entries)


def test_catalogue_faultcodes_and_code_syntax() -> None:
    for kode, d in CATALOGUE.items():
        assert d.kode == kode
        # SOAP 1.1's four faultcodes (section 4.4.1)
        assert d.faultcode in {"Client", "Server", "VersionMismatch", "MustUnderstand"}, kode
        assert re.fullmatch(r"[A-Za-z0-9._\-]{1,32}", kode), kode  # KortKodeType


def test_server_faults_are_the_retryable_ones() -> None:
    server = {k for k, d in CATALOGUE.items() if d.faultcode == "Server"}
    assert server == {"TjenesteUtilgaengelig", "InternFejl"}


def test_every_typed_fault_uses_a_catalogue_code() -> None:
    def subclasses(cls: type) -> list[type]:
        return [cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))]

    for cls in subclasses(OeirFault):
        assert cls.KODE in CATALOGUE, cls.__name__
        assert cls().kode == cls.KODE


def test_a_vendors_own_code_is_carried_as_is() -> None:
    fault = OeirFault(kode="OPUS-4711")
    assert fault.faultcode == "Client"
    with pytest.raises(OeirFault) as info:
        soap.read_response(soap.fault_envelope(fault), model.OpretFordringSvar)
    assert info.value.kode == "OPUS-4711"


def test_long_and_unprintable_details_still_make_a_valid_fault() -> None:
    fault = OeirFault("x\x01y\ufffe" + "ø" * 2000, kode="SkemaValideringFejlet", felt="\x0b" * 3)
    envelope = soap.fault_envelope(fault)
    fejl = _fejl_element(envelope)
    schema.validate(fejl)
    assert len(fejl.findtext(f"{{{OEIR}}}FejlTekst")) == 500
    with pytest.raises(OeirFault) as info:
        soap.read_response(envelope, model.OpretFordringSvar)
    assert info.value.kode == "SkemaValideringFejlet"
    assert info.value.tekst_da.startswith("Beskeden overholder ikke skemaet. (x?y?")


def _bare_fault(faultcode: str, detail: str = "") -> bytes:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body><soap:Fault>'
        f"<faultcode>soap:{faultcode}</faultcode><faultstring>Proxy error</faultstring>"
        f"{detail}</soap:Fault></soap:Body></soap:Envelope>"
    ).encode()


@pytest.mark.parametrize(
    ("faultcode", "kode"), [("Server", "InternFejl"), ("Client", "UkendtFejl")]
)
def test_a_fault_without_fejl_detail_still_gets_a_code(faultcode: str, kode: str) -> None:
    with pytest.raises(OeirFault) as info:
        soap.read_response(_bare_fault(faultcode), model.OpretFordringSvar)
    assert info.value.kode == kode
    assert info.value.faultcode == faultcode
    assert "Proxy error" in info.value.tekst_en


def test_a_fault_with_a_broken_fejl_detail_falls_back() -> None:
    detail = f'<detail><o:Fejl xmlns:o="{OEIR}"><o:Ukendt>1</o:Ukendt></o:Fejl></detail>'
    with pytest.raises(OeirFault) as info:
        soap.read_response(_bare_fault("Server", detail), model.OpretFordringSvar)
    assert info.value.kode == "InternFejl"


def test_as_fejl_and_from_fejl_are_inverse() -> None:
    fault = OeirFault("detalje", kode="FordringFindesIkke", felt="FordringId")
    again = OeirFault.from_fejl(fault.as_fejl(), faultcode=fault.faultcode)
    assert (again.kode, again.faultcode, again.tekst_da, again.tekst_en, again.felt) == (
        fault.kode,
        fault.faultcode,
        fault.tekst_da,
        fault.tekst_en,
        fault.felt,
    )


def test_xml_safe_replaces_only_what_xml_cannot_carry() -> None:
    assert faults.xml_safe("æøå\t\n\r😀") == "æøå\t\n\r😀"
    assert faults.xml_safe("a\x00b\x1fc\ud800d\uffff") == "a?b?c?d?"
    assert faults.xml_safe("x" * 10, limit=4) == "xxxx"
