"""Encode and decode the typed messages in `oeir.model` to and from lxml elements.

The mapping is driven by each dataclass's type hints, so a message class and
its XML stay in step by construction; the XSD is the separate, hand-written
contract, and the round-trip tests prove the two agree.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import cache
from typing import Any

from lxml import etree

from oeir import model
from oeir.faults import DecodeError
from oeir.namespaces import OEIR, SP_AUTHORITY, SP_CALL, SP_INVOCATION, SP_NAMESPACES

_SCALARS = (str, int, bool, date, datetime)


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    tag: str
    kind: Any  # a scalar type, a StrEnum, a dataclass, "oere" or "uuid"
    repeated: bool
    optional: bool


def kroner(oere: int) -> str:
    """Write øre as kroner with exactly two decimals: 12345 -> "123.45"."""
    sign = "-" if oere < 0 else ""
    whole, part = divmod(abs(oere), 100)
    return f"{sign}{whole}.{part:02d}"


# xsd:decimal's lexical space, bounded so that a hostile amount cannot make a huge int.
_AMOUNT = re.compile(r"([+-]?)([0-9]{0,30})(?:\.([0-9]{0,30}))?")


def oere(text: str) -> int:
    """Read kroner with at most two decimals as exact øre: "123.4" -> 12340.

    Exact integer arithmetic (no float, no Decimal context rounding); accepts the
    xsd:decimal forms ("+1", "1.", ".5", "1.500") and raises `DecodeError` otherwise.
    """
    m = _AMOUNT.fullmatch(text.strip())
    if m is None or not (m.group(2) or m.group(3)):
        raise DecodeError(f"not an amount: {text[:40]!r}")
    sign, whole, fraction = m.group(1), m.group(2) or "0", (m.group(3) or "").rstrip("0")
    if len(fraction) > 2:
        raise DecodeError(f"amount has more than two decimals: {text[:40]!r}")
    value = int(whole) * 100 + int(fraction.ljust(2, "0"))
    return -value if sign == "-" else value


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


_SP_CLASSES: dict[type, tuple[str, str]] = {
    model.InvocationContext: (SP_INVOCATION, "invctx"),
    model.AuthorityContext: (SP_AUTHORITY, "authctx"),
    model.CallContext: (SP_CALL, "callctx"),
}
"""Serviceplatformen's context blocks: their real namespace and the prefix written."""


def namespace(cls: type) -> str:
    """The namespace of the element `encode` writes for a message of class `cls`."""
    return _SP_CLASSES[cls][0] if cls in _SP_CLASSES else OEIR


def _prefix(cls: type) -> str:
    return _SP_CLASSES[cls][1] if cls in _SP_CLASSES else "o"


@cache
def _fields(cls: type) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(cls, include_extras=True)
    names: dict[str, str] = getattr(cls, "XML_NAMES", {})
    ns = namespace(cls)
    out = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        optional = repeated = False
        if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            hint, optional = args[0], True
        if typing.get_origin(hint) is tuple:
            hint, repeated = typing.get_args(hint)[0], True
        if typing.get_origin(hint) is typing.Annotated:
            kind: Any = typing.get_args(hint)[1]
        else:
            kind = hint
        tag = f"{{{ns}}}{names.get(f.name, _camel(f.name))}"
        out.append(_Field(f.name, tag, kind, repeated, optional))
    return tuple(out)


Field = _Field
"""One field's wire mapping: `name`, `tag` (Clark notation), `kind`, `repeated`, `optional`."""


def fields(cls: type) -> tuple[Field, ...]:
    """How the codec maps `cls`'s fields to child elements, in element order.

    `kind` is a scalar type (str, int, bool, date, datetime), a StrEnum, a dataclass,
    the string ``"oere"`` for money, or ``"uuid"`` for a UUID (a str, read lower-case).
    For adapters to other SOAP stacks (zeep).
    """
    return _fields(cls)


