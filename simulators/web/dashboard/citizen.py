"""``/borger``: how a citizen pays in each municipality (its payment page, or how instead)."""

from __future__ import annotations

from flask import Response

from simulators.timesettings import TimeSettings
from simulators.web.context import simulator
from simulators.web.dashboard.base import bp, page


@bp.get("/borger")
def citizen() -> Response:
    """Every municipality with its payment page or the way to pay without one."""
    rows = []
    for tenant in sorted(simulator().tenants.all(), key=lambda t: t.kommune.navn):
        rows.append(
            {
                "tenant": tenant,
                "url": f"/betaling/{tenant.kode}/" if tenant.profile.payment_solution else None,
                "alternative": TimeSettings.of(tenant.profile).payment_alternative,
            }
        )
    return page("borger.html", rows=rows)
