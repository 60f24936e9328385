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
from oeir.namespaces import OEIR, SP_AUTHORITY, SP_CALL, SP_INVOCATION, split

SCHEMA_DIR = Path(__file__).parent / "schemas"

SCHEMA_FILES: dict[str, str] = {
    OEIR: "oeir.xsd",
    SP_INVOCATION: "InvocationContext.xsd",
    SP_AUTHORITY: "AuthorityContext.xsd",
    SP_CALL: "CallContext.xsd",
}
"""The XSD file of each namespace; the WSDLs import them by these names."""


class Schemas:
    """The loaded XSDs, one per namespace."""

    def __init__(self, by_namespace: dict[str, etree.XMLSchema]) -> None:
        self._by_namespace = by_namespace

    @classmethod
    def load(cls, directory: Path = SCHEMA_DIR) -> Schemas:
        """Load every file of `SCHEMA_FILES` from `directory`."""
        return cls(
            {
                ns: etree.XMLSchema(etree.parse(str(directory / name)))
                for ns, name in SCHEMA_FILES.items()
            }
        )

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
