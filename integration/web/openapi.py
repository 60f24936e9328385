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


_HTML: dict[str, Any] = {"200": {"description": "OK", "content": {"text/html": {}}}}


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


_AGENCY = {
    "name": "agencyid",
    "in": "path",
    "required": True,
    "description": "ISIL of the agency (e.g. DK-710100); anything else is a 400.",
    "schema": {"type": "string", "pattern": "^[A-Za-z]{1,4}-[A-Za-z0-9:/-]{1,11}$"},
}
_PATRON = {
    "name": "patronid",
    "in": "path",
    "required": True,
    "description": "The FBS patron id (never a CPR number); not a whole number is a 400.",
    "schema": {"type": "integer", "format": "int64", "minimum": 0},
}
_SECURED: list[dict[str, list[str]]] = [{"fbsToken": []}]
_FBS_ERRORS = {
    "400": {**_ERROR, "description": "bad request: a malformed id, query value or body"},
    "401": {
        **_ERROR,
        "description": "client unauthorized: no valid bearer token (only when tokens are on)",
    },
    "404": {**_ERROR, "description": "no such patron at this agency"},
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
                "operationId": "getFeesV2",
                "summary": "A patron's fees, as FBS returns them (FBS getFeesV2)",
                "description": (
                    "FBS's spec marks both flags required with default false; an absent flag "
                    "reads as false here, anything but a boolean is a 400. `payableByClient` "
                    "is false once the debtor system has the claim: the fee is then listed "
                    "only with includenonpayable=true. A paid fee has `paidDate` (the last "
                    "payment); a written-off or fully written-down fee is closed without a "
                    "`paidDate`, listed only with includepaid=true."
                ),
                "security": _SECURED,
                "parameters": [
                    _AGENCY,
                    _PATRON,
                    {
                        "name": "includepaid",
                        "in": "query",
                        "required": True,
                        "description": (
                            "true if all paid/unpaid fees should be included, false if only "
                            "unpaid fees should be included; default=false"
                        ),
                        "schema": {"type": "boolean", "default": False},
                    },
                    {
                        "name": "includenonpayable",
                        "in": "query",
                        "required": True,
                        "description": (
                            "true if fees that are not payable through a CMS system should be "
                            "included (for read only access); default=false"
                        ),
                        "schema": {"type": "boolean", "default": False},
                    },
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
                    **_FBS_ERRORS,
                },
            }
        },
        "/external/{agencyid}/patron/{patronid}/payment/v2": {
            "post": {
                "operationId": "payFees",
                "summary": "Register a payment gateway's order as full payment of fees (FBS payFees)",
                "description": (
                    "Each named fee is paid in full (no partial payment of a fee). The same "
                    "orderId again answers paymentRegistered with the same confirmationId; a "
                    "fee paid by another order gets paymentRegisteredByDifferentOrderId; a fee "
                    "the client may not pay (handed to the debtor system, closed, not the "
                    "patron's) gets paymentNotAllowedByClient. Unknown statuses are to be read "
                    "as yet another reason for not registering the payment."
                ),
                "security": _SECURED,
                "parameters": [_AGENCY, _PATRON],
                "requestBody": _body("PaymentOrder"),
                "responses": {
                    "200": {
                        "description": "One PaymentConfirmationV2 per fee",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/PaymentConfirmationV2"},
                                }
                            }
                        },
                    },
                    **_FBS_ERRORS,
                },
            }
        },
        "/external/{agencyid}/patrons/{patronid}/v4": {
            "get": {
                "operationId": "getPatronInformationByPatronIdV4",
                "summary": "The patron's details with blockStatus[] (FBS patrons v4)",
                "description": (
                    "A debt block has blockedReason E (patron has fee); FBS's own codes are "
                    "O, U, F, S, W, and unexpected values are to be read as 'other reason'."
                ),
                "security": _SECURED,
                "parameters": [_AGENCY, _PATRON],
                "responses": {
                    "200": {
                        "description": "AuthenticatedPatronV4",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/AuthenticatedPatronV4"}
                            }
                        },
                    },
                    **_FBS_ERRORS,
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
        "/harness/tokens": {
            "post": {
                "summary": "Issue a bearer token for the FBS API (OAuth2 token response)",
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/TokenRequest"}
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "Token",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Token"}}
                        },
                    },
                    "400": _ERROR,
                    "404": _ERROR,
                },
            }
        },
        "/harness/docs": {
            "get": {
                "summary": "This document, browsable (Swagger UI, offline)",
                "responses": _HTML,
            }
        },
        "/harness/docs/{name}": {
            "get": {
                "summary": "The docs page's script and stylesheet",
                "parameters": [
                    {
                        "name": "name",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                        "description": "swagger-ui.css, swagger-ui-bundle.js or the initialiser",
                    }
                ],
                "responses": {**_HTML, "404": _ERROR},
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
        "securitySchemes": {
            "fbsToken": {
                "type": "http",
                "scheme": "bearer",
                "description": (
                    "FBS itself: OAuth 2.0 (password grant, token URL "
                    "https://login.bib.dk/oauth/token). Here: a token from POST "
                    "/harness/tokens, required only when the core's FBS auth is on "
                    "(`fbs_auth`, `--fbs-auth`; on by default beyond loopback)."
                ),
            }
        },
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            },
            "Periodical": {
                "type": "object",
                "description": "FBS's Periodical: present only when the material is a periodical.",
                "required": ["displayText"],
                "additionalProperties": False,
                "properties": {
                    "displayText": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 200,
                        "description": "The volume information, suitable for display",
                    },
                    "volume": {"type": "string", "maxLength": 200},
                    "volumeNumber": {"type": "string", "maxLength": 200},
                    "volumeYear": {"type": "string", "maxLength": 200},
                },
            },
            "MaterialGroup": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                },
            },
            "FeeMaterialV2": {
                "type": "object",
                "required": ["recordId", "materialGroup", "materialItemNumber"],
                "properties": {
                    "materialItemNumber": {"type": "string"},
                    "recordId": {"type": "string", "description": "The FAUST number"},
                    "periodical": {
                        "allOf": [{"$ref": "#/components/schemas/Periodical"}],
                        "nullable": True,
                    },
                    "materialGroup": {"$ref": "#/components/schemas/MaterialGroup"},
                },
            },
            "Material": {
                "type": "object",
                "description": "A material of a new fee (materialGroup defaults to standard).",
                "required": ["materialItemNumber", "recordId"],
                "properties": {
                    "materialItemNumber": {"type": "string"},
                    "recordId": {"type": "string"},
                    "periodical": {
                        "allOf": [{"$ref": "#/components/schemas/Periodical"}],
                        "nullable": True,
                        "description": "Checked as FBS's Periodical: a 400 UgyldigPeriodical otherwise.",
                    },
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
                "required": [
                    "payableByClient",
                    "amount",
                    "materials",
                    "reasonMessage",
                    "type",
                    "creationDate",
                    "feeId",
                ],
                "properties": {
                    "feeId": {"type": "integer", "format": "int64"},
                    "type": {
                        "type": "string",
                        "description": (
                            "fee or compensation today; clients treat unknown values as other."
                        ),
                    },
                    "reasonMessage": {"type": "string"},
                    "amount": {
                        **_AMOUNT,
                        "format": "double",
                        "description": (
                            "Kroner: what is still owed while the fee is open, the principal "
                            "(after write-downs) once it is closed."
                        ),
                    },
                    "creationDate": {"type": "string", "format": "date"},
                    "dueDate": {"type": "string", "format": "date", "nullable": True},
                    "paidDate": {
                        "type": "string",
                        "format": "date",
                        "nullable": True,
                        "description": (
                            "Date of the final payment once paid in full; null otherwise, also "
                            "for written-off and fully written-down fees."
                        ),
                    },
                    "payableByClient": {
                        "type": "boolean",
                        "description": (
                            "False once the debtor system has the claim (pay there) and for "
                            "closed fees."
                        ),
                    },
                    "materials": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/FeeMaterialV2"},
                    },
                },
            },
            "PaymentOrder": {
                "type": "object",
                "required": ["orderId", "feeIds"],
                "properties": {
                    "orderId": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 100,
                        "description": "Order id from the payment gateway",
                    },
                    "feeIds": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 1000,
                        "description": "Fees fully covered by the order",
                        "items": {"type": "integer", "format": "int64", "minimum": 0},
                    },
                },
            },
            "PaymentConfirmationV2": {
                "type": "object",
                "required": ["orderId", "feeId", "paymentStatus"],
                "properties": {
                    "orderId": {"type": "string"},
                    "confirmationId": {
                        "type": "string",
                        "nullable": True,
                        "description": "Set only when paymentStatus is paymentRegistered.",
                    },
                    "feeId": {"type": "integer", "format": "int64"},
                    "paymentStatus": {
                        "type": "string",
                        "description": (
                            "paymentRegistered, paymentRegisteredByDifferentOrderId or "
                            "paymentNotAllowedByClient; read unknown values as not registered."
                        ),
                    },
                },
            },
            "BlockStatus": {
                "type": "object",
                "required": ["blockedReason", "blockedSince", "message"],
                "properties": {
                    "blockedReason": {"type": "string", "description": "Reason code (E: fee)"},
                    "blockedSince": {"type": "string", "description": "YYYY-MM-DD"},
                    "message": {"type": "string"},
                },
            },
            "PatronV4": {
                "type": "object",
                "required": [
                    "preferredPickupBranch",
                    "patronId",
                    "receiveEmail",
                    "receiveSms",
                    "receivePostalMail",
                    "defaultInterestPeriod",
                    "resident",
                ],
                "properties": {
                    "patronId": {"type": "integer", "format": "int64"},
                    "name": {"type": "string"},
                    "preferredPickupBranch": {"type": "string"},
                    "receiveEmail": {"type": "boolean"},
                    "receiveSms": {"type": "boolean"},
                    "receivePostalMail": {"type": "boolean"},
                    "defaultInterestPeriod": {"type": "integer", "format": "int32"},
                    "resident": {"type": "boolean"},
                    "guardianVisibility": {"type": "boolean"},
                    "blockStatus": {
                        "type": "array",
                        "description": "Empty when the patron is not blocked.",
                        "items": {"$ref": "#/components/schemas/BlockStatus"},
                    },
                },
            },
            "AuthenticatedPatronV4": {
                "type": "object",
                "required": ["authenticated"],
                "properties": {
                    "authenticated": {"type": "boolean"},
                    "authenticateStatus": {
                        "type": "string",
                        "description": "VALID (AuthenticatedPatronV8's field, for newer clients)",
                    },
                    "patron": {"$ref": "#/components/schemas/PatronV4"},
                },
            },
            "TokenRequest": {
                "type": "object",
                "properties": {
                    "clientId": {"type": "string", "maxLength": 100},
                    "agencyId": {
                        "type": "string",
                        "description": "Limit the token to this agency's /external paths.",
                    },
                },
            },
            "Token": {
                "type": "object",
                "required": ["access_token", "token_type", "expires_in"],
                "properties": {
                    "access_token": {"type": "string"},
                    "token_type": {"type": "string", "enum": ["bearer"]},
                    "expires_in": {"type": "integer"},
                    "agencyId": {"type": "string", "nullable": True},
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
        },
    },
}
"""The document served at ``/harness/openapi.json``."""
