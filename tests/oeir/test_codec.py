"""Codec details the round-trip properties do not pin down on their own."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from lxml import etree

from oeir import codec, model, schema
from oeir.faults import DecodeError, SchemaInvalid
from oeir.namespaces import OEIR, SP_INVOCATION
from oeir.schema import SCHEMA_DIR
from tests.oeir import golden_messages as g

XSD = "{http://www.w3.org/2001/XMLSchema}"


def _global_elements(name: str) -> set[str]:
    root = etree.parse(str(SCHEMA_DIR / name)).getroot()
    return {el.get("name") for el in root.findall(f"{XSD}element")}


def test_messages_are_exactly_the_global_elements_of_the_xsds() -> None:
    sp = ("InvocationContext.xsd", "AuthorityContext.xsd", "CallContext.xsd")
    assert set(codec.MESSAGES) == _global_elements("oeir.xsd").union(*map(_global_elements, sp))
    for name, cls in codec.MESSAGES.items():
        assert cls.__name__ == name


def test_decode_refuses_a_known_name_in_the_wrong_namespace() -> None:
    element = codec.encode(g.REQUESTS["OpretFordring"])
    element.tag = f"{{{SP_INVOCATION}}}OpretFordring"
    with pytest.raises(DecodeError):
        codec.decode(element)


def test_decode_refuses_an_unexpected_child() -> None:
    element = codec.encode(g.RESPONSES["OpretFordring"])
    etree.SubElement(element, f"{{{OEIR}}}Ekstra").text = "x"
    with pytest.raises(DecodeError):
        codec.decode(element)


def test_decode_refuses_a_repeated_single_child() -> None:
    element = codec.encode(g.RESPONSES["OpretFordring"])
    etree.SubElement(element, f"{{{OEIR}}}FordringId").text = "F-2"
    with pytest.raises(DecodeError):
        codec.decode(element)


def test_decode_refuses_a_missing_required_child() -> None:
    element = codec.encode(g.RESPONSES["OpretFordring"])
    element.remove(element[0])
    with pytest.raises(DecodeError):
        codec.decode(element)


def test_non_string_values_are_read_with_whitespace_collapsed_like_the_xsd() -> None:
    element = codec.encode(model.OpretFordring(fordring=g.INSTITUTION))
    element.find(".//{*}SkriftligtAnerkendt").text = "  1\n"
    element.find(".//{*}Forfaldsdato").text = " 2026-11-16 "
    element.find(".//{*}Hovedstol").text = "\t125.0 "
    schema.validate(element)  # the XSD collapses whitespace for these types
    fordring = codec.decode(element).fordring
    assert fordring.skriftligt_anerkendt is True
    assert fordring.forfaldsdato == date(2026, 11, 16)
    assert fordring.hovedstol == 12500


def test_string_values_keep_their_whitespace() -> None:
    fordring = model.OpretFordring(
        fordring=dataclasses.replace(g.INSTITUTION, tekst="  to  mellemrum\n")
    )
    assert codec.decode(codec.encode(fordring)) == fordring


def test_dates_with_a_time_zone_are_refused() -> None:
    element = codec.encode(model.OpretFordring(fordring=g.INSTITUTION))
    element.find(".//{*}Forfaldsdato").text = "2026-11-16+01:00"
    with pytest.raises(SchemaInvalid):
        schema.validate(element)


def test_amounts_are_written_with_two_decimals() -> None:
    element = codec.encode(g.REQUESTS["NedskrivFordring"])
    assert element.findtext(f"{{{OEIR}}}Beloeb") == "125.50"
    assert codec.kroner(-5) == "-0.05"
    assert codec.kroner(0) == "0.00"


def test_to_bytes_is_a_utf8_document_with_the_o_prefix() -> None:
    data = codec.to_bytes(model.OpretFordring(fordring=g.INSTITUTION))
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert f'<o:OpretFordring xmlns:o="{OEIR}">'.encode() in data
    assert "Bøgeskov".encode() in data


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1<!-- -->00.00", 10_000),
        ("1<!---->0<!-- x -->0.5", 10_050),
        ("1<![CDATA[0]]>0", 10_000),
    ],
)
def test_an_amount_split_by_a_comment_or_cdata_is_read_whole(raw: str, expected: int) -> None:
    """The XSD validator joins all text nodes; the codec must book the same amount."""
    message = model.NedskrivFordring(
        kreditor=model.Kreditor(agency_id="DK-710100", kommunekode="101"),
        fordring_id="F-1",
        nedskrivning_id="N-1",
        beloeb=1,
        aarsag=model.NedskrivningAarsag.KULANCE,
    )
    xml = codec.to_bytes(message).decode()
    xml = xml.replace(">0.01<", f">{raw}<").replace(">F-1<", ">F<!--c-->-1<")
    root = etree.fromstring(xml.encode())  # a parser that keeps comments
    schema.validate(root)
    decoded = codec.decode(root)
    assert (decoded.fordring_id, decoded.beloeb) == ("F-1", expected)


def test_an_element_inside_a_simple_value_is_refused() -> None:
    el = etree.fromstring(f'<o:Beloeb xmlns:o="{OEIR}">1<o:X/>00</o:Beloeb>')
    with pytest.raises(DecodeError):
        codec.element_text(el)