def _text(kind: Any, value: Any) -> str:
    if kind == "oere":
        return kroner(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is datetime:
        return _datetime_text(value)
    if kind is date:
        return value.isoformat()
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return value.value
    return str(value)


def _datetime_text(value: datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        # A naive time on the wire is ambiguous between two systems; refuse to send one.
        raise ValueError(f"naive datetime {value.isoformat()} cannot be encoded; give it a tzinfo")
    if offset.total_seconds() % 60:
        value = value.astimezone(UTC)  # xsd:dateTime offsets are whole minutes
    return value.isoformat()


def _reader(kind: Any) -> Callable[[str], Any] | None:
    """How a field of `kind` reads its text, chosen once per field (see `_decode_plan`).

    None for a string: the text is the value. Every other kind but a StrEnum is read
    after xsd:whiteSpace="collapse" (stripped); a bad value raises `DecodeError`.
    """
    if kind is str:
        return None
    if kind == "oere":
        return lambda text: oere(text.strip())  # raises its own DecodeError
    if kind == "uuid":
        # RFC 4122: UUIDs are compared case-insensitively; the XSD takes either case.
        return lambda text: text.strip().lower()
    strip = True
    convert: Callable[[str], Any]
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        strip, convert = False, kind
    elif kind is bool:
        convert = _boolean
    elif kind is int:
        convert = int
    elif kind is date:
        convert = date.fromisoformat
    elif kind is datetime:
        convert = _aware_datetime
    else:
        return str.strip
    name = getattr(kind, "__name__", kind)

    def read(text: str) -> Any:
        if strip:
            text = text.strip()
        try:
            return convert(text)
        except ValueError as exc:
            raise DecodeError(f"bad value {text!r} for {name}") from exc

    return read


def _boolean(text: str) -> bool:
    if text not in ("true", "false", "1", "0"):
        raise ValueError(text)
    return text in ("true", "1")


def _aware_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("no time zone")
    return value


def element_text(el: etree._Element) -> str:
    """The whole text of a simple-valued element, as the XSD validator reads it.

    A comment or processing instruction splits the text into `el.text` and the
    child's `tail` (``1<!-- -->00.00`` is "1" and "00.00"); the validator joins
    all text nodes, so reading `el.text` alone would book 1.00 where 100.00 was
    validated. An element child has no place in a simple value: `DecodeError`.
    """
    if len(el) == 0:  # the common case: one text node (CDATA is already merged in)
        return el.text or ""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            raise DecodeError(f"element {child.tag} inside the value of {el.tag}")
        parts.append(child.tail or "")
    return "".join(parts)


def to_element(obj: Any, tag: str | None = None) -> etree._Element:
    """Build the element for a dataclass instance (its class name is the tag by default)."""
    cls = type(obj)
    if tag is None:
        ns = namespace(cls)
        el = etree.Element(f"{{{ns}}}{cls.__name__}", nsmap={_prefix(cls): ns})
    else:
        el = etree.Element(tag)
    _fill(el, obj)
    return el


def encode_into(parent: etree._Element, message: Any) -> etree._Element:
    """Encode `message` like `encode`, as the last child of `parent`.

    The element declares no namespace of its own: `parent` or an ancestor should declare
    the message's (lxml makes up a prefix otherwise). Cheaper than appending `encode`'s
    element, which is built in a document of its own and moved.
    """
    cls = type(message)
    el = etree.SubElement(parent, f"{{{namespace(cls)}}}{cls.__name__}")
    _fill(el, message)
    return el


def _fill(el: etree._Element, obj: Any) -> None:
    """Add the child elements of a dataclass instance to its element `el`."""
    for name, child_tag, repeated, text_of in _encode_plan(type(obj)):
        value = getattr(obj, name)
        if value is None:
            continue
        for item in value if repeated else (value,):
            if text_of is None:
                _fill(etree.SubElement(el, child_tag), item)
            else:
                etree.SubElement(el, child_tag).text = text_of(item)


@cache
def _encode_plan(cls: type) -> tuple[tuple[str, str, bool, Callable[[Any], str] | None], ...]:
    """Per field: name, tag, repeated, and its text function (None: a nested dataclass)."""
    return tuple(
        (
            f.name,
            f.tag,
            f.repeated,
            None if dataclasses.is_dataclass(f.kind) else _text_function(f.kind),
        )
        for f in _fields(cls)
    )


def _text_function(kind: Any) -> Callable[[Any], str]:
    """`_text` specialised to one kind (chosen once per field, not per value)."""
    if kind == "oere":
        return kroner
    if kind is bool:
        return lambda v: "true" if v else "false"
    if kind is datetime:
        return _datetime_text
    if kind is date:
        return lambda v: v.isoformat()  # type: ignore[no-any-return]
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return lambda v: v.value  # type: ignore[no-any-return]
    return str


_XML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))

NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""A character XML 1.0 cannot carry (a control, a surrogate, U+FFFE/U+FFFF): lxml refuses
to build an element with one; `xml_text` writes it, so its caller must look for one."""


def escape_text(text: str) -> str:
    """`text` escaped as libxml2 writes element content: &, <, > and carriage return."""
    for char, ref in _XML_ESCAPES:
        if char in text:
            text = text.replace(char, ref)
    return text


def xml_text(message: Any) -> str:
    """The XML text `etree.tostring` writes for `encode_into`'s element of `message`
    (an ØiR class), its namespace declared by an ancestor under the prefix ``o``.

    Characters XML cannot carry are written as they are (see `NOT_XML_CHAR`).
    """
    out: list[str] = []
    _write_element(out, _write_tags(type(message)), message)
    return "".join(out)


def _write_element(out: list[str], tags: tuple[str, str, str], obj: Any) -> None:
    """Append the element of the dataclass `obj` under `tags` (start, empty, end) to `out`:
    its children, or the empty-element tag when it has none."""
    start, empty, end = tags
    mark = len(out)
    out.append(start)
    for name, field_tags, repeated, nested, text_of in _write_plan(type(obj)):
        value = getattr(obj, name)
        if value is None:
            continue
        for item in value if repeated else (value,):
            if nested:
                _write_element(out, field_tags, item)
            else:
                out += (field_tags[0], text_of(item), field_tags[2])
    if len(out) == mark + 1:
        out[mark] = empty
    else:
        out.append(end)


def _tags(prefix: str, name: str) -> tuple[str, str, str]:
    """Start tag, empty-element tag and end tag of `prefix:name`."""
    return f"<{prefix}:{name}>", f"<{prefix}:{name}/>", f"</{prefix}:{name}>"


@cache
def _write_tags(cls: type) -> tuple[str, str, str]:
    if namespace(cls) != OEIR:
        raise ValueError(f"{cls.__name__} is not an ØiR class")
    return _tags("o", cls.__name__)


@cache
def _write_plan(
    cls: type,
) -> tuple[tuple[str, tuple[str, str, str], bool, bool, Callable[[Any], str]], ...]:
    """Per field: name, its tags, repeated, nested dataclass, and its text function
    (escaping only for strings: the others write no character that needs it)."""
    plan = []
    for f in _fields(cls):
        nested = dataclasses.is_dataclass(f.kind)
        text_of = _text_function(f.kind)
        if f.kind is str or f.kind == "uuid":
            text_of = _escaped_str
        plan.append((f.name, _tags("o", f.tag.rpartition("}")[2]), f.repeated, nested, text_of))
    return tuple(plan)


def _escaped_str(value: Any) -> str:
    return escape_text(str(value))


def from_element(cls: type, el: etree._Element) -> Any:
    """Build a `cls` instance from its element; raises `DecodeError` on a mismatch."""
    return _decoder(cls)(el)


_ABSENT = object()
"""A field whose element has not been seen (yet)."""


@cache
def _decoder(cls: type) -> Callable[[etree._Element], Any]:
    """`from_element` for `cls`: a function generated once, from `_decode_plan`.

    It reads the children in document order (comments and PIs skipped) into one local
    per field, with the same refusals as the plan read generically: an unexpected element,
    a non-repeated one given twice, a bad value, and (from the class) a missing one.
    """
    plan = _decode_plan(cls)
    name = cls.__name__
    env: dict[str, Any] = {
        "ABSENT": _ABSENT,
        "DecodeError": DecodeError,
        "element_text": element_text,
        "cls": cls,
        "index": {tag: i for i, tag in enumerate(plan)}.get,
    }
    defaults = {f.name: f for f in dataclasses.fields(cls)}
    names = [step[0] for step in plan.values()]
    body = [f"def decode_{name}(el):"]
    if names:
        body.append("    " + " = ".join(f"v{i}" for i in range(len(names))) + " = ABSENT")
    body += [
        "    for child in el:",
        "        tag = child.tag",  # lxml builds a new string on every read of .tag
        "        i = index(tag)",
        "        if i is None:",
        "            if type(tag) is not str:",
        "                continue",  # comments and processing instructions
        f"            raise DecodeError(f'unexpected element {{tag}} in {name}')",
    ]
    for i, (_, repeated, nested, read) in enumerate(plan.values()):
        if nested is not None:
            env[f"d{i}"] = _decoder(nested)
            value = f"d{i}(child)"
        else:
            # element_text's common case inline: a value of one text node
            text = '((child.text or "") if len(child) == 0 else element_text(child))'
            if read is None:
                value = text
            else:
                env[f"r{i}"] = read
                value = f"r{i}({text})"
        body.append(f"        {'if' if i == 0 else 'elif'} i == {i}:")
        if repeated:
            body += [
                f"            if v{i} is ABSENT:",
                f"                v{i} = []",
                f"            v{i}.append({value})",
            ]
        else:
            body += [  # read first: a bad value given twice is refused as a bad value
                f"            value = {value}",
                f"            if v{i} is not ABSENT:",
                f"                raise DecodeError(f'{{tag}} given twice in {name}')",
                f"            v{i} = value",
            ]
    required = [i for i, n in enumerate(names) if _required(defaults[n])]
    arguments = []
    for i, (field, repeated, _, _) in enumerate(plan.values()):
        given = f"tuple(v{i})" if repeated else f"v{i}"
        if i in required:
            arguments.append(f"{field}={given}")
        else:
            env[f"default{i}"] = _default_of(defaults[field])
            arguments.append(f"{field}=default{i}() if v{i} is ABSENT else {given}")
    if required:
        body.append(f"    if {' or '.join(f'v{i} is ABSENT' for i in required)}:")
        given = ", ".join(f"{n!r}: v{i}" for i, n in enumerate(names))
        body.append(f"        return _missing(cls, {{{given}}})")
        env["_missing"] = _missing
    body += [
        "    try:",
        f"        return cls({', '.join(arguments)})",
        "    except TypeError as exc:",
        f"        raise DecodeError(f'{name}: {{exc}}') from exc",
    ]
    exec("\n".join(body), env)  # the source is built above from the class's own fields
    decode: Callable[[etree._Element], Any] = env[f"decode_{name}"]
    return decode


def _required(field: dataclasses.Field[Any]) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


def _default_of(field: dataclasses.Field[Any]) -> Callable[[], Any]:
    """What a field is when its element is absent: its default, or its factory's value."""
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory
    default = field.default
    return lambda: default


