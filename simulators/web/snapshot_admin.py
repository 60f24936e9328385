"""``GET /admin/snapshot`` and ``PUT /admin/snapshot``: the whole simulator state as one JSON
document, saved and loaded (`simulators.snapshot`; docs/snapshots.md).

Nested inside the admin blueprint (`simulators.web.admin`), so the same access rule and
JSON errors apply: loopback only, or a Bearer token when one is configured; and, as every
state-changing request, the same-origin rule (`oeir.same_origin`).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from simulators import snapshot
from simulators.web.context import simulator
from simulators.web.guard import AdminError

MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024
"""The largest snapshot ``PUT`` accepts (the admin API's other requests stay at the SOAP limit)."""

_ERR = {
    "description": "error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
SNAPSHOT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["format", "version", "clock", "faults", "tables"],
    "properties": {
        "format": {"type": "string", "enum": [snapshot.FORMAT]},
        "version": {"type": "integer", "minimum": 1, "maximum": snapshot.VERSION},
        "saved_at": {"type": "string", "format": "date-time", "description": "wall clock"},
        "clock": {
            "type": "object",
            "required": ["now", "mode"],
            "properties": {
                "now": {"type": "string", "format": "date-time"},
                "mode": {"type": "string", "enum": ["frozen", "real", "accelerated"]},
                "factor": {"type": "number"},
            },
        },
        "faults": {
            "type": "object",
            "required": ["next_id"],
            "properties": {"next_id": {"type": "integer", "minimum": 1}},
        },
        "tables": {
            "type": "object",
            "description": "table name -> {columns: [names], rows: [[values]]}",
            "additionalProperties": {
                "type": "object",
                "required": ["columns", "rows"],
                "properties": {
                    "columns": {"type": "array", "items": {"type": "string"}},
                    "rows": {"type": "array", "items": {"type": "array"}},
                },
            },
        },
    },
}

OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/admin/snapshot": {
        "get": {
            "summary": "The whole simulator state as one document (ledger, jobs, clock, "
            "tenants' overrides, fault rules, call ids; not the journal). Holds CPR numbers "
            "unmasked, as the database does",
            "responses": {
                "200": {
                    "description": "the snapshot",
                    "content": {"application/json": {"schema": SNAPSHOT_SCHEMA}},
                },
                "default": _ERR,
            },
        },
        "put": {
            "summary": "Replace the whole state by a snapshot, atomically (a refused one "
            "changes nothing); payment-page sessions are dropped",
            "parameters": [
                {
                    "name": "clear_journal",
                    "in": "query",
                    "required": False,
                    "description": "also empty the request journal (true/false, default false)",
                    "schema": {"type": "boolean"},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": SNAPSHOT_SCHEMA}},
            },
            "responses": {
                "200": {
                    "description": "loaded: rows per table and the clock",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "default": _ERR,
            },
        },
    }
}
"""The OpenAPI paths of these endpoints (merged into /admin/openapi.json)."""


def _flag(name: str) -> bool:
    raw = request.args.get(name, "false").strip().lower()
    if raw not in ("true", "false", "1", "0", "yes", "no"):
        raise AdminError(400, f"{name} must be true or false")
    return raw in ("true", "1", "yes")


bp = Blueprint("snapshot", __name__)
"""The snapshot endpoints; nested inside the admin blueprint (its guard applies)."""


@bp.get("/snapshot")
def snapshot_get() -> Response:
    """The whole state as one JSON document (never cached: it holds CPR numbers)."""
    text = json.dumps(snapshot.save(simulator()), ensure_ascii=False, separators=(",", ":"))
    return Response(
        text,
        mimetype="application/json",
        headers={"Cache-Control": "no-store"},  # it holds CPR numbers: never cached
    )


@bp.put("/snapshot")
def snapshot_put() -> Response:
    """Replace the whole state by a snapshot, atomically."""
    clear_journal = _flag("clear_journal")
    request.max_content_length = MAX_SNAPSHOT_BYTES
    document = request.get_json(silent=True)
    if document is None:
        raise AdminError(400, "expected a snapshot (a JSON object) as the body")
    try:
        summary = snapshot.load(simulator(), document, clear_journal=clear_journal)
    except snapshot.SnapshotError as exc:
        raise AdminError(400, str(exc)) from None
    return jsonify(summary)
