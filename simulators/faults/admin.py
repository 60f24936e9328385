"""Admin endpoints of fault injection (JSON, mounted under /admin; same access rule).

- ``GET    /admin/faults``            the rules in evaluation order, with `fired`/`remaining`
  (global: the rules are in the simulator's store, shared by every worker);
- ``POST   /admin/faults``            add a rule (201 with its id);
- ``DELETE /admin/faults``            remove every rule (and release held requests);
- ``GET    /admin/faults/<rule_id>``  one rule;
- ``DELETE /admin/faults/<rule_id>``  remove one rule.
See docs/faults.md for the rule fields.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from simulators.config import LOOPBACK
from simulators.faults.injector import FaultInjector
from simulators.faults.rules import KINDS, FaultRuleError


class FaultAdminError(Exception):
    """A refused request: HTTP status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def injector() -> FaultInjector:
    """The fault injector of the current app's simulator."""
    found: FaultInjector = current_app.extensions["simulator"].faults
    return found


def _op(summary: str, *, params: bool = False, body: bool = False, created: bool = False) -> Any:
    ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            "201" if created else "200": ok,
            "default": {
                "description": "error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
    }
    if params:
        op["parameters"] = [
            {
                "name": "rule_id",
                "in": "path",
                "required": True,
                "description": "the rule's id",
                "schema": {"type": "integer"},
            }
        ]
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": RULE_SCHEMA}},
        }
    return op


RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["kind"],
    "description": "A fault rule; the fields each kind takes are in docs/faults.md.",
    "properties": {
        "kind": {"type": "string", "enum": sorted(KINDS)},
        "kommunekode": {"type": "string", "nullable": True, "example": "101"},
        "operation": {"type": "string", "nullable": True, "example": "OpretFordring"},
        "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "seed": {"type": "integer"},
        "count": {"type": "integer", "minimum": 1, "description": "the next N calls"},
        "description": {"type": "string"},
        "distribution": {"type": "string", "enum": ["fixed", "uniform", "lognormal"]},
        "fixed_ms": {"type": "number"},
        "min_ms": {"type": "number"},
        "max_ms": {"type": "number"},
        "median_ms": {"type": "number"},
        "sigma": {"type": "number"},
        "fejlkode": {"type": "string", "example": "FordringFindesIkke"},
        "felt": {"type": "string"},
        "retry_after_s": {"type": "integer"},
        "execute": {"type": "boolean"},
        "status": {"type": "integer"},
        "keep_fraction": {"type": "number"},
        "chunk_bytes": {"type": "integer"},
        "interval_ms": {"type": "integer"},
        "hold_ms": {"type": "integer"},
        "start": {"type": "string", "example": "01:00"},
        "end": {"type": "string", "example": "03:00"},
        "weekdays": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 6}},
        "copies": {"type": "integer"},
        "ack_lost": {"type": "boolean"},
    },
}

OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/admin/faults": {
        "get": _op("Fault rules in evaluation order, with fired and remaining counts"),
        "post": _op("Add a fault rule (see docs/faults.md)", body=True, created=True),
        "delete": _op("Remove every fault rule and release held requests"),
    },
    "/admin/faults/{rule_id}": {
        "get": _op("One fault rule", params=True),
        "delete": _op("Remove one fault rule", params=True),
    },
}


def blueprint() -> Blueprint:
    """The blueprint (mount under /admin)."""
    bp = Blueprint("admin_faults", __name__)

    @bp.before_request
    def guard() -> None:
        token = current_app.extensions["simulator"].config.admin_token
        if token:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                raise FaultAdminError(401, "admin API needs Authorization: Bearer <token>")
        elif request.remote_addr not in LOOPBACK:
            raise FaultAdminError(403, "admin API answers loopback callers only")

    @bp.errorhandler(FaultAdminError)
    def refused(err: FaultAdminError) -> tuple[Response, int]:
        return jsonify({"error": err.message}), err.status

    @bp.errorhandler(FaultRuleError)
    def bad_rule(err: FaultRuleError) -> tuple[Response, int]:
        return jsonify({"error": str(err)}), 400

    @bp.get("/faults")
    def rules() -> Response:
        return jsonify({"rules": [r.as_dict() for r in injector().rules()]})

    @bp.post("/faults")
    def add() -> tuple[Response, int]:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise FaultAdminError(400, "expected a JSON object body")
        return jsonify(injector().add(data).as_dict()), 201

    @bp.delete("/faults")
    def clear() -> Response:
        return jsonify({"removed": injector().clear()})

    @bp.get("/faults/<int:rule_id>")
    def get(rule_id: int) -> Response:
        rule = injector().get(rule_id)
        if rule is None:
            raise FaultAdminError(404, f"no fault rule {rule_id}")
        return jsonify(rule.as_dict())

    @bp.delete("/faults/<int:rule_id>")
    def delete(rule_id: int) -> Response:
        if not injector().delete(rule_id):
            raise FaultAdminError(404, f"no fault rule {rule_id}")
        return jsonify({"removed": 1})

    return bp
