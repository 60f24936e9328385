"""The fault page in Danish: names of the fault kinds and the form's refusals.

The fault admin API (JSON, for developers) answers in English; the dashboard's form is
for a municipality's test lead, so its kinds and errors are shown in Danish here.
Every message shape `simulators.faults.rules` raises is translated; anything else
still gets a Danish sentence around it.
"""

from __future__ import annotations

import re

KIND_NAMES = {
    "latency": "Forsinkelse",
    "http_500": "HTTP 500 (intern serverfejl)",
    "http_503": "HTTP 503 (tjenesten utilgængelig)",
    "soap_server_fault": "SOAP-serverfejl",
    "business_fault": "Forretningsfejl (FejlKode)",
    "connection_reset": "Forbindelsen afbrydes",
    "empty_response": "Tomt svar",
    "truncated_response": "Afkortet svar",
    "slow_body": "Langsomt svar",
    "timeout": "Intet svar (timeout)",
    "maintenance": "Vedligeholdelsesvindue",
    "callback_duplicate": "Callback sendes flere gange",
    "callback_reorder": "Callbacks i omvendt rækkefølge",
    "callback_drop": "Callback tabes",
}
"""Each fault kind's Danish name (the value sent stays the API's kind)."""

FIELD_NAMES = {
    "kind": "Slags",
    "kommunekode": "Kommune",
    "operation": "Operation",
    "probability": "Sandsynlighed",
    "seed": "Seed",
    "count": "Antal kald",
    "description": "Beskrivelse",
    "fejlkode": "Fejlkode",
    "felt": "Felt",
    "fixed_ms": "Forsinkelse (ms)",
    "retry_after_s": "Retry-After (s)",
    "start": "Fra",
    "end": "Til",
    "weekdays": "Ugedage",
}

_NUMBER = r"(-?[\d.e+]+)"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(\w+) is required$"), "{0} skal udfyldes."),
    (re.compile(r"^(\w+) must be a number$"), "{0} skal være et tal."),
    (re.compile(r"^(\w+) must be an integer$"), "{0} skal være et helt tal."),
    (
        re.compile(rf"^(\w+) must be between {_NUMBER} and {_NUMBER}$"),
        "{0} skal være mellem {1} og {2}.",
    ),
    (re.compile(r"^(\w+) must be a time HH:MM$"), "{0} skal være et klokkeslæt (TT:MM)."),
    (re.compile(r"^(\w+) must be a non-empty string or null$"), "{0} må ikke være tom."),
    (re.compile(r"^kind must be one of: .*$"), "Vælg en slags fejl."),
    (re.compile(r"^unknown field\(s\) for (\w+): (.*)$"), "{1} kan ikke bruges med denne slags."),
    (re.compile(r"^kommunekode must be three digits$"), "Kommune skal være tre cifre."),
    (
        re.compile(r"^callback faults apply to RegistrerDaekningAfskrivning only$"),
        "Callback-fejl gælder kun operationen RegistrerDaekningAfskrivning.",
    ),
    (
        re.compile(r"^a maintenance window triggers on the clock: no probability/count$"),
        "Et vedligeholdelsesvindue følger uret: angiv ikke antal kald eller sandsynlighed.",
    ),
    (re.compile(r"^start and end must differ$"), "Fra og Til skal være forskellige."),
    (
        re.compile(r"^fejlkode is required.*$"),
        "Vælg en fejlkode (denne slags svarer med en FejlKode).",
    ),
    (re.compile(r"^unknown fejlkode (.*)$"), "Ukendt fejlkode {0}."),
)


def kind_name(kind: str) -> str:
    """A fault kind in Danish (the kind itself when unknown)."""
    return KIND_NAMES.get(kind, kind)


def _field(name: str) -> str:
    return FIELD_NAMES.get(name, name)


def danish_error(message: str) -> str:
    """A fault rule's refusal (`FaultRuleError`) as the form shows it, in Danish."""
    for pattern, text in _PATTERNS:
        found = pattern.match(message)
        if found:
            parts = [_field(g) if i == 0 else g for i, g in enumerate(found.groups())]
            if pattern.pattern.startswith("^unknown field"):
                parts = [parts[0], ", ".join(_field(f) for f in found.group(2).split(", "))]
            return text.format(*parts)
    return f"Reglen kan ikke bruges ({message})."
