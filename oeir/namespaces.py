"""XML namespaces of the modelled SF1590_B contract and of Serviceplatformen's context blocks.

The SF1590_B namespace is our own URN: the official one lives in KOMBIT's non-public
schemas (docs/contract.md). Serviceplatformen's context blocks use SP's real, public
namespaces, so an adapter built for the real Serviceplatformen works unchanged.
"""

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
SOAP_ACTOR_NEXT = "http://schemas.xmlsoap.org/soap/actor/next"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
OEIR = "urn:debitorsim:oeir:sf1590b:1"

SP_INVOCATION = "http://serviceplatformen.dk/xml/schemas/InvocationContext/1/"
"""Serviceplatformen's `InvocationContext` (service agreement, user system, user, service)."""
SP_AUTHORITY = "http://serviceplatformen.dk/xml/schemas/AuthorityContext/1/"
"""Serviceplatformen's `AuthorityContext` (`MunicipalityCVR`: the municipality called for)."""
SP_CALL = "http://serviceplatformen.dk/xml/schemas/CallContext/1/"
"""Serviceplatformen's `CallContext` of newer services (call id, accounting, on behalf of)."""

SP_NAMESPACES = (SP_INVOCATION, SP_AUTHORITY, SP_CALL)
"""Every Serviceplatformen context namespace."""

SP_PREFIXES = {"invctx": SP_INVOCATION, "authctx": SP_AUTHORITY, "callctx": SP_CALL}
"""The prefixes debitorsim writes them with (any prefix is accepted on reading)."""


def split(tag: str) -> tuple[str | None, str]:
    """The namespace (None if none) and the local name of a tag in Clark notation, "{ns}name".

    The `.namespace` and `.localname` of `lxml.etree.QName(tag)`, for a fraction of its
    cost (QName validates the name again; an element's tag was checked when it was parsed).
    """
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return None, tag
