"""The front page (``/``: the clock, counts, the next nightly run, links) and the clock's
buttons (``POST /ur``: +1 time, +1 dag, to the next nightly run)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Response, redirect, request, url_for

from oeir.services import SERVICES
from simulators.calendar import next_nightly_run
from simulators.tenants import Tenant
from simulators.web.context import sim_time, simulator
from simulators.web.dashboard.base import bp, page, safe_back
from simulators.web.dashboard.core import core_parked


def next_nightly(tenants: list[Tenant], now: datetime) -> tuple[datetime, list[Tenant]] | None:
    """The earliest next nightly callback run among `tenants`, and who runs then."""
    best: datetime | None = None
    who: list[Tenant] = []
    for tenant in tenants:
        cb = tenant.profile.callbacks
        if cb.mode != "nightly":
            continue
        at = next_nightly_run(
            now, cb.time, weekdays_only=cb.weekdays_only, skip_holidays=cb.skip_holidays
        )
        if best is None or at < best:
            best, who = at, [tenant]
        elif at == best:
            who.append(tenant)
    return (best, who) if best is not None else None


@bp.get("/favicon.ico")
def favicon() -> Response:
    """No icon (browsers ask on every page of the app, payment pages too), and no 404 noise."""
    return Response(status=204)


@bp.get("/")
def index() -> Response:
    """The front page."""
    s = simulator()
    return page(
        "index.html",
        stats=s.stats(),
        verdicts=s.journal.counts(),
        parked=core_parked(None),
        nightly=next_nightly(s.tenants.all(), s.clock.now()),
        services=[svc for name, svc in SERVICES.items()],
    )


@bp.post("/ur")
def clock_post() -> Response:
    """Move the clock an hour, a day, or to the next nightly run (of all or one municipality)."""
    s = simulator()
    action = request.form.get("handling", "")
    back = safe_back(request.form.get("tilbage"), url_for("dashboard.index"))
    now = s.clock.now()
    if action == "time":
        s.advance(timedelta(hours=1))
    elif action == "dag":
        s.advance(timedelta(days=1))
    elif action == "natlig":
        kode = request.form.get("kommunekode")
        if kode:
            tenant = s.tenants.get(kode)
            if tenant is None:
                return page("fejl_side.html", 404, besked=f"Ingen kommune {kode}.")
            target = sim_time().callbacks.next_run(kode, now)
        else:
            found = next_nightly(s.tenants.all(), now)
            if found is None:
                return page("fejl_side.html", 409, besked="Ingen kommune kører natligt.")
            target = found[0]
        s.set_time(target)
    else:
        return page("fejl_side.html", 400, besked=f"Ukendt handling: {action!r}.")
    return redirect(back, code=303)  # type: ignore[return-value]
