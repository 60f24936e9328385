"""Who may use the harness (``/harness/...``): the admin token, or a loopback caller.

With `CoreConfig.admin_token` configured, every harness call needs
``Authorization: Bearer <token>`` (401 without it); without one, only loopback callers are
answered (403). `create_app` refuses to start beyond loopback without a token
(`integration.web.auth.require_safe_binding`), so the second case is the local test bed.
"""

from __future__ import annotations

from flask import Response, jsonify, request

from integration.web.auth import same_secret
from integration.web.context import current_core
from oeir.same_origin import LOOPBACK_NAMES


def require_admin() -> tuple[Response, int] | None:
    """Before every request: refuse a ``/harness`` call without the token or from afar.

    An app-wide hook on the path, not a blueprint's, so an unknown ``/harness`` path is
    refused as well rather than told apart by a 404.
    """
    if not request.path.startswith("/harness"):
        return None
    token = current_core().config.admin_token
    if token:
        given = request.headers.get("Authorization", "")
        if not same_secret(given, f"Bearer {token}"):
            return jsonify(
                {"code": "Uautoriseret", "message": "Needs Authorization: Bearer <token>."}
            ), 401
    elif request.remote_addr not in LOOPBACK_NAMES:
        return jsonify(
            {"code": "AdgangNaegtet", "message": "The harness answers loopback callers only."}
        ), 403
    return None
