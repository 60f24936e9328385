"""Fault injection: make the simulated Serviceplatformen misbehave, on request and reproducibly.

- `rules`: the rule model (kinds, scope, trigger) and its validation;
- `injector`: `FaultInjector`, the rule list and the decision per call or callback;
- `wsgi`: `FaultMiddleware`, which applies the decisions on the SOAP endpoints;
- `local`: the rule table in memory, for an injector without a simulator store;
- `admin`: the ``/admin/faults`` endpoints.
`install_app(app)` wires the middleware and the endpoints onto an app from
`simulators.create_app` (which calls it). See docs/faults.md.
"""

from __future__ import annotations

from flask import Flask

from simulators.faults.injector import CallbackPlan, Decision, FaultInjector
from simulators.faults.rules import KINDS, FaultRule, FaultRuleError, parse_rule

__all__ = [
    "KINDS",
    "CallbackPlan",
    "Decision",
    "FaultInjector",
    "FaultRule",
    "FaultRuleError",
    "install_app",
    "parse_rule",
]


def install_app(app: Flask) -> FaultInjector:
    """Put the fault middleware in front of the app and mount ``/admin/faults``."""
    from simulators.faults import admin
    from simulators.faults.wsgi import FaultMiddleware
    from simulators.web.admin import OPENAPI_EXTRA
    from simulators.web.sp import SERVED

    sim = app.extensions["simulator"]
    injector: FaultInjector = sim.faults

    def kommune_of_cvr(cvr: str) -> str | None:
        tenant = sim.tenants.by_cvr(cvr)
        return tenant.kode if tenant is not None else None

    app.wsgi_app = FaultMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, injector, SERVED, kommune_of_cvr, sim.config.max_request_bytes
    )
    app.register_blueprint(admin.blueprint(), url_prefix="/admin")
    app.extensions.setdefault(OPENAPI_EXTRA, {}).update(admin.OPENAPI_PATHS)
    return injector
