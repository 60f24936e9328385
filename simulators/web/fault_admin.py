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

from typing import Any

from flask import Response, jsonify, request

from simulators.faults.rules import KINDS, FaultRuleError
from simulators.web.context import faults
from simulators.web.guard import AdminError, admin_blueprint


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


bp = admin_blueprint("admin_faults", __name__)
"""The fault rules' endpoints (mounted under /admin)."""


@bp.errorhandler(FaultRuleError)
def bad_rule(err: FaultRuleError) -> tuple[Response, int]:
    """A rule that does not validate: 400 with the reason."""
    return jsonify({"error": str(err)}), 400


@bp.get("/faults")
def rules() -> Response:
    """The rules in evaluation order."""
    return jsonify({"rules": [r.as_dict() for r in faults().rules()]})


@bp.post("/faults")
def add() -> tuple[Response, int]:
    """Add a rule."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise AdminError(400, "expected a JSON object body")
    return jsonify(faults().add(data).as_dict()), 201


@bp.delete("/faults")
def clear() -> Response:
    """Remove every rule."""
    return jsonify({"removed": faults().clear()})


@bp.get("/faults/<int:rule_id>")
def get(rule_id: int) -> Response:
    """One rule."""
    rule = faults().get(rule_id)
    if rule is None:
        raise AdminError(404, f"no fault rule {rule_id}")
    return jsonify(rule.as_dict())


@bp.delete("/faults/<int:rule_id>")
def delete(rule_id: int) -> Response:
    """Remove one rule."""
    if not faults().delete(rule_id):
        raise AdminError(404, f"no fault rule {rule_id}")
    return jsonify({"removed": 1})
