"""The generated decoders (`codec.from_element`) read exactly as the generic decode plan did.

`_plan_decode` below is the generic reader the codec used before it generated one
function per class: for every element, intact or broken (a child dropped, given twice,
foreign, a comment between), both give the same message or the same `DecodeError`.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from oeir import codec
from oeir.faults import DecodeError
from oeir.namespaces import OEIR
from tests.oeir import strategies as s


def _plan_decode(cls: type, el: etree._Element) -> Any:
    plan = codec._decode_plan(cls)
    values: dict[str, Any] = {}
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        step = plan.get(tag)
        if step is None:
            raise DecodeError(f"unexpected element {tag} in {cls.__name__}")
        name, repeated, nested, read = step
        if nested is not None:
            value = _plan_decode(nested, child)
        else:
            text = (child.text or "") if len(child) == 0 else codec.element_text(child)
            value = text if read is None else read(text)
        if repeated:
            values.setdefault(name, []).append(value)
        elif name in values:
            raise DecodeError(f"{tag} given twice in {cls.__name__}")
        else:
            values[name] = value
    for name, value in values.items():
        if type(value) is list:
            values[name] = tuple(value)
    try:
        return cls(**values)
    except TypeError as exc:
        raise DecodeError(f"{cls.__name__}: {exc}") from exc


def _outcome(decode: Any, cls: type, el: etree._Element) -> Any:
    try:
        return decode(cls, el)
    except DecodeError as exc:
        return ("DecodeError", str(exc))


def _break(el: etree._Element, data: st.DataObject) -> None:
    """One change somewhere in `el`'s tree: drop, repeat or replace an element, add a
    foreign one, a comment, or a child inside a value."""
    elements = [e for e in el.iter() if isinstance(e.tag, str)]
    target = data.draw(st.sampled_from(elements))
    kind = data.draw(
        st.sampled_from(["drop", "repeat", "foreign", "comment", "child_in_value", "text"])
    )
    parent = target.getparent()
    if kind == "drop" and parent is not None:
        parent.remove(target)
    elif kind == "repeat" and parent is not None:
        target.addnext(copy.deepcopy(target))
    elif kind == "foreign":
        target.append(etree.Element(f"{{{OEIR}}}Ukendt"))
    elif kind == "comment":
        target.insert(0, etree.Comment("x"))
    elif kind == "child_in_value" and len(target) == 0:
        etree.SubElement(target, f"{{{OEIR}}}Inde")
    else:
        target.text = data.draw(st.sampled_from(["", "x", " 1 ", "true", "2024-01-01"]))


@pytest.mark.parametrize("cls", codec.TOP_LEVEL, ids=lambda c: c.__name__)
def test_a_generated_decoder_reads_as_the_decode_plan(cls: type) -> None:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(s.STRATEGIES[cls], st.data())
    def check(message: Any, data: st.DataObject) -> None:
        el = codec.encode(message)
        assert codec.from_element(cls, el) == message
        for _ in range(data.draw(st.integers(1, 3))):
            _break(el, data)
        assert _outcome(codec.from_element, cls, el) == _outcome(_plan_decode, cls, el)

    check()
