"""What every dashboard page shares: the blueprint, its filters and guard, the page frame.

The page modules of this package add their views to `bp`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, make_response, render_template

from simulators.web.context import simulator
from simulators.web.dashboard.fault_texts import kind_name
from simulators.web.dashboard.formatting import (
    dato,
    kroner,
    masked,
    run_rhythm,
    status_name,
    step_name,
    tid,
    udfald,
    udfald_klasse,
)
from simulators.web.guard import require_dashboard_login

bp = Blueprint(
    "dashboard",
    __name__,
    template_folder="../templates",
    static_folder="../static/dashboard",
    static_url_path="/static/dashboard",
)
"""The dashboard blueprint (mount at ``/``)."""

bp.before_request(require_dashboard_login)
for _name, _filter in {
    "kroner": kroner,
    "tid": tid,
    "dato": dato,
    "trin": step_name,
    "udfald": udfald,
    "udfald_klasse": udfald_klasse,
    "fejlslags": kind_name,
    "rytme": run_rhythm,
    "status": status_name,
    "maskeret": masked,
}.items():
    bp.add_app_template_filter(_filter, _name)

CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""The pages' Content-Security-Policy: nothing but this app's own styles and scripts."""


def core_url() -> str | None:
    """Base URL of the integration core, from the simulator's configuration."""
    url = simulator().config.core_url
    return url.rstrip("/") if url else None


def page(template: str, status: int = 200, **ctx: Any) -> Response:
    """A dashboard page in Danish with the clock on top; never cached."""
    s = simulator()
    html = render_template(
        f"dashboard/{template}",
        now=s.clock.now(),
        clock=s.clock.as_dict(),
        core_url=core_url(),
        **ctx,
    )
    response = make_response(html, status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Language"] = "da"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CSP
    return response


def safe_back(target: str | None, default: str) -> str:
    """A local path to go back to (never another host)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
