"""Who may use the simulator's admin API and dashboard, and how a refusal reads.

One rule for both: with an admin token configured (always when bound beyond loopback)
the caller must show it, else only loopback callers are answered. The JSON admin API
takes the token as ``Authorization: Bearer <token>`` and refuses with a JSON
``{"error": ...}``; the dashboard (HTML, for browsers) takes it as the HTTP Basic
password and refuses in Danish.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Response, jsonify, make_response, request

from oeir.faults import OeirFault
from oeir.same_origin import LOOPBACK_NAMES
from simulators.web.context import simulator


class AdminError(Exception):
    """A refused admin request: HTTP status, a message and extra JSON fields."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def require_admin() -> None:
    """Before every admin request: the Bearer token, or a loopback caller when none is set."""
    token = simulator().config.admin_token
    if token:
        if not _same(request.headers.get("Authorization", ""), f"Bearer {token}"):
            raise AdminError(401, "admin API needs Authorization: Bearer <token>")
    elif request.remote_addr not in LOOPBACK_NAMES:
        raise AdminError(403, "admin API answers loopback callers only")


def admin_error(err: AdminError) -> tuple[Response, int]:
    """A refused admin request as JSON."""
    return jsonify({"error": err.message, **err.extra}), err.status


def business_fault(err: OeirFault) -> tuple[Response, int]:
    """A business rule the ledger refused (HTTP 409), as the admin API reports it."""
    return jsonify({"error": err.tekst_en, "fejlkode": err.kode, "felt": err.felt}), 409


def admin_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint of the JSON admin API: guarded, refusals answered as JSON."""
    bp = Blueprint(name, import_name)
    bp.before_request(require_admin)
    bp.register_error_handler(AdminError, admin_error)
    return bp


def require_dashboard_login() -> Response | None:
    """Before every dashboard page: the admin token as HTTP Basic password, or loopback.

    Forms from another site or name are refused before this (`oeir.same_origin`).
    """
    token = simulator().config.admin_token
    if token:
        auth = request.authorization
        if not _same((auth.password or "") if auth else "", token):
            response = make_response("Log ind med admin-token som adgangskode.", 401)
            response.headers["WWW-Authenticate"] = 'Basic realm="debitorsim", charset="UTF-8"'
            return response
    elif request.remote_addr not in LOOPBACK_NAMES:
        return make_response("Dashboardet svarer kun på loopback.", 403)
    return None
