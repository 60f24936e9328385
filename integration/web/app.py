"""`create_app(config)`: the integration core as a Flask app (blueprints, config passed in)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from integration.clock import refresh
from integration.config import CoreConfig
from integration.core import Core
from integration.fbs.service import FbsError
from oeir import same_origin


class SqliteInt(IntegerConverter):
    """``<int:...>`` limited to what SQLite stores (a signed 64-bit integer)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: CoreConfig | None = None, core: Core | None = None) -> Flask:
    """The integration core's WSGI app. Pass `core` to share one with a worker or a test.

    Refuses to start bound beyond loopback without an admin token (integration.web.auth).
    """
    from integration.web import auth, callbacks, fbs_api, harness, reconcile_views

    auth.require_safe_binding(core.config if core else config or CoreConfig())
    core = core or Core.build(config or CoreConfig())
    app = Flask("integration")
    app.url_map.converters["int"] = SqliteInt  # ids beyond SQLite's range are a 404, not a 500
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["integration"] = core
    app.register_blueprint(fbs_api.bp)
    app.register_blueprint(harness.bp)
    app.register_blueprint(callbacks.bp)
    app.register_blueprint(reconcile_views.bp)
    auth.install_admin_guard(app, core.config)
    clock = core.config.clock
    app.before_request(lambda: refresh(clock))  # a clock shared through a store
    # Outermost: CSRF and DNS rebinding are refused before any route (oeir.same_origin).
    allowed = same_origin.allowed_hosts(core.config.bind_host, core.config.allowed_hosts)
    app.wsgi_app = same_origin.SameOrigin(app.wsgi_app, allowed)  # type: ignore[method-assign]
    if core.config.trust_proxy:  # before the same-origin rule: it sees the public scheme and host
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=1, x_host=1, x_prefix=1)  # type: ignore[method-assign]

    @app.errorhandler(FbsError)
    def _fbs_error(exc: FbsError):  # type: ignore[no-untyped-def]
        return jsonify({"code": exc.code, "message": exc.message}), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        return jsonify({"code": exc.name, "message": exc.description}), exc.code or 500

    @app.get("/")
    def _index():  # type: ignore[no-untyped-def]
        return jsonify(
            {
                "service": "debitorsim integration core (FBS side)",
                "openapi": "/harness/openapi.json",
                "docs": "/harness/docs",
                "feesV2": "/external/{agencyid}/patron/{patronid}/fees/v2",
                "callback": "/service/OIR/DaekningAfskrivningRegistreringAfsend/1?wsdl",
                "outbox": "/harness/outbox",
            }
        )

    return app


def core_of_app() -> Core:
    """The `Core` of the app handling the current request."""
    return current_app.extensions["integration"]
