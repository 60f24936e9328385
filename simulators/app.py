"""`create_app(config)`: the simulators' Flask app (Serviceplatformen SOAP + admin API)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from oeir import same_origin
from simulators import faults, sim_time
from simulators.config import SimConfig
from simulators.engine import Simulator
from simulators.web import admin, dashboard, snapshot_admin, sp
from simulators.web.work_slots import WorkSlots


class StoredInt(IntegerConverter):
    """``<int:...>`` limited to what the stores keep (a signed 64-bit integer): a larger id is
    a 404, not an overflow inside the store (nor werkzeug's 405 for a converter's refusal)."""

    def to_python(self, value: str) -> int:
        """The id, or 404 when no store could hold it."""
        number: int = super().to_python(value)
        if number > 2**63 - 1:
            raise NotFound()
        return number


def create_app(config: SimConfig) -> Flask:
    """Build the app around a new `Simulator` (reachable as ``app.extensions["simulator"]``),
    with its behaviour over time installed (callbacks, payments, collection, timelines).

    Refuses to start bound beyond loopback without an admin token.
    """
    if not config.loopback_only and not config.admin_token:
        raise ValueError(f"admin_token is required when binding to {config.bind_host}")
    app = Flask(__name__)
    app.url_map.converters["int"] = StoredInt
    # A little above the SOAP limit, so the SOAP endpoint itself answers with a Fault (HTTP 500).
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes + 1
    sim = Simulator(config)
    app.extensions["simulator"] = sim
    app.register_blueprint(sp.blueprint())
    admin_bp = admin.blueprint()
    admin_bp.register_blueprint(snapshot_admin.blueprint())  # under the admin API's guard
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.extensions.setdefault(admin.OPENAPI_EXTRA, {}).update(snapshot_admin.OPENAPI_PATHS)
    admin.install_error_handlers(app)
    if config.work_slots is not None:
        paths = [service.path for service in sp.SERVED]
        app.wsgi_app = WorkSlots(  # type: ignore[method-assign]
            app.wsgi_app, config.work_slots, paths, config.max_request_bytes
        )
    faults.install_app(app)  # outside the slots: a delayed call holds no slot
    dashboard.install(app)
    sim_time.install_app(app)
    app.wsgi_app = _clock_refreshed(app.wsgi_app, sim)  # type: ignore[method-assign]
    # Outermost: CSRF and DNS rebinding are refused before faults, slots or any route.
    allowed = same_origin.allowed_hosts(config.bind_host, config.allowed_hosts)
    app.wsgi_app = same_origin.SameOrigin(app.wsgi_app, allowed)  # type: ignore[method-assign]
    if config.trust_proxy:  # before the same-origin rule: it sees the public scheme and host
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=1, x_host=1, x_prefix=1)  # type: ignore[method-assign]
    return app


def _clock_refreshed(wsgi_app: Any, sim: Simulator) -> Any:
    """Around everything but the same-origin guard: every request first takes up a clock
    change made by another process (another gunicorn worker, another simulator on the
    data dir), so all tell one time."""

    def refreshed(environ: dict[str, Any], start_response: Any) -> Any:
        sim.refresh_clock()
        return wsgi_app(environ, start_response)

    return refreshed


def simulator_of(app: Flask) -> Simulator:
    """The `Simulator` inside an app made by `create_app`."""
    sim: Simulator = app.extensions["simulator"]
    return sim
