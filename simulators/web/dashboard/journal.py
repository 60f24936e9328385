"""The SOAP journal: ``/journal`` (filterable, paged back in time) and ``/journal/<id>``
(one message pretty-printed, each validation error on its line, and the answer)."""

from __future__ import annotations

from flask import Response, request, url_for

from oeir.faults import CATALOGUE
from oeir.services import SERVICES
from simulators.journal import near_miss_of
from simulators.web.context import simulator
from simulators.web.dashboard.base import bp, page
from simulators.web.dashboard.message import municipality_cvr, show

JOURNAL_PAGE_SIZE = 50


@bp.get("/journal")
def journal() -> Response:
    """The newest journal entries matching the filters."""
    s = simulator()
    filters = {
        key: (request.args.get(key) or None)
        for key in ("kommunekode", "operation", "verdict", "fejlkode")
    }
    before_raw = request.args.get("foer", "")
    before = int(before_raw) if before_raw.isdigit() else None
    entries = s.journal.query(**filters, before=before, limit=JOURNAL_PAGE_SIZE)
    operations = sorted({name for svc in SERVICES.values() for name in svc.operations})
    return page(
        "journal.html",
        entries=entries,
        filters=filters,
        operations=operations,
        enabled=s.journal.enabled,
        older=(
            url_for(
                "dashboard.journal",
                foer=entries[-1].id,
                **{k: v for k, v in filters.items() if v},
            )
            if len(entries) == JOURNAL_PAGE_SIZE
            else None
        ),
    )


@bp.get("/journal/<int:entry_id>")
def journal_entry(entry_id: int) -> Response:
    """One journal entry: the request with its errors in place, the answer, a near miss."""
    s = simulator()
    found = s.journal.query(before=entry_id + 1, limit=1)
    if not found or found[0].id != entry_id:
        return page("fejl_side.html", 404, besked=f"Journalpost {entry_id} findes ikke.")
    entry = found[0]
    fault_text = None
    if entry.fejlkode:
        known = CATALOGUE.get(entry.fejlkode)
        fault_text = f"{entry.fejlkode}" + (f" ({known.da})" if known else "")
    shown = show(entry.request, felt=entry.felt, fault_text=fault_text)
    answer = show(entry.response) if entry.response else None
    named = None
    if entry.kommunekode is None:
        cvr = municipality_cvr(entry.request)
        named = s.tenants.by_cvr(cvr) if cvr else None
    return page(
        "journalpost.html",
        entry=entry,
        shown=shown,
        answer=answer,
        near=near_miss_of(entry),
        fault_text=fault_text,
        named=named,
    )
