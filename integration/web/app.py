"""`create_app(config)`: the integration core as a Flask app (blueprints, config passed in)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from integration.clock import refresh
from integration.config import CoreConfig
from integration.core import Core
from integration.fbs.service import FbsError
from integration.web import auth, callbacks, fbs_api, guard, harness, reconcile_views
from integration.web.context import attach, core_of
from oeir import same_origin

__all__ = ["SqliteInt", "core_of", "create_app"]


class SqliteInt(IntegerConverter):
    """``<int:...>`` limited to what SQLite stores (a signed 64-bit integer)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: CoreConfig | None = None, core: Core | None = None) -> Flask:
    """The integration core's WSGI app. Pass `core` to share one with a worker or a test.

    Refuses to start bound beyond loopback without an admin token (integration.web.auth).
    """
    auth.require_safe_binding(core.config if core else config or CoreConfig())
    core = core or Core.build(config or CoreConfig())
    app = Flask("integration")
    app.url_map.converters["int"] = SqliteInt  # ids beyond SQLite's range are a 404, not a 500
    app.json.sort_keys = False  # type: ignore[attr-defined]
    attach(app, core)
    app.register_blueprint(fbs_api.bp)
    app.register_blueprint(harness.bp)
    app.register_blueprint(callbacks.bp)
    app.register_blueprint(reconcile_views.bp)
    app.before_request(guard.require_admin)
    clock = core.config.clock
    app.before_request(lambda: refresh(clock))  # a clock shared through a store
    app.wsgi_app = same_origin.outermost(  # type: ignore[method-assign]
        app.wsgi_app,
        core.config.bind_host,
        core.config.allowed_hosts,
        trust_proxy=core.config.trust_proxy,
    )

    app.register_error_handler(FbsError, fbs_error)
    app.register_error_handler(HTTPException, http_error)
    app.add_url_rule("/", "_index", index)
    return app


def fbs_error(exc: FbsError) -> tuple[Response, int]:
    """A refused FBS or harness call: its code and message as JSON."""
    return jsonify({"code": exc.code, "message": exc.message}), exc.status


def http_error(exc: HTTPException) -> tuple[Response, int]:
    """An error Flask raises itself (404, 405, 413...) as the same JSON shape."""
    return jsonify({"code": exc.name, "message": exc.description}), exc.code or 500


def index() -> Response:
    """Where the core's parts are."""
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
