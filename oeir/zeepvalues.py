"""Convert typed messages to and from the plain values zeep works with.

zeep takes and returns nested dicts keyed by element name, with `Decimal`
kroner for amounts. These helpers let a zeep client (or a vendor's tests) use
the `oeir.model` classes without a second mapping. zeep itself is not imported.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from enum import Enum
from typing import Any

from lxml import etree

from oeir import codec
from oeir.model import SpHeader


def zeep_values(obj: Any) -> dict[str, Any]:
    """A message as zeep's keyword arguments: XML names, Decimal kroner, lists."""
    out: dict[str, Any] = {}
    for f in codec.fields(type(obj)):
        value = getattr(obj, f.name)
        if value is None:
            continue
        name = etree.QName(f.tag).localname
        out[name] = [_to_zeep(f.kind, v) for v in value] if f.repeated else _to_zeep(f.kind, value)
    return out


def zeep_headers(header: SpHeader) -> dict[str, Any]:
    """zeep's `_soapheaders`: the two Serviceplatformen header parts."""
    return {
        "InvocationContext": zeep_values(header.invocation_context),
        "AuthorityContext": zeep_values(header.authority_context),
    }


def from_zeep(cls: type, data: Any) -> Any:
    """Build an `oeir.model` instance from zeep's serialized answer."""
    values: dict[str, Any] = {}
    for f in codec.fields(cls):
        raw = data.get(etree.QName(f.tag).localname) if isinstance(data, dict) else None
        if raw is None or raw == []:
            continue
        items = raw if f.repeated else [raw]
        converted = [_from_zeep(f.kind, item) for item in items]
        values[f.name] = tuple(converted) if f.repeated else converted[0]
    return cls(**values)


def _to_zeep(kind: Any, value: Any) -> Any:
    if kind == "oere":
        return Decimal(codec.kroner(value))
    if dataclasses.is_dataclass(value):
        return zeep_values(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _from_zeep(kind: Any, raw: Any) -> Any:
    if kind == "oere":
        return codec.oere(str(raw))
    if kind == "uuid":
        return str(raw).lower()
    if dataclasses.is_dataclass(kind):
        return from_zeep(kind, raw)  # type: ignore[arg-type]
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(raw)
    return raw
