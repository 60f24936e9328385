"""Serviceplatformen's context blocks, read where real adapters put them.

A call carries `InvocationContext` and `AuthorityContext` (and, from newer services,
`CallContext`) in Serviceplatformen's own namespaces (`oeir.namespaces`), either

- as SOAP header blocks, with SOAP 1.1's `mustUnderstand` and `actor` and WS-Security's
  `wsu:Id` allowed on them; or
- as children of the request element in the body, as SP's demo service and the older
  services do.

Each block may be given once. An unknown header block marked ``mustUnderstand="1"`` for
us (no actor, or the "next" actor) is refused with a `soap:MustUnderstand` Fault; other
unknown blocks are ignored, as SOAP 1.1 says. Every refusal names the element and where it
was expected, so a vendor sees at once what to change.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from lxml import etree

from oeir import codec
from oeir.faults import InvalidEnvelope, OeirFault, SchemaInvalid
from oeir.model import AuthorityContext, CallContext, InvocationContext, SpHeader
from oeir.namespaces import (
    OEIR,
    SOAP_ACTOR_NEXT,
    SOAP_ENV,
    SP_AUTHORITY,
    SP_CALL,
    SP_INVOCATION,
    SP_NAMESPACES,
    WSU,
    split,
)
from oeir.schema import Schemas

INVOCATION = f"{{{SP_INVOCATION}}}InvocationContext"
AUTHORITY = f"{{{SP_AUTHORITY}}}AuthorityContext"
CALL = f"{{{SP_CALL}}}CallContext"
_CLASSES: dict[str, type] = {
    INVOCATION: InvocationContext,
    AUTHORITY: AuthorityContext,
    CALL: CallContext,
}
_LOCAL_NAMES = {etree.QName(tag).localname: tag for tag in _CLASSES}
_OEIR_PREFIX = f"{{{OEIR}}}"

_MUST_UNDERSTAND = f"{{{SOAP_ENV}}}mustUnderstand"
_ACTOR = f"{{{SOAP_ENV}}}actor"
_HEADER_ATTRIBUTES = (_MUST_UNDERSTAND, _ACTOR, f"{{{WSU}}}Id")
"""Attributes any SOAP stack may put on a header block; not part of the block's schema."""

_TRUE, _FALSE = ("1", "true"), ("0", "false")

_CALL_FIELDS = ("on_behalf_of_user", "callers_service_call_identifier", "accounting_info")


def _place(request: etree._Element) -> str:
    return f"<{etree.QName(request).localname}>"


def _where_expected(request: etree._Element) -> str:
    return f"expected in soap:Header or as a child of {_place(request)}"


def must_understand(block: etree._Element) -> bool:
    """The block's `soap:mustUnderstand` flag; a value other than 0/1 is a bad envelope."""
    value = block.get(_MUST_UNDERSTAND)
    if value is None or value.strip() in _FALSE:
        return False
    if value.strip() in _TRUE:
        return True
    raise InvalidEnvelope(
        f"soap:mustUnderstand={value[:20]!r} on {etree.QName(block).localname}; use 0 or 1"
    )


def _for_us(block: etree._Element) -> bool:
    """Whether a header block is addressed to the ultimate receiver (us)."""
    actor = (block.get(_ACTOR) or "").strip()
    return actor in ("", SOAP_ACTOR_NEXT)


def read(
    header: etree._Element | None,
    request: etree._Element,
    schemas: Schemas,
    *,
    validated: bool = False,
) -> SpHeader:
    """The Serviceplatformen context of a call, from `header` and/or `request`.

    Context blocks found in `request` are taken out of it, so the message that remains
    is the operation's own (and validates against its XSD). Raises `OeirFault`.
    `validated`: the blocks are known valid (`Schemas.envelope_valid`): not validated again.
    """
    decode = _decode_valid if validated else _decode
    found: dict[str, tuple[etree._Element, str]] = {}
    strays: list[tuple[str, str]] = []  # (tag, where): a context name in another namespace
    if header is not None:
        for block in header:
            tag = block.tag  # lxml builds a new string on every read of .tag
            if not isinstance(tag, str):
                continue
            understood = tag in _CLASSES
            if must_understand(block) and not understood and _for_us(block):
                raise OeirFault(f"{tag} in soap:Header", kode="SoapHeaderIkkeForstaaet", felt=tag)
            if understood:
                _add(found, block, tag, "soap:Header")
            elif split(tag)[1] in _LOCAL_NAMES:
                strays.append((tag, "soap:Header"))
    for child in list(request):  # a copy: context blocks are taken out on the way
        tag = child.tag
        # the request's own elements (all of them, as a rule) are neither blocks nor strays
        if not isinstance(tag, str) or tag.startswith(_OEIR_PREFIX):
            continue
        if tag in _CLASSES:
            _add(found, child, tag, _place(request))
            _take_out(request, child)
        elif split(tag)[1] in _LOCAL_NAMES:
            strays.append((tag, _place(request)))
    for tag in (INVOCATION, AUTHORITY):
        if tag not in found:
            raise _missing(tag, request, strays)
    ic: InvocationContext = decode(found[INVOCATION][0], InvocationContext, schemas)
    ac: AuthorityContext = decode(found[AUTHORITY][0], AuthorityContext, schemas)
    if CALL in found:
        ic = _merge(ic, decode(found[CALL][0], CallContext, schemas))
    return SpHeader(invocation_context=ic, authority_context=ac)


