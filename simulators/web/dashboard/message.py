"""A journaled SOAP message for people: pretty-printed, CPR masked, errors at their line.

Plain Python (no Flask), used by the dashboard's journal page. The journal stores
the request as received (CPR already masked). To show a validation error where it
is, the message is pretty-printed and its parts are validated again against the
XSDs, so each error carries a line of the *pretty-printed* text. The fault the
simulator gave at the time (`felt`, `detail`) stays the authority: its field is
marked on the line(s) of the element it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from oeir import safexml
from oeir.namespaces import OEIR, SOAP_ENV, SP_NAMESPACES
from oeir.schema import default as default_schemas
from simulators.journal import mask_message

_MASKED_CPR = re.compile(r"^(\d{6})-\*{4}$")
_PATH_PART = re.compile(r"^(?:\{[^}]*\}|[\w.-]+:)?([\w.-]+)(?:\[\d+\])?$")


_MUNICIPALITY_CVR = re.compile(r"<(?:[\w.-]+:)?MunicipalityCVR>\s*(\d{8})\s*<")


def municipality_cvr(message: str) -> str | None:
    """The MunicipalityCVR a message names (also when it was refused before routing)."""
    found = _MUNICIPALITY_CVR.search(message)
    return found.group(1) if found else None


@dataclass(slots=True)
class Line:
    """One line of the shown message and the errors that point at it."""

    number: int
    text: str
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ShownMessage:
    """The message as the journal page shows it."""

    lines: list[Line]
    pretty: bool
    """False when the message is not well-formed XML (then it is shown as received)."""
    unplaced: list[str] = field(default_factory=list)
    """Errors that point at no line (e.g. a field the message does not contain)."""

    @property
    def error_lines(self) -> list[int]:
        """Numbers of the lines that carry an error."""
        return [line.number for line in self.lines if line.errors]


def _local_parts(felt: str) -> list[str]:
    """``/o:Fordring/o:Beloeb`` or ``Fordring/Beloeb`` -> ``["Fordring", "Beloeb"]``."""
    parts = []
    for raw in felt.strip().strip("/").split("/"):
        m = _PATH_PART.match(raw.strip())
        if m:
            parts.append(m.group(1))
    return parts


def _local_path(el: etree._Element) -> list[str]:
    out = []
    node: etree._Element | None = el
    while node is not None:
        if isinstance(node.tag, str):
            out.append(etree.QName(node).localname)
        node = node.getparent()
    return list(reversed(out))


def field_lines(root: etree._Element, felt: str) -> list[int]:
    """Source lines of the elements whose path ends with the field path `felt`."""
    parts = _local_parts(felt)
    if not parts:
        return []
    found = []
    for el in root.iter():
        if isinstance(el.tag, str) and _local_path(el)[-len(parts) :] == parts and el.sourceline:
            found.append(int(el.sourceline))
    return found


def _validation_targets(root: etree._Element) -> list[etree._Element]:
    """The parts Serviceplatformen validates: the SP header elements and the body's message."""
    targets: list[etree._Element] = []
    for part in root:
        if not isinstance(part.tag, str):
            continue
        q = etree.QName(part)
        if q.namespace != SOAP_ENV:
            continue
        for child in part:
            if isinstance(child.tag, str) and etree.QName(child).namespace in (
                OEIR,
                *SP_NAMESPACES,
            ):
                targets.append(child)
    return targets


def schema_errors(root: etree._Element) -> list[tuple[int, str]]:
    """(line, message) of every XSD error in the message's parts.

    A masked CPR number (``010190-****``) would break the CPR pattern on every
    message, so it is read as ten digits here; a CPR that was wrong on the wire
    is still named by the recorded fault.
    """
    for el in root.iter():
        if isinstance(el.tag, str) and el.text and _MASKED_CPR.match(el.text.strip()):
            el.text = _MASKED_CPR.sub(r"\g<1>0000", el.text.strip())
    found: list[tuple[int, str]] = []
    for target in _validation_targets(root):
        found.extend(default_schemas().errors(target))
    return found


def show(message: str, *, felt: str | None = None, fault_text: str | None = None) -> ShownMessage:
    """Pretty-print `message` (CPR masked) and put each error on its line.

    `felt` and `fault_text` are the fault recorded when the call was answered: the
    element named by `felt` gets `fault_text` on its line.
    """
    masked = mask_message(message)
    try:
        root = safexml.parse(masked.encode("utf-8"))
    except Exception as exc:  # not XML, or refused by the safe parser: show it as received
        lines = [Line(i, text) for i, text in enumerate(masked.splitlines() or [""], start=1)]
        line_no = getattr(exc, "lineno", None) or getattr(
            getattr(exc, "__cause__", None), "lineno", None
        )
        note = f"Ikke gyldig XML: {exc}"
        if isinstance(line_no, int) and 1 <= line_no <= len(lines):
            lines[line_no - 1].errors.append(note)
            return ShownMessage(lines, pretty=False)
        return ShownMessage(lines, pretty=False, unplaced=[note])
    etree.indent(root, space="  ")
    pretty = etree.tostring(root, encoding="unicode")
    # Parse the pretty text again so that element source lines match what is shown.
    root = etree.fromstring(pretty.encode("utf-8"))
    lines = [Line(i, text) for i, text in enumerate(pretty.splitlines(), start=1)]
    unplaced: list[str] = []

    def put(line_no: int, text: str) -> None:
        if 1 <= line_no <= len(lines):
            if text not in lines[line_no - 1].errors:
                lines[line_no - 1].errors.append(text)
        elif text not in unplaced:
            unplaced.append(text)

    for line_no, text in schema_errors(root):
        put(line_no, text)
    if felt:
        targets = field_lines(root, felt)
        label = f"{felt}: {fault_text}" if fault_text else felt
        if not targets:
            unplaced.append(label)
        for line_no in targets:
            if not lines[line_no - 1].errors:
                put(line_no, label)
    return ShownMessage(lines, pretty=True, unplaced=unplaced)