def _missing(cls: type, values: dict[str, Any]) -> Any:
    """`cls` from the fields given (a required one is not): the class's own TypeError, as
    `DecodeError`."""
    given = {
        name: tuple(value) if type(value) is list else value
        for name, value in values.items()
        if value is not _ABSENT
    }
    try:
        return cls(**given)
    except TypeError as exc:
        raise DecodeError(f"{cls.__name__}: {exc}") from exc


@cache
def _decode_plan(
    cls: type,
) -> dict[str, tuple[str, bool, type | None, Callable[[str], Any] | None]]:
    """Per child tag: field name, repeated, the nested dataclass (or None), and the reader
    of its text (`_reader`; None for a string or a nested dataclass)."""
    plan = {}
    for f in _fields(cls):
        nested = dataclasses.is_dataclass(f.kind)
        plan[f.tag] = (
            f.name,
            f.repeated,
            f.kind if nested else None,
            None if nested else _reader(f.kind),
        )
    return plan


TOP_LEVEL: tuple[type, ...] = (
    model.OpretDebitorkonto,
    model.OpretDebitorkontoSvar,
    model.OpretFordring,
    model.OpretFordringSvar,
    model.NedskrivFordring,
    model.NedskrivFordringSvar,
    model.AnnullerFordring,
    model.AnnullerFordringSvar,
    model.SkiftHaefter,
    model.SkiftHaefterSvar,
    model.RegistrerDaekningAfskrivning,
    model.RegistrerDaekningAfskrivningSvar,
    model.HentDebitorkonto,
    model.HentDebitorkontoSvar,
    model.SoegDebitorkonti,
    model.SoegDebitorkontiSvar,
    model.SoegDelfordringTilIndbetaling,
    model.SoegDelfordringTilIndbetalingSvar,
    model.ForetagIndbetaling,
    model.ForetagIndbetalingSvar,
    model.Fejl,
    model.InvocationContext,
    model.AuthorityContext,
    model.CallContext,
)
"""The classes that are global elements of the XSDs (messages, fault detail, SP contexts)."""

MESSAGES: dict[str, type] = {cls.__name__: cls for cls in TOP_LEVEL}
"""Every top-level element name (OEIR and SP namespaces), mapped to its class."""


def encode(message: Any) -> etree._Element:
    """Encode a message (any class of `oeir.model`) as an element named after its class.

    Building blocks (e.g. `Fordring`) encode too, for logs and tests; only the
    `TOP_LEVEL` classes are elements the XSD and `decode` accept on their own.
    """
    return to_element(message)


def decode(el: etree._Element) -> Any:
    """Decode a top-level OEIR element into its message class."""
    qname = etree.QName(el)
    cls = MESSAGES.get(qname.localname)
    if (
        qname.namespace not in (OEIR, *SP_NAMESPACES)
        or cls is None
        or namespace(cls) != qname.namespace
    ):
        raise DecodeError(f"unknown message element {el.tag}")
    return from_element(cls, el)


def to_bytes(message: Any) -> bytes:
    """Encode a message as a standalone UTF-8 XML document (for golden files and logs)."""
    return etree.tostring(encode(message), encoding="UTF-8", xml_declaration=True)


__all__ = [
    "MESSAGES",
    "TOP_LEVEL",
    "Field",
    "decode",
    "element_text",
    "encode",
    "encode_into",
    "fields",
    "from_element",
    "kroner",
    "namespace",
    "oere",
    "to_bytes",
    "to_element",
    "xml_text",
]
