"""The OpenAPI 3 document of the admin API (hand-written; a test keeps it equal to the routes)."""

from __future__ import annotations

from typing import Any

from simulators.profiles import SYSTEMS

_JSON = {"application/json": {"schema": {"type": "object"}}}
_ERR = {
    "description": "error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _op(
    summary: str, *, params: list[dict[str, Any]] | None = None, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {"200": {"description": "OK", "content": _JSON}, "default": _ERR},
    }
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def _html(summary: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "responses": {"200": {"description": "OK", "content": {"text/html": {}}}, "default": _ERR},
    }


def _q(name: str, description: str, type_: str = "string") -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": type_},
    }


def _p(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


_KODE = _p("kode", "three-digit municipality code (kommunekode)")

PATHS: dict[str, dict[str, Any]] = {
    "/admin/": {"get": _op("Index: service endpoints, WSDL links, clock, row counts")},
    "/admin/openapi.json": {"get": _op("This document")},
    "/admin/docs": {"get": _html("This document, browsable (Swagger UI, offline)")},
    "/admin/docs/{name}": {
        "get": {
            **_html("The docs page's script and stylesheet"),
            "parameters": [_p("name", "swagger-ui.css, swagger-ui-bundle.js or the initialiser")],
        }
    },
    "/admin/clock": {
        "get": _op("The virtual clock: now (Europe/Copenhagen), mode, factor, pending jobs"),
        "post": _op(
            "Move or switch the clock; due jobs run in order",
            body={
                "type": "object",
                "description": "exactly one of advance, set, mode",
                "properties": {
                    "advance": {
                        "type": "string",
                        "example": "P3D",
                        "description": "ISO 8601 duration (W, D, H, M, S)",
                    },
                    "set": {
                        "type": "string",
                        "format": "date-time",
                        "description": "naive = Copenhagen time",
                    },
                    "mode": {"type": "string", "enum": ["frozen", "real", "accelerated"]},
                    "factor": {"type": "number", "description": "speed in accelerated mode"},
                },
            },
        ),
    },
    "/admin/tenants": {
        "get": _op(
            "All 98 municipalities with system and profile",
            params=[_q("system", "only this system")],
        )
    },
    "/admin/tenants/{kode}": {
        "get": _op(
            "One municipality with every profile value, marked assumed/public/overridden",
            params=[_KODE],
        ),
        "patch": _op(
            "Change a municipality: system, profile values, FBS callback URL (null removes)",
            params=[_KODE],
            body={
                "type": "object",
                "properties": {
                    "system": {
                        "type": "string",
                        "enum": list(SYSTEMS),
                    },
                    "profile": {
                        "type": "object",
                        "description": "profile values; dotted keys or nested tables",
                    },
                    "callback_url": {"type": "string", "format": "uri", "nullable": True},
                },
            },
        ),
    },
    "/admin/accounts": {
        "get": _op(
            "A municipality's debtor accounts with claims (CPR masked)",
            params=[
                _q("kommunekode", "required"),
                _q("after", "page after this account number"),
                _q("limit", "page size (max 1000)", "integer"),
            ],
        )
    },
    "/admin/accounts/search": {
        "post": _op(
            "Accounts of one debtor (the CPR goes in the body, never in a URL)",
            body={
                "type": "object",
                "required": ["debitor"],
                "properties": {"debitor": {"type": "string"}, "kommunekode": {"type": "string"}},
            },
        )
    },
    "/admin/accounts/{nummer}": {
        "get": _op(
            "One account with its claims (CPR masked)", params=[_p("nummer", "account number")]
        )
    },
    "/admin/claims/{kommunekode}/{fordring_id}": {
        "get": _op(
            "One claim with its balances and events",
            params=[_p("kommunekode", "municipality code"), _p("fordring_id", "FordringId")],
        )
    },
    "/admin/events": {
        "get": _op(
            "The append-only event log, paged by sequence number",
            params=[
                _q("after", "events with seq greater than this", "integer"),
                _q("limit", "page size (max 1000)", "integer"),
                _q("kommunekode", "one municipality"),
                _q("fordring_id", "one claim"),
                _q("kind", "one event kind, e.g. Daekning"),
            ],
        )
    },
    "/admin/journal": {
        "get": _op(
            "The bounded request journal, newest first (CPR masked)",
            params=[
                _q("kommunekode", "one municipality"),
                _q("operation", "e.g. OpretFordring"),
                _q("verdict", "ok, fault or injected"),
                _q("fejlkode", "one FejlKode"),
                _q("before", "entries with id below this", "integer"),
                _q("limit", "page size (max 1000)", "integer"),
            ],
        )
    },
    "/admin/requests/count": {
        "post": _op(
            'Verify: how many journaled SOAP calls match (answers {"count": N})',
            body={"$ref": "#/components/schemas/RequestMatcher"},
        )
    },
    "/admin/requests/find": {
        "post": _op(
            "Verify: the matching journaled calls, newest first, with request, response and "
            'near-miss (answers {"count": N, "requests": [...]})',
            body={"$ref": "#/components/schemas/RequestMatcher"},
        )
    },
    "/admin/jobs": {
        "get": _op(
            "The scheduler's jobs in due order, and the registered handlers",
            params=[_q("status", "pending, done or failed"), _q("limit", "max rows", "integer")],
        )
    },
    "/admin/stats": {"get": _op("Row counts: accounts, claims, events, jobs, journal")},
    "/admin/reset": {"post": _op("Delete all data; the clock keeps its time")},
}


REQUEST_MATCHER: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "Every field optional, all ANDed; {} matches every journaled call. An unknown "
    "field or a bad value is a 400 saying what is wrong. Bodies in the journal are CPR-masked: "
    "an element or XPath matcher on a CPR number must use the masked form (010190-****).",
    "properties": {
        "service": {"type": "string", "example": "DebitorRegistreringAfsend"},
        "operation": {"type": "string", "example": "OpretFordring"},
        "kommunekode": {"type": "string", "pattern": "^[0-9]{3}$", "example": "101"},
        "verdict": {"type": "string", "enum": ["ok", "fault", "injected"]},
        "fejlkode": {"type": "string", "example": "FordringFindesIkke"},
        "from": {
            "type": "string",
            "format": "date-time",
            "description": "virtual clock, inclusive; without an offset Copenhagen time",
        },
        "to": {"type": "string", "format": "date-time", "description": "virtual clock, exclusive"},
        "elements": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "element local name -> exact text; each must equal some element "
            "of the request",
            "example": {"FordringId": "FBS-101-7"},
        },
        "xpath": {
            "type": "string",
            "description": "XPath 1.0 on the request envelope, true or a non-empty node-set; "
            "prefixes soap, o (SF1590_B), sp/ic/invctx, ac/authctx, cc/callctx",
            "example": "//o:Fordring[o:Hovedstol > 10000]",
        },
        "limit": {
            "type": "integer",
            "minimum": 1,
            "maximum": 1000,
            "default": 100,
            "description": "find: rows returned (count ignores it)",
        },
    },
}
"""The JSON body of /admin/requests/count and /find (`simulators.verify`)."""


def openapi(server_url: str) -> dict[str, Any]:
    """The OpenAPI 3.0 document, with `server_url` as server."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "debitorsim simulators: admin API",
            "version": "1",
            "description": "Control the virtual clock, municipalities and profiles; inspect ledger state, "
            "the event log and the request journal. Amounts are integer øre. CPR numbers are masked. "
            "Bearer token required when configured.",
        },
        "servers": [{"url": server_url}],
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                },
                "RequestMatcher": REQUEST_MATCHER,
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{}, {"bearer": []}],
        "paths": PATHS,
    }
