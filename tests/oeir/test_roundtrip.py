"""Hypothesis: encode -> XSD-validate -> decode is the identity, exact to the øre."""

from __future__ import annotations

import dataclasses
import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, localcontext

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from oeir import codec, model, safexml, schema, soap
from oeir.faults import DecodeError, OeirFault
from oeir.namespaces import OEIR, SOAP_ENV
from oeir.services import SERVICES
from tests.oeir import strategies as s

ROUND_TRIP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOP_LEVEL_IDS = [cls.__name__ for cls in codec.TOP_LEVEL]
OPERATIONS = [op for svc in SERVICES.values() for op in svc.operations.values()]


def test_there_is_a_strategy_for_every_model_class() -> None:
    classes = {
        c
        for c in vars(model).values()
        if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == model.__name__
    }
    assert set(s.STRATEGIES) == set(codec.TOP_LEVEL)
    assert set(s.STRATEGIES) | set(s.BUILDING_BLOCKS) == classes


@pytest.mark.parametrize("cls", codec.TOP_LEVEL, ids=TOP_LEVEL_IDS)
def test_encode_validate_decode_is_identity(cls: type) -> None:
    @ROUND_TRIP
    @given(s.STRATEGIES[cls])
    def check(message) -> None:
        element = codec.encode(message)
        schema.validate(element)
        assert codec.decode(element) == message
        # ...and through bytes and the safe parser, the way it travels.
        assert codec.decode(safexml.parse(codec.to_bytes(message))) == message

    check()


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.name for op in OPERATIONS])
def test_request_and_response_round_trip_through_soap_envelopes(operation) -> None:
    service = next(svc for svc in SERVICES.values() if operation.name in svc.operations)

    @ROUND_TRIP
    @given(s.STRATEGIES[operation.request], s.sp_headers, s.STRATEGIES[operation.response])
    def check(request, header, response) -> None:
        got = soap.read_request(soap.request_envelope(request, header), service)
        assert got.operation == operation
        assert got.message == request
        assert got.header == header
        assert soap.read_response(soap.response_envelope(response), operation.response) == response

    check()


def _envelope_built_whole(message) -> bytes:
    """A response envelope built the plain way: every prefix declared, the unused removed."""
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=soap.ENVELOPE_NSMAP)
    etree.SubElement(env, f"{{{SOAP_ENV}}}Body").append(codec.encode(message))
    etree.cleanup_namespaces(env, top_nsmap=soap.ENVELOPE_NSMAP)
    return etree.tostring(env, encoding="UTF-8", xml_declaration=True)


@pytest.mark.parametrize("cls", codec.TOP_LEVEL, ids=TOP_LEVEL_IDS)
def test_response_envelope_is_byte_identical_to_the_plainly_built_one(cls: type) -> None:
    @ROUND_TRIP
    @given(s.STRATEGIES[cls])
    def check(message) -> None:
        expected = _envelope_built_whole(message)
        assert soap.response_envelope(message) == expected
        with ThreadPoolExecutor(1) as other_thread:  # each thread copies its own skeleton
            assert other_thread.submit(soap.response_envelope, message).result() == expected

    check()


def _with_texts(obj, texts):
    """`obj` with every string field (nested ones too) replaced by the next of `texts`."""
    changes = {}
    for f in codec.fields(type(obj)):
        value = getattr(obj, f.name)
        if value is None:
            continue
        items = value if f.repeated else (value,)
        if dataclasses.is_dataclass(f.kind):
            items = tuple(_with_texts(item, texts) for item in items)
        elif f.kind is str:
            items = tuple(next(texts) for _ in items)
        changes[f.name] = items if f.repeated else items[0]
    return dataclasses.replace(obj, **changes)


_AWKWARD_TEXT = st.one_of(
    st.sampled_from(["", " ", "&", "<>", "&amp;", "]]>", "\r\n", "\"'", "æøå €", "\U0001f600"]),
    s.xml_text(0, 40),
)


@pytest.mark.parametrize(
    "cls", [c for c in codec.TOP_LEVEL if codec.namespace(c) == OEIR], ids=lambda c: c.__name__
)
def test_response_envelope_escapes_every_text_as_lxml_does(cls: type) -> None:
    @ROUND_TRIP
    @given(s.STRATEGIES[cls], st.lists(_AWKWARD_TEXT, min_size=1))
    def check(message, texts) -> None:
        message = _with_texts(message, itertools.cycle(texts))
        assert soap.response_envelope(message) == _envelope_built_whole(message)

    check()


@pytest.mark.parametrize("bad", ["\x00", "\x0b", "\x1f", "\ufffe", "\uffff", "\ud800"])
def test_response_envelope_refuses_what_xml_cannot_carry_as_lxml_does(bad: str) -> None:
    message = model.OpretFordringSvar(debitorkontonummer=f"a{bad}b", fordring_id="F-1")
    with pytest.raises(ValueError) as expected:
        _envelope_built_whole(message)
    with pytest.raises(type(expected.value), match=re.escape(str(expected.value))):
        soap.response_envelope(message)


