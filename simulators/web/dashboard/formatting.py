"""How the dashboard writes values in Danish: money, times, dates, statuses, verdicts, steps.

Plain functions, registered as Jinja filters by `simulators.web.dashboard.base`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup

from oeir.dansk import kroner as format_kroner
from oeir.dansk import status_name as dansk_status
from oeir.identifiers import mask_cprs_in_text
from simulators.calendar import EVENING

_WEEKDAYS = ("man.", "tir.", "ons.", "tor.", "fre.", "lør.", "søn.")
_STEP_NAMES = {
    "created": "Oprettet",
    "invoiced": "Faktureret",
    "paid": "Betalt",
    "reported_to_fbs": "Meldt til FBS",
    "report_pending": "Sendt til FBS, venter på kvittering",
    "report_planned": "Meldes til FBS ved næste kørsel",
    "reminded": "Rykket",
    "handed_over": "Overdraget til inddrivelse",
    "payment_reversed": "Betaling tilbageført",
    "written_down": "Nedskrevet",
    "cancelled": "Annulleret",
    "written_off": "Afskrevet",
    "adjusted_down": "Nedreguleret",
    "reminder_fee": "Rykkergebyr",
}


def kroner(oere: int | None) -> str:
    """Øre as Danish kroner, e.g. ``1.234,50 kr.`` (`oeir.kroner`); empty for None."""
    return "" if oere is None else format_kroner(oere)


VERDICTS = {
    "ok": ("ok", "ok-kald"),
    "fault": ("afvist", "afvist"),
    "injected": ("indsat fejl", "indsat"),
}
"""A journal verdict's Danish label and CSS class: a refusal and an injected fault differ."""


def udfald(verdict: str) -> str:
    """A journal verdict in Danish (``injected`` -> ``indsat fejl``); unknown ones as they are."""
    return VERDICTS.get(verdict, (verdict, ""))[0]


def udfald_klasse(verdict: str) -> str:
    """The CSS class of a journal verdict (its colour on every page)."""
    return VERDICTS.get(verdict, ("", "ukendt"))[1]


def tid(value: datetime | str | None) -> str:
    """A virtual time in Danish: ``man. 05.01.2026 08:00``."""
    if value is None or value == "":
        return ""
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{_WEEKDAYS[dt.weekday()]} {dt.strftime('%d.%m.%Y %H:%M')}"


def dato(value: Any) -> str:
    """A date in Danish (``19.01.2026``)."""
    return value.strftime("%d.%m.%Y") if value else ""


def status_name(status: Any) -> str:
    """A claim status in plain Danish (``Aaben`` -> ``Åben``; `oeir.dansk`)."""
    return dansk_status(status)


def run_rhythm(callbacks: Any) -> str:
    """When a municipality reports to FBS, in words that agree with the weekday shown.

    A nightly run belongs to a run day (`simulators.calendar.is_run_day`) and happens that
    evening or in the small hours after it: Opus's run »only on weekdays« is the one in
    the night after each weekday, so it falls on a Saturday morning too.
    """
    if callbacks.mode != "nightly":
        return "realtid"
    at = callbacks.time
    days = "hver hverdag" if callbacks.weekdays_only else "hver dag"
    when = "" if at >= EVENING else "natten efter "
    text = f"kl. {at.strftime('%H:%M')} {when}{days}"
    if callbacks.skip_holidays:
        text += " (ikke helligdage)"
    return text


def step_name(step: str) -> str:
    """The Danish name of a timeline step."""
    return _STEP_NAMES.get(step, step)


def masked(value: Any) -> str:
    """A value's text with its CPR numbers masked (empty for None)."""
    return mask_cprs_in_text(str(value)) if value is not None else ""


def masked_output(value: Any) -> Any:
    """Every value a template prints, with its CPR numbers masked (Jinja's ``finalize``).

    A name or free text (a debtor's name, a claim's text, an event's reason) may hold
    a CPR number anywhere; masking at the point of output covers every page at once.
    """
    if value is None or isinstance(value, int | float):
        return value
    if hasattr(value, "__html__"):  # already safe HTML (the inline SVG): keep it so
        return Markup(mask_cprs_in_text(value.__html__()))
    return mask_cprs_in_text(str(value))