def _add(
    found: dict[str, tuple[etree._Element, str]], block: etree._Element, tag: str, where: str
) -> None:
    """Note `block` (its `tag`, found in `where`); a second block of its kind is refused."""
    if tag in found:
        name = split(tag)[1]
        first = found[tag][1]
        places = f"twice in {where}" if first == where else f"in {first} and in {where}"
        raise OeirFault(f"{name} given {places}", kode="SoapHeaderGentaget", felt=name)
    found[tag] = (block, where)


def _take_out(request: etree._Element, child: etree._Element) -> None:
    """Remove a context block from the request element, keeping the message intact."""
    if child.tail and child.tail.strip():
        raise SchemaInvalid(f"text after {etree.QName(child).localname} in {_place(request)}")
    request.remove(child)


def _missing(tag: str, request: etree._Element, strays: list[tuple[str, str]]) -> OeirFault:
    qname = etree.QName(tag)
    detail = f"{qname.localname} ({qname.namespace}) is missing: {_where_expected(request)}"
    wrong = [(t, w) for t, w in strays if etree.QName(t).localname == qname.localname]
    if wrong:
        stray, where = wrong[0]
        detail += f"; found {stray} in {where}: wrong namespace"
    return OeirFault(detail, kode="ManglendeSoapHeader", felt=qname.localname)


def _decode(block: etree._Element, cls: type, schemas: Schemas) -> Any:
    """Validate one context block (without the generic header attributes) and decode it.

    The block is copied only when it carries such an attribute (the copy is what loses
    it); the common block without one is validated where it stands.
    """
    attrib = block.attrib
    # most blocks have no attribute at all: one cheap test instead of three lookups
    if attrib and any(attribute in attrib for attribute in _HEADER_ATTRIBUTES):
        bare = copy.deepcopy(block)
        for attribute in _HEADER_ATTRIBUTES:
            bare.attrib.pop(attribute, None)
    else:
        bare = block
    schemas.validate(bare)
    return codec.from_element(cls, bare)


def _decode_valid(block: etree._Element, cls: type, schemas: Schemas) -> Any:
    """`_decode` of a block known valid (the SOAP attributes `_decode` drops are not read)."""
    return codec.from_element(cls, block)


def _merge(ic: InvocationContext, cc: CallContext) -> InvocationContext:
    """InvocationContext completed with CallContext's fields; a conflict is refused."""
    given: dict[str, str] = {}
    for name in _CALL_FIELDS:
        mine, theirs = getattr(ic, name), getattr(cc, name)
        if theirs is None:
            continue
        if mine is None:
            given[name] = theirs
        elif mine != theirs:
            element = InvocationContext.XML_NAMES[name]
            raise OeirFault(
                f"{element} differs between InvocationContext and CallContext",
                kode="SoapHeaderGentaget",
                felt=f"CallContext/{element}",
            )
    return dataclasses.replace(ic, **given) if given else ic


def stray_in_body(children: list[etree._Element]) -> OeirFault | None:
    """The fault for context blocks standing directly in soap:Body, next to the request."""
    blocks = [c for c in children if etree.QName(c).namespace in SP_NAMESPACES]
    rest = [c for c in children if etree.QName(c).namespace not in SP_NAMESPACES]
    if not blocks or len(rest) != 1:
        return None
    name = etree.QName(blocks[0]).localname
    return OeirFault(
        f"{name} directly in soap:Body; {_where_expected(rest[0])}",
        kode="SoapHeaderForkertPlaceret",
        felt=name,
    )