@settings(max_examples=60, deadline=None)
@given(s.STRATEGIES[model.Fejl])
def test_fault_detail_round_trips_through_a_fault_envelope(fejl: model.Fejl) -> None:
    fault = OeirFault.from_fejl(fejl, faultcode="Client")
    with pytest.raises(OeirFault) as info:
        soap.read_response(soap.fault_envelope(fault), model.OpretFordringSvar)
    assert info.value.as_fejl() == fejl


@settings(max_examples=200, deadline=None)
@given(s.haendelser())
def test_haendelse_strategy_sets_exactly_one_kind(h: model.Haendelse) -> None:
    assert sum(getattr(h, a) is not None for a in model.HAENDELSE_ARTER) == 1


@settings(max_examples=200, deadline=None)
@given(s.debitorer)
def test_debitor_strategy_sets_cpr_xor_cvr(d: model.Debitor) -> None:
    assert (d.cpr_nummer is None) != (d.cvr_nummer is None)


# --- Amounts, exact to the øre ---------------------------------------------------------

_KRONER = re.compile(r"-?(0|[1-9][0-9]*)\.[0-9]{2}")


@settings(max_examples=500)
@given(st.integers(-(10**20), 10**20))
def test_kroner_then_oere_is_identity(amount: int) -> None:
    text = codec.kroner(amount)
    assert _KRONER.fullmatch(text)
    assert Decimal(text) * 100 == amount  # an independent oracle for the text
    assert codec.oere(text) == amount


@settings(max_examples=500)
@given(st.decimals(places=2, min_value=-(10**13), max_value=10**13, allow_nan=False))
def test_oere_reads_any_two_decimal_amount_exactly(value: Decimal) -> None:
    assert codec.oere(str(value)) == int(value * 100)
    assert codec.oere(f"{value:f}0") == int(value * 100)  # trailing zeros are still exact


@settings(max_examples=300)
@given(st.integers(-(10**12), 10**12), st.integers(1, 9))
def test_oere_refuses_a_third_decimal(oere: int, third: int) -> None:
    text = f"{codec.kroner(oere)}{third}"
    with pytest.raises(DecodeError):
        codec.oere(text)


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_oere_raises_only_decode_error_on_any_text(text: str) -> None:
    try:
        value = codec.oere(text)
    except DecodeError:
        return
    assert isinstance(value, int)
    with localcontext() as exact:
        exact.prec = 100  # the default 28 digits would round where oere() does not
        assert Decimal(text.strip()) * 100 == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.01", 1),
        ("-0.01", -1),
        ("+1", 100),
        ("1.", 100),
        (".5", 50),
        ("1.500", 150),
        (" 7.25 ", 725),
    ],
)
def test_oere_accepts_every_xsd_decimal_form(text: str, expected: int) -> None:
    assert codec.oere(text) == expected


@pytest.mark.parametrize("text", ["", ".", "-", "1e2", "NaN", "Infinity", "1,50", "0x10", "1.2.3"])
def test_oere_refuses_non_decimals(text: str) -> None:
    with pytest.raises(DecodeError):
        codec.oere(text)


# --- Datetimes on the wire -----------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(s.haendelser())
def test_naive_datetime_is_refused_on_encode(h: model.Haendelse) -> None:
    naive = dataclasses.replace(h, tidspunkt=datetime(2026, 11, 24, 2, 15))
    with pytest.raises(ValueError, match="naive"):
        codec.encode(model.RegistrerDaekningAfskrivning(haendelser=(naive,)))


@settings(max_examples=20, deadline=None)
@given(s.haendelser())
def test_datetime_without_offset_is_refused_by_xsd_and_decoder(h: model.Haendelse) -> None:
    element = codec.encode(model.RegistrerDaekningAfskrivning(haendelser=(h,)))
    element.find(".//{*}Tidspunkt").text = "2026-11-24T02:15:00"
    with pytest.raises(OeirFault) as info:
        schema.validate(element)
    assert info.value.kode == "SkemaValideringFejlet"
    with pytest.raises(DecodeError):
        codec.decode(element)


@settings(max_examples=20, deadline=None)
@given(s.fordringer)
def test_decode_refuses_building_blocks_as_top_level_elements(fordring: model.Fordring) -> None:
    element = codec.encode(fordring)
    with pytest.raises(DecodeError):
        codec.decode(element)


def test_datetime_with_sub_minute_offset_is_sent_in_utc() -> None:
    odd = timezone(timedelta(minutes=50, seconds=20))  # Copenhagen's LMT before 1894
    h = model.Haendelse(
        haendelse_id="E1",
        tidspunkt=datetime(2026, 1, 1, 12, 0, tzinfo=odd),
        kreditor=model.Kreditor(agency_id="DK-710100", kommunekode="101"),
        debitorkontonummer="K1",
        debitorkonto_lukket=model.DebitorkontoLukket(lukkedato=date(2026, 1, 1)),
    )
    element = codec.encode(model.RegistrerDaekningAfskrivning(haendelser=(h,)))
    assert element.find(".//{*}Tidspunkt").text == "2026-01-01T11:09:40+00:00"
    schema.validate(element)
    assert codec.decode(element).haendelser[0].tidspunkt == h.tidspunkt
