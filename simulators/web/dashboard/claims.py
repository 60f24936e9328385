"""``/kommuner/<kode>/fordringer/<id>``: a claim, its timeline as inline SVG and its event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response

from oeir.identifiers import mask_cpr
from simulators.callbacks.events import REPORTED
from simulators.store.time import TimeRepo
from simulators.web.context import sim_time, simulator
from simulators.web.dashboard.base import bp, page
from simulators.web.dashboard.formatting import step_name
from simulators.web.dashboard.svg import render


def planned_report(kode: str, fordring_id: str, now: datetime) -> dict[str, Any] | None:
    """The run that will report this claim's not yet batched events to FBS, as a planned step."""
    with simulator().store.read() as tx:
        cursor = TimeRepo(tx, write=False).cursor(kode)
        waiting = tx.events(
            after=cursor,
            kommunekode=kode,
            fordring_ider=[fordring_id],
            kinds=sorted(str(k) for k in REPORTED),
            limit=1000,
        )
    if not waiting:
        return None
    return {
        "step": "report_planned",
        "at": sim_time().callbacks.next_run(kode, now).isoformat(),
        "haendelser": [{"haendelse_id": e.event_id, "art": str(e.kind)} for e in waiting],
    }


def claim_svg(steps: list[dict[str, Any]], now: datetime) -> str:
    """The claim's timeline drawn as inline SVG (see `simulators.web.dashboard.svg`)."""
    return render(steps, now, step_name)


@bp.get("/kommuner/<kode>/fordringer/<fordring_id>")
def claim_page(kode: str, fordring_id: str) -> Response:
    """One claim: its balance, debtor (masked), timeline and events."""
    s = simulator()
    tenant = s.tenants.get(kode)
    with s.store.read() as tx:
        claim = tx.claim(kode, fordring_id)
        if tenant is None or claim is None:
            return page("fejl_side.html", 404, besked=f"Ingen fordring {fordring_id} i {kode}.")
        account = tx.account(claim.konto)
        events = tx.events(kommunekode=kode, fordring_ider=[fordring_id], limit=1000)
    steps = sim_time().timeline(kode, fordring_id) or []
    now = s.clock.now()
    planned = planned_report(kode, fordring_id, now)
    if planned is not None:
        steps = [*steps, planned]
    return page(
        "fordring.html",
        tenant=tenant,
        claim=claim,
        account=account,
        debitor=(
            mask_cpr(account.cpr_nummer)
            if account and account.cpr_nummer
            else (account.cvr_nummer if account else "")
        ),
        events=events,
        steps=steps,
        svg=claim_svg(steps, now),
    )
