"""XSD validation of messages and SOAP headers with lxml.

The schemas ship in `oeir/schemas/`. `Schemas.load(directory)` reads another
directory with the same file names, which is how an official KOMBIT schema
would be plugged in (docs/contract.md).
"""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path

from lxml import etree

from oeir.faults import SchemaInvalid
from oeir.namespaces import OEIR, SOAP_ENV, SP_AUTHORITY, SP_CALL, SP_INVOCATION, split

SCHEMA_DIR = Path(__file__).parent / "schemas"

SCHEMA_FILES: dict[str, str] = {
    OEIR: "oeir.xsd",
    SP_INVOCATION: "InvocationContext.xsd",
    SP_AUTHORITY: "AuthorityContext.xsd",
    SP_CALL: "CallContext.xsd",
}
"""The XSD file of each namespace; the WSDLs import them by these names."""


_XSD = "http://www.w3.org/2001/XMLSchema"

_CONTEXT_BLOCKS = {
    SP_INVOCATION: "InvocationContext",
    SP_AUTHORITY: "AuthorityContext",
    SP_CALL: "CallContext",
}
"""The context block each SP namespace declares (what `oeir.sp_context` validates)."""

_ENVELOPE_XSD = """<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    targetNamespace="{soap}" elementFormDefault="qualified">
  {imports}
  <xsd:element name="Envelope">
    <xsd:complexType>
      <xsd:sequence>
        <xsd:element name="Header" minOccurs="0">
          <xsd:complexType>
            <xsd:sequence>
              <xsd:any processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
            </xsd:sequence>
            <xsd:anyAttribute processContents="skip"/>
          </xsd:complexType>
        </xsd:element>
        <xsd:element name="Body">
          <xsd:complexType>
            <xsd:sequence>
              <xsd:any processContents="strict" minOccurs="0" maxOccurs="unbounded"/>
            </xsd:sequence>
            <xsd:anyAttribute processContents="skip"/>
          </xsd:complexType>
        </xsd:element>
      </xsd:sequence>
      <xsd:anyAttribute processContents="skip"/>
    </xsd:complexType>
  </xsd:element>
</xsd:schema>"""
"""A SOAP 1.1 envelope whose Body children are validated strictly and whose header blocks
laxly (a block the schemas declare is validated, an unknown one skipped, as `oeir.sp_context`
skips it): all of `SCHEMA_FILES` in one schema, for `Schemas.envelope_valid`."""

_XSI = b"http://www.w3.org/2001/XMLSchema-instance"


class Schemas:
    """The loaded XSDs, one per namespace, and optionally all of them in one envelope
    schema (`envelope_valid`)."""

    def __init__(
        self,
        by_namespace: dict[str, etree.XMLSchema],
        envelope: etree.XMLSchema | None = None,
    ) -> None:
        self._by_namespace = by_namespace
        self._envelope = envelope

    @classmethod
    def load(cls, directory: Path = SCHEMA_DIR) -> Schemas:
        """Load every file of `SCHEMA_FILES` from `directory`, and the envelope schema over them."""
        return cls(
            {
                ns: etree.XMLSchema(etree.parse(str(directory / name)))
                for ns, name in SCHEMA_FILES.items()
            },
            _envelope_schema(directory),
        )

    def envelope_valid(self, envelope: etree._Element, source: bytes) -> bool:
        """Whether every part of a SOAP envelope the per-part checks validate (each
        Serviceplatformen context block in soap:Header, the request in soap:Body) is valid,
        found in one validation of the whole envelope. `source` is the envelope's bytes.

        True guarantees that `validate` accepts each of those parts; False promises nothing
        (a header block with SOAP attributes, a context block inside the request, anything
        invalid, an ``xsi:`` attribute, which the composite schema could resolve where a
        part's own schema cannot): the caller then validates part by part, for the fault.
        """
        if self._envelope is None or _XSI in source or b"&#" in source:
            return False  # the namespace URI could be written as character references
        return bool(self._envelope.validate(envelope))

    def _for(self, el: etree._Element) -> etree.XMLSchema | None:
        """The XSD of `el`'s namespace, or None."""
        return self._by_namespace.get(split(el.tag)[0] or "")

    def validate(self, el: etree._Element) -> None:
        """Validate one top-level element against its namespace's XSD, or raise `SchemaInvalid`."""
        schema = self._for(el)
        if schema is None:
            raise SchemaInvalid(f"no schema for {el.tag}")
        if not schema.validate(el):
            raise SchemaInvalid(describe(schema.error_log), felt=_first_path(schema.error_log))

    def errors(self, el: etree._Element) -> list[tuple[int, str]]:
        """Every XSD error of one top-level element as (source line, message); [] when valid."""
        schema = self._for(el)
        if schema is None:
            return [(int(el.sourceline or 0), f"no schema for {el.tag}")]
        if schema.validate(el):
            return []
        return [(int(e.line), e.message) for e in schema.error_log]

    def error_details(self, el: etree._Element) -> list[tuple[int, str, str]]:
        """Every XSD error of one top-level element as (line, element path, message)."""
        schema = self._for(el)
        if schema is None:
            return [(int(el.sourceline or 0), "", f"no schema for {el.tag}")]
        if schema.validate(el):
            return []
        return [(int(e.line), e.path or "", e.message) for e in schema.error_log]


def _envelope_schema(directory: Path) -> etree.XMLSchema | None:
    """The envelope schema over `SCHEMA_FILES` in `directory`; None when a namespace's XSD
    does not declare its context block globally (`sp_context` would refuse such a block
    where the envelope's lax header would skip it) or the schemas do not compile together."""
    imports = []
    for ns, name in SCHEMA_FILES.items():
        path = directory / name
        if ns in _CONTEXT_BLOCKS:
            declared = etree.parse(str(path)).getroot().findall(f"{{{_XSD}}}element")
            if _CONTEXT_BLOCKS[ns] not in {el.get("name") for el in declared}:
                return None
        imports.append(f'<xsd:import namespace="{ns}" schemaLocation="{path.resolve().as_uri()}"/>')
    text = _ENVELOPE_XSD.format(soap=SOAP_ENV, imports="\n  ".join(imports))
    try:
        return etree.XMLSchema(etree.fromstring(text))
    except etree.LxmlError:
        return None


_ECHOED_VALUE = re.compile(r"'[^']*'(?= is not)|(?<=The value )'[^']*'")


def describe(log: etree._ListErrorLog) -> str:
    """Readable summary of an lxml schema error log: line and message of each error.

    libxml2 repeats the refused value; for a CPRNummer that is a CPR number with a typo
    (11 or 9 digits), which no CPR mask recognises afterwards, so it is never repeated.
    """
    lines = []
    for e in list(log)[:5]:
        message = e.message
        if "CPRNummer'" in message:
            message = _ECHOED_VALUE.sub("'**********'", message)
        lines.append(f"line {e.line}: {message}")
    return "; ".join(lines)


def _first_path(log: etree._ListErrorLog) -> str | None:
    errors = list(log)
    return errors[0].path if errors and errors[0].path else None


_LOADING = threading.Lock()


@cache
def _loaded() -> Schemas:
    return Schemas.load()


def default() -> Schemas:
    """The schemas shipped with debitorsim (loaded once, by one thread).

    libxml2's XSD compiler is not thread-safe: two threads compiling at once (the
    first requests of a threaded server) can leave every later load broken.
    """
    with _LOADING:
        return _loaded()


def validate(el: etree._Element) -> None:
    """Validate `el` against the shipped schemas; see `Schemas.validate`."""
    default().validate(el)
