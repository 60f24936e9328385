"""`create_app(config)`: the simulators' Flask app (Serviceplatformen SOAP + admin API)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from simulators import faults, sim_time
from simulators.config import SimConfig
from simulators.engine import Simulator
from simulators.web import admin, dashboard, sp
from simulators.web.work_slots import WorkSlots


def create_app(config: SimConfig) -> Flask:
    """Build the app around a new `Simulator` (reachable as ``app.extensions["simulator"]``),
    with its behaviour over time installed (callbacks, payments, collection, timelines).

    Refuses to start bound beyond loopback without an admin token.
    """
    if not config.loopback_only and not config.admin_token:
        raise ValueError(f"admin_token is required when binding to {config.bind_host}")
    app = Flask(__name__)
    # A little above the SOAP limit, so the SOAP endpoint itself answers 413 with a Fault.
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes + 1
    sim = Simulator(config)
    app.extensions["simulator"] = sim
    app.register_blueprint(sp.blueprint())
    app.register_blueprint(admin.blueprint(), url_prefix="/admin")
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
    return app


def _clock_refreshed(wsgi_app: Any, sim: Simulator) -> Any:
    """Outermost: every request first takes up a clock change made by another process
    (another gunicorn worker, another simulator on the data dir), so all tell one time."""

    def refreshed(environ: dict[str, Any], start_response: Any) -> Any:
        sim.refresh_clock()
        return wsgi_app(environ, start_response)

    return refreshed


def simulator_of(app: Flask) -> Simulator:
    """The `Simulator` inside an app made by `create_app`."""
    sim: Simulator = app.extensions["simulator"]
    return sim
