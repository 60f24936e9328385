"""`create_app(config)`: the simulators' whole Flask app, built in one place.

Around one `Simulator` and its behaviour over time (`SimTime`: callbacks, payments,
collection, timelines) it serves the simulated Serviceplatformen (SOAP), the admin API
(JSON, with its fault, time and snapshot endpoints), the payment pages and the
dashboard (HTML). Views reach the simulator through `simulators.web.context`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from oeir import same_origin
from simulators.config import SimConfig
from simulators.engine import Simulator
from simulators.sim_time import SimTime
from simulators.web import admin, dashboard, fault_admin, payment_pages, sp, time_admin
from simulators.web.context import attach, sim_time_of, simulator_of
from simulators.web.fault_middleware import FaultMiddleware
from simulators.web.soap_calls import SoapCalls
from simulators.web.work_slots import WorkSlots

__all__ = ["StoredInt", "create_app", "sim_time_of", "simulator_of"]


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
    """Build the app around a new `Simulator` (`simulator_of(app)`) with its behaviour over
    time installed (`sim_time_of(app)`).

    Refuses to start bound beyond loopback without an admin token.
    """
    if not config.loopback_only and not config.admin_token:
        raise ValueError(f"admin_token is required when binding to {config.bind_host}")
    app = Flask(__name__)
    app.url_map.converters["int"] = StoredInt
    # A little above the SOAP limit, so the SOAP endpoint itself answers with a Fault (HTTP 500).
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes + 1
    # Set before any template compiles: Jinja compiles `finalize` into each template.
    app.jinja_env.finalize = dashboard.masked_output
    sim = Simulator(config)
    attach(app, sim, SimTime(sim).install())

    app.register_blueprint(sp.bp)
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(fault_admin.bp, url_prefix="/admin")
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(payment_pages.bp, url_prefix="/betaling")
    app.register_blueprint(time_admin.bp, url_prefix="/admin")
    admin.install_error_handlers(app)

    # The SOAP calls (POST) are answered in front of Flask; everything else goes on to it.
    app.wsgi_app = SoapCalls(app.wsgi_app, sim, sp.SERVED, app.logger)  # type: ignore[method-assign]
    if config.work_slots is not None:
        paths = [service.path for service in sp.SERVED]
        app.wsgi_app = WorkSlots(  # type: ignore[method-assign]
            app.wsgi_app, config.work_slots, paths, config.max_request_bytes
        )
    # Outside the slots: a delayed call holds no slot.
    app.wsgi_app = FaultMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, sim.faults, sp.SERVED, _kommune_of_cvr(sim), config.max_request_bytes
    )
    app.wsgi_app = _clock_refreshed(app.wsgi_app, sim)  # type: ignore[method-assign]
    app.wsgi_app = same_origin.outermost(  # type: ignore[method-assign]
        app.wsgi_app, config.bind_host, config.allowed_hosts, trust_proxy=config.trust_proxy
    )
    return app


def _kommune_of_cvr(sim: Simulator) -> Any:
    """The municipality code of a CVR number (None for an unknown one), for the faults' scope."""

    def kommune_of_cvr(cvr: str) -> str | None:
        tenant = sim.tenants.by_cvr(cvr)
        return tenant.kode if tenant is not None else None

    return kommune_of_cvr


def _clock_refreshed(wsgi_app: Any, sim: Simulator) -> Any:
    """Around everything but the same-origin guard: every request first takes up a clock
    change made by another process (another gunicorn worker, another simulator on the
    data dir), so all tell one time."""

    def refreshed(environ: dict[str, Any], start_response: Any) -> Any:
        sim.refresh_clock()
        return wsgi_app(environ, start_response)

    return refreshed
