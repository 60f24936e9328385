"""The OpenAPI 3 document of the FBS fee API and the harness endpoints."""

from __future__ import annotations

from typing import Any

_AMOUNT = {"type": "number", "description": "Kroner, at most two decimals.", "example": 30.0}
_AMOUNT_IN = {
    "type": "number",
    "description": (
        "Kroner as a JSON number (never text), at most two decimals and at most "
        "9999999999999.99 (the contract's BeloebType: 15 digits, 2 of them decimals). "
        "Read exactly, never through float; anything else is a 400 UgyldigBeloeb."
    ),
    "maximum": 9999999999999.99,
    "example": 30.5,
}
_ERROR = {
    "description": "Refused",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _ok(ref: str, code: str = "200") -> dict[str, Any]:
    return {
        code: {
            "description": "OK",
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
        },
        "400": _ERROR,
        "404": _ERROR,
        "409": _ERROR,
    }


def _body(ref: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


_FEE_ID = {"name": "feeId", "in": "path", "required": True, "schema": {"type": "integer"}}
_PATRON_ID = {"name": "patronId", "in": "path", "required": True, "schema": {"type": "integer"}}

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "debitorsim integration core: FBS fee API and harness",
        "version": "1",
        "description": (
            "The FBS side of the debtor integration. `/external/...` mirrors the FBS external "
            "API (FeeV2). `/harness/...` lets a test act as FBS. Amounts are kroner in JSON "
            "and øre internally. CPR numbers are accepted in bodies but never in URLs, and "
            "are shown masked."
        ),
    },
    "paths": {
        "/external/{agencyid}/patron/{patronid}/fees/v2": {
            "get": {
                "summary": "A patron's fees, as FBS returns them",
                "parameters": [
                    {
                        "name": "agencyid",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "patronid",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    },
                    {"name": "includepaid", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "includenonpayable", "in": "query", "schema": {"type": "boolean"}},
                ],
                "responses": {
                    "200": {
                        "description": "FeeV2 list",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/FeeV2"},
                                }
                            }
                        },
                    },
                    "404": _ERROR,
                },
            }
        },
        "/harness/fees": {
            "post": {
                "summary": "Create a fee (late fee or compensation) and queue its claim",
                "requestBody": _body("NewFee"),
                "responses": _ok("FeeDetail", "201"),
            }
        },
        "/harness/fees/{feeId}": {
            "get": {
                "summary": "One fee with its integration state",
                "parameters": [_FEE_ID],
                "responses": _ok("FeeDetail"),
            }
        },
        "/harness/fees/{feeId}/writedown": {
            "post": {
                "summary": "Write part of a fee down (NedskrivFordring)",
                "parameters": [_FEE_ID],
                "requestBody": _body("WriteDown"),
                "responses": _ok("FeeDetail"),
            }
        },
        "/harness/fees/{feeId}/cancel": {
            "post": {
                "summary": "Cancel a fee (AnnullerFordring)",
                "parameters": [_FEE_ID],
                "requestBody": _body("Cancel"),
                "responses": _ok("FeeDetail"),
            }
        },
        "/harness/patrons/{patronId}": {
            "get": {
                "summary": "Debt, block status and block periods of a patron",
                "parameters": [_PATRON_ID],
                "responses": _ok("Patron"),
            }
        },
        "/harness/blocks": {
            "get": {
                "summary": "Every block period: when patrons were blocked and unblocked",
                "parameters": [{"name": "kommune", "in": "query", "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "List of {patronId, kommunekode, started, ended}"}
                },
            }
        },
        "/harness/patrons/{patronId}/ident": {
            "put": {
                "summary": "Change a patron's CPR/CVR (SkiftHaefter on every open fee)",
                "parameters": [_PATRON_ID],
                "requestBody": _body("Ident"),
                "responses": _ok("IdentChanged"),
            }
        },
        "/harness/outbox": {
            "get": {
                "summary": "Outbox counts and messages; parked ones carry a readable reason",
                "parameters": [
                    {
                        "name": "state",
                        "in": "query",
                        "schema": {
                            "type": "string",
                            "enum": ["pending", "sent", "parked", "skipped"],
                        },
                    },
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 200}},
                ],
                "responses": _ok("Outbox"),
            }
        },
        "/harness/outbox/{id}/retry": {
            "post": {
                "summary": "Put a parked message back in line",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": _ok("OutboxMessage"),
            }
        },
        "/harness/outbox/{id}/skip": {
            "post": {
                "summary": "Give up on a parked message; later messages of its claim may go",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": _ok("OutboxMessage"),
            }
        },
        "/harness/outbox/run": {
            "post": {
                "summary": "Deliver everything due now (one worker drain)",
                "responses": {"200": {"description": "Counts"}},
            }
        },
        "/harness/reset": {
            "post": {
                "summary": "Start fresh: delete every patron, fee, event, account and outbox message "
                "(the clock is the simulator's; reset it with POST /admin/reset)",
                "responses": {"200": {"description": "Rows removed per table"}},
            }
        },
        "/harness/reconcile/{kommunekode}": {
            "get": {
                "summary": "Reconcile FBS with the debtor system (JSON; .html for a page)",
                "parameters": [
                    {
                        "name": "kommunekode",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "patronId",
                        "in": "query",
                        "description": "Only this patron's fees (HentDebitorkonto).",
                        "schema": {"type": "integer"},
                    },
                    {
                        "name": "pageSize",
                        "in": "query",
                        "description": "Accounts per SoegDebitorkonti page (1-1000).",
                        "schema": {"type": "integer", "default": 100},
                    },
                ],
                "responses": {"200": {"description": "Reconciliation report"}},
            }
        },
    },
    "components": {
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            },
            "Material": {
                "type": "object",
                "required": ["materialItemNumber", "recordId"],
                "properties": {
                    "materialItemNumber": {"type": "string"},
                    "recordId": {"type": "string"},
                    "periodical": {"type": "object", "nullable": True},
                    "materialGroup": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "description": {"type": "string"},
                        },
                    },
                },
            },
            "FeeV2": {
                "type": "object",
                "properties": {
                    "feeId": {"type": "integer"},
                    "type": {"type": "string", "enum": ["fee", "compensation"]},
                    "reasonMessage": {"type": "string"},
                    "amount": _AMOUNT,
                    "creationDate": {"type": "string", "format": "date"},
                    "dueDate": {"type": "string", "format": "date"},
                    "paidDate": {"type": "string", "format": "date", "nullable": True},
                    "payableByClient": {"type": "boolean"},
                    "materials": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Material"},
                    },
                },
            },
            "FeeDetail": {
                "allOf": [
                    {"$ref": "#/components/schemas/FeeV2"},
                    {
                        "type": "object",
                        "properties": {
                            "fordringId": {"type": "string"},
                            "agencyId": {"type": "string"},
                            "kommunekode": {"type": "string"},
                            "patronId": {"type": "integer"},
                            "status": {
                                "type": "string",
                                "enum": ["open", "paid", "written_off", "cancelled"],
                            },
                            "originalAmount": _AMOUNT,
                            "writtenDown": _AMOUNT,
                            "paid": _AMOUNT,
                            "writtenOff": _AMOUNT,
                            "adjustedDown": _AMOUNT,
                            "remaining": _AMOUNT,
                            "handedOver": {"type": "boolean"},
                            "handedOverAt": {
                                "type": "string",
                                "format": "date-time",
                                "nullable": True,
                            },
                            "collectionStatus": {"type": "string", "nullable": True},
                            "paymentUrl": {"type": "string", "nullable": True},
                            "lastTimelyPaymentDate": {"type": "string", "format": "date"},
                        },
                    },
                ]
            },
            "NewFee": {
                "type": "object",
                "description": (
                    "Every text (reasonMessage, patron.name, materials, …) must be text XML "
                    "can carry: NUL and other control characters, U+FFFE/U+FFFF and lone "
                    "surrogates are a 400 UgyldigTegn naming the field."
                ),
                "required": ["agencyId", "amount", "patron"],
                "properties": {
                    "agencyId": {"type": "string", "example": "DK-710100"},
                    "type": {"type": "string", "enum": ["fee", "compensation"], "default": "fee"},
                    "reasonMessage": {"type": "string", "example": "Gebyr (for sent)"},
                    "amount": _AMOUNT_IN,
                    "creationDate": {"type": "string", "format": "date"},
                    "acknowledgedInWriting": {"type": "boolean"},
                    "patron": {
                        "type": "object",
                        "description": "Either patronId, or cpr/cvr (+ name for a new patron).",
                        "properties": {
                            "patronId": {"type": "integer"},
                            "cpr": {"type": "string"},
                            "cvr": {"type": "string"},
                            "name": {"type": "string"},
                        },
                    },
                    "materials": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Material"},
                    },
                },
            },
            "WriteDown": {
                "type": "object",
                "required": ["amount"],
                "properties": {
                    "amount": _AMOUNT_IN,
                    "reason": {
                        "type": "string",
                        "enum": ["DelvisAflevering", "FejlIOprettelse", "Kulance", "Andet"],
                    },
                    "text": {"type": "string"},
                },
            },
            "Cancel": {
                "type": "object",
                "properties": {
                    "reason": {
                        "type": "string",
                        "enum": ["MaterialeFundet", "FejlIOprettelse", "Kulance", "Andet"],
                    },
                    "text": {"type": "string"},
                },
            },
            "Ident": {
                "type": "object",
                "properties": {"cpr": {"type": "string"}, "cvr": {"type": "string"}},
            },
            "IdentChanged": {
                "type": "object",
                "properties": {
                    "patronId": {"type": "integer"},
                    "changedFees": {"type": "array", "items": {"type": "integer"}},
                },
            },
            "Patron": {
                "type": "object",
                "properties": {
                    "patronId": {"type": "integer"},
                    "agencyId": {"type": "string"},
                    "name": {"type": "string"},
                    "cpr": {"type": "string", "description": "Masked: DDMMYY-****"},
                    "cvr": {"type": "string", "nullable": True},
                    "blocked": {"type": "boolean"},
                    "municipalities": {"type": "array", "items": {"type": "object"}},
                    "blockPeriods": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "kommunekode": {"type": "string"},
                                "started": {"type": "string", "format": "date-time"},
                                "ended": {
                                    "type": "string",
                                    "format": "date-time",
                                    "nullable": True,
                                },
                            },
                        },
                    },
                },
            },
            "OutboxMessage": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "messageId": {"type": "string"},
                    "fordringId": {"type": "string"},
                    "kommunekode": {"type": "string"},
                    "operation": {"type": "string"},
                    "state": {"type": "string", "enum": ["pending", "sent", "parked", "skipped"]},
                    "attempts": {"type": "integer"},
                    "notBefore": {"type": "string", "format": "date-time"},
                    "lastError": {"type": "string", "nullable": True},
                    "reason": {
                        "type": "object",
                        "nullable": True,
                        "description": "Why a parked message was refused (FejlKode and Danish text).",
                        "properties": {"code": {"type": "string"}, "text": {"type": "string"}},
                    },
                },
            },
            "Outbox": {
                "type": "object",
                "properties": {
                    "counts": {"type": "object"},
                    "messages": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/OutboxMessage"},
                    },
                },
            },
        }
    },
}
"""The document served at ``/harness/openapi.json``."""
