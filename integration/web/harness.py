"""Harness endpoints that act as FBS (JSON): fees, write-downs, cancellations, patrons, outbox."""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint, jsonify, request

from integration.domain.model import FeeType, Material
from integration.fbs.service import FbsError, NewFee
from integration.fbs.views import PERIODICAL_FIELDS, fee_detail, outbox_view, patron_view
from integration.web.context import current_core, token_issuer
from integration.web.openapi import OPENAPI
from oeir import apidocs, model
from oeir.faults import first_non_xml, xml_safe

bp = Blueprint("harness", __name__, url_prefix="/harness")


def _request_json(*, optional: bool = False) -> Any:
    """The request's JSON, read exactly: numbers with a fraction or exponent become `Decimal`.

    Money must never pass through float on the way in (99999999999999.99 would be
    stored as …98). A body that cannot be read is refused with what is wrong: the
    content type, or where and why the text is not JSON (``NaN``/``Infinity`` are not
    JSON). An empty body is None when `optional` (a cancel needs no body).
    """
    raw = request.get_data(cache=True)
    if optional and not raw.strip():
        return None
    if not request.is_json:
        got = xml_safe(request.mimetype, 80) or "none"
        raise FbsError(
            "ForkertIndholdstype",
            f"The body must be JSON sent with Content-Type: application/json (got {got}).",
        )
    if not raw.strip():
        raise FbsError("UgyldigJson", "The body is empty: send a JSON object.")
    try:
        return json.loads(
            raw, parse_float=Decimal, parse_int=_whole_number, parse_constant=_not_json
        )
    except json.JSONDecodeError as exc:
        raise FbsError(
            "UgyldigJson",
            f"The body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
        ) from None
    except UnicodeDecodeError:
        raise FbsError("UgyldigJson", "The body is not valid JSON: it is not UTF-8 text.") from None
    except _NotJson as exc:
        raise FbsError("UgyldigJson", str(exc)) from None
    except RecursionError:
        raise FbsError(
            "UgyldigJson", "The body is not valid JSON: it is nested too deeply."
        ) from None


class _NotJson(ValueError):
    """A constant Python's json module reads but JSON does not have."""


def _not_json(name: str) -> Any:
    raise _NotJson(
        f"The body is not valid JSON: {name} is not a JSON number (JSON has no NaN or Infinity)."
    )


def _whole_number(digits: str) -> int:
    limit = sys.get_int_max_str_digits()
    if limit and len(digits.lstrip("-")) > limit:
        raise _NotJson(f"The body cannot be read: a number has more than {limit} digits.")
    return int(digits)


def _kind(value: Any) -> str:
    """What a JSON value is, for an error message ("a string", "a list", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _body() -> dict[str, Any]:
    data = _request_json()
    if not isinstance(data, dict):
        raise FbsError("UgyldigJson", f"The body must be a JSON object, not {_kind(data)}.")
    _check_texts(data, "")
    return data


def _required(data: dict[str, Any], field: str, example: str) -> Any:
    """A field the body must have (null counts as missing)."""
    value = data.get(field)
    if value is None:
        raise FbsError("FeltMangler", f"{field} is missing: give it, e.g. {example}.")
    return value


def _check_texts(body: Any, path: str) -> None:
    """Refuse any string in the body that XML cannot carry, naming its field.

    Every text may end up in a SOAP message or the store (reasonMessage as Tekst,
    the patron's name as Navn); NUL, U+FFFE or a lone surrogate would fail there.
    Walked with a stack, not recursion: a deeply nested body is no crash.
    """
    stack: list[tuple[Any, str]] = [(body, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            bad = first_non_xml(value)
            if bad is not None:
                raise FbsError(
                    "UgyldigTegn",
                    f"{xml_safe(where, 80) or 'The body'} contains a character XML cannot carry "
                    f"(U+{ord(bad):04X}).",
                )
        elif isinstance(value, dict):
            stack.extend(
                (item, f"{where}.{key}" if where else str(key)) for key, item in value.items()
            )
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(value))


def _object(value: Any, name: str) -> dict[str, Any]:
    """An optional nested JSON object ({} when absent)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FbsError("UgyldigJson", f"{name} must be a JSON object, not {_kind(value)}.")
    return value


def _text(value: Any, name: str) -> str | None:
    """An optional JSON string."""
    if value is not None and not isinstance(value, str):
        raise FbsError("UgyldigJson", f"{name} must be a string, not {_kind(value)}.")
    return value


def _whole(value: Any, name: str) -> int | None:
    """An optional JSON whole number."""
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63
    ):
        got = _kind(value) if _kind(value) != "a number" else f"{value}"
        raise FbsError("UgyldigJson", f"{name} must be a whole number of 0 or more, not {got}.")
    return value


def _flag_of(value: Any, name: str) -> bool | None:
    """An optional JSON boolean."""
    if value is not None and not isinstance(value, bool):
        raise FbsError("UgyldigJson", f"{name} must be true or false, not {_kind(value)}.")
    return value


def _oere(value: Any, field: str = "amount") -> int:
    """Kroner as a JSON number (at most two decimals, within BeloebType) as exact øre.

    Request JSON is read with `Decimal` fractions (`_request_json`), so no amount
    passes through float. Text is refused: the API documents amounts as numbers, and
    ``int()``/``Decimal()`` would read "١٢" or "1_000" as 12 and 1000.
    """
    if value is None:
        raise FbsError(
            "FeltMangler", f"{field} is missing: give it in kroner as a JSON number, e.g. 30.50."
        )
    if isinstance(value, str):
        raise FbsError(
            "UgyldigBeloeb",
            f'{field} must be a number, not a string: write {field}: 30.50, not "30.50".',
        )
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise FbsError(
            "UgyldigBeloeb",
            f"{field} must be a JSON number of kroner, e.g. 30.50, not {_kind(value)}.",
        )
    if isinstance(value, int):
        if abs(value) > model.MAX_OERE // 100:
            raise FbsError("UgyldigBeloeb", f"{field} is larger than {_LARGEST} kroner.")
        return value * 100
    if not value.is_finite():
        raise FbsError("UgyldigBeloeb", f"{field} must be a finite number.")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    # Exact, without Decimal arithmetic (which rounds to the context's precision):
    # drop the coefficient's trailing zeros, then count decimals and digits.
    end = len(digits)
    while end > 1 and digits[end - 1] == 0:
        end -= 1
    exponent += len(digits) - end
    digits = digits[:end]
    if exponent < -2:
        raise FbsError("UgyldigBeloeb", f"{field} has more than two decimals.")
    if any(digits) and len(digits) + exponent > _WHOLE_DIGITS:
        raise FbsError("UgyldigBeloeb", f"{field} is larger than {_LARGEST} kroner.")
    oere = int("".join(map(str, digits))) * 10 ** (exponent + 2) if any(digits) else 0
    return -oere if sign else oere


_LARGEST = f"{model.MAX_OERE // 100}.{model.MAX_OERE % 100:02d}"
_WHOLE_DIGITS = len(str(model.MAX_OERE // 100))


def _enum(cls: type, value: Any, default: Any, name: str) -> Any:
    """An optional JSON string that must be one of `cls`'s values."""
    if value is None:
        return default
    allowed = ", ".join(m.value for m in cls)  # type: ignore[attr-defined]
    if not isinstance(value, str):
        raise FbsError("UgyldigVaerdi", f"{name} must be a string, one of: {allowed}.")
    try:
        return cls(value)
    except ValueError as exc:
        shown = json.dumps(xml_safe(value, 40), ensure_ascii=False)
        raise FbsError("UgyldigVaerdi", f"{name} {shown} is not one of: {allowed}.") from exc


def _materials(items: Any) -> tuple[Material, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise FbsError("UgyldigJson", "materials must be a list.")
    out = []
    for m in items:
        if not isinstance(m, dict) or "materialItemNumber" not in m or "recordId" not in m:
            raise FbsError("UgyldigJson", "Each material needs materialItemNumber and recordId.")
        group = _object(m.get("materialGroup"), "materialGroup")
        out.append(
            Material(
                material_item_number=str(m["materialItemNumber"]),
                record_id=str(m["recordId"]),
                material_group_name=str(group.get("name", "standard")),
                material_group_description=str(group.get("description", "Standard")),
                periodical=_periodical(m.get("periodical"), f"materials[{len(out)}].periodical"),
            )
        )
    return tuple(out)


MAX_PERIODICAL_TEXT = 200
"""Longest text of one Periodical field (a volume label, not a document)."""


def _periodical(value: Any, where: str) -> dict[str, str] | None:
    """A material's ``periodical``, checked as the FBS spec's ``Periodical`` object.

    ``displayText`` is required (non-empty text); ``volume``, ``volumeNumber`` and
    ``volumeYear`` are optional text; any other key, a non-text value or a missing
    ``displayText`` is a 400 ``UgyldigPeriodical`` naming the field. Absent or null
    means the material is no periodical.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FbsError("UgyldigPeriodical", f"{where} must be a JSON object (Periodical).")
    unknown = sorted(set(value) - set(PERIODICAL_FIELDS))
    if unknown:
        allowed = ", ".join(PERIODICAL_FIELDS)
        raise FbsError(
            "UgyldigPeriodical",
            f"{where} has unknown field(s) {', '.join(map(repr, unknown))[:200]}; "
            f"a Periodical has {allowed}.",
        )
    out: dict[str, str] = {}
    for key in PERIODICAL_FIELDS:
        item = value.get(key)
        if item is None:
            continue
        if not isinstance(item, str):
            raise FbsError("UgyldigPeriodical", f"{where}.{key} must be a string.")
        if len(item) > MAX_PERIODICAL_TEXT:
            raise FbsError(
                "UgyldigPeriodical",
                f"{where}.{key} is longer than {MAX_PERIODICAL_TEXT} characters.",
            )
        out[key] = item
    if not out.get("displayText", "").strip():
        raise FbsError(
            "UgyldigPeriodical", f"{where}.displayText is required (the spec's Periodical)."
        )
    return out


@bp.post("/fees")
def create_fee():  # type: ignore[no-untyped-def]
    """Create a fee (late fee or compensation) for a patron given by CPR/CVR or patronId."""
    data = _body()
    patron = _object(data.get("patron"), "patron")
    try:
        creation = date.fromisoformat(data["creationDate"]) if data.get("creationDate") else None
    except (TypeError, ValueError) as exc:
        raise FbsError("UgyldigDato", "creationDate must be a date as text, YYYY-MM-DD.") from exc
    new = NewFee(
        agency_id=_text(_required(data, "agencyId", '"DK-710100"'), "agencyId") or "",
        type=_enum(FeeType, data.get("type"), FeeType.FEE, "type"),
        reason_message=_text(data.get("reasonMessage"), "reasonMessage")
        or ("Erstatning" if data.get("type") == "compensation" else "Gebyr (for sent)"),
        amount=_oere(data.get("amount")),
        cpr=_text(patron.get("cpr"), "patron.cpr"),
        cvr=_text(patron.get("cvr"), "patron.cvr"),
        name=_text(patron.get("name"), "patron.name") or "",
        patron_id=_whole(patron.get("patronId"), "patron.patronId"),
        materials=_materials(data.get("materials")),
        skriftligt_anerkendt=_flag_of(data.get("acknowledgedInWriting"), "acknowledgedInWriting"),
        creation_date=creation,
    )
    core = current_core()
    fee = core.service.create_fee(new)
    return jsonify(fee_detail(fee, core.config)), 201


@bp.get("/fees/<int:fee_id>")
def get_fee(fee_id: int):  # type: ignore[no-untyped-def]
    """One fee with the integration's state of it."""
    core = current_core()
    with core.store.read() as repo:
        fee = repo.fee(fee_id)
    if fee is None:
        raise FbsError("GebyrFindesIkke", "No such fee.", 404)
    return jsonify(fee_detail(fee, core.config))


@bp.post("/fees/<int:fee_id>/writedown")
def write_down(fee_id: int):  # type: ignore[no-untyped-def]
    """Write part of a fee down (nedskrivning)."""
    data = _body()
    core = current_core()
    fee = core.service.write_down(
        fee_id,
        _oere(data.get("amount")),
        _enum(
            model.NedskrivningAarsag, data.get("reason"), model.NedskrivningAarsag.ANDET, "reason"
        ),
        _text(data.get("text"), "text"),
    )
    return jsonify(fee_detail(fee, core.config))


@bp.post("/fees/<int:fee_id>/cancel")
def cancel(fee_id: int):  # type: ignore[no-untyped-def]
    """Cancel a fee (annullering)."""
    data = _object(_request_json(optional=True), "The body")
    _check_texts(data, "")
    core = current_core()
    fee = core.service.cancel(
        fee_id,
        _enum(model.AnnulleringAarsag, data.get("reason"), model.AnnulleringAarsag.ANDET, "reason"),
        _text(data.get("text"), "text"),
    )
    return jsonify(fee_detail(fee, core.config))


@bp.get("/patrons/<int:patron_id>")
def get_patron(patron_id: int):  # type: ignore[no-untyped-def]
    """A patron's debt, block status and block history (CPR masked)."""
    core = current_core()
    with core.store.read() as repo:
        patron = repo.patron(patron_id)
        if patron is None:
            raise FbsError("UkendtLaaner", "No such patron.", 404)
        fees = repo.fees_of_patron(patron_id)
        periods = repo.block_periods(patron_id)
    return jsonify(patron_view(patron, fees, periods, core.config))


@bp.get("/blocks")
def blocks():  # type: ignore[no-untyped-def]
    """Every block period (``?kommune=``): when patrons were blocked and unblocked."""
    core = current_core()
    with core.store.read() as repo:
        periods = repo.all_block_periods(request.args.get("kommune"))
    return jsonify(
        [
            {
                "patronId": pid,
                "kommunekode": p.kommunekode,
                "started": p.started.isoformat(),
                "ended": p.ended.isoformat() if p.ended else None,
            }
            for pid, p in periods
        ]
    )


@bp.put("/patrons/<int:patron_id>/ident")
def change_ident(patron_id: int):  # type: ignore[no-untyped-def]
    """Change a patron's CPR or CVR number (body: {"cpr": ...} or {"cvr": ...})."""
    data = _body()
    core = current_core()
    fees = core.service.change_ident(
        patron_id, _text(data.get("cpr"), "cpr"), _text(data.get("cvr"), "cvr")
    )
    return jsonify({"patronId": patron_id, "changedFees": [f.fee_id for f in fees]})


def _limit() -> int:
    raw = request.args.get("limit", "200")
    if not raw.isdigit():
        raise FbsError("UgyldigVaerdi", "limit must be a whole number.")
    return min(int(raw), 10_000)


@bp.get("/outbox")
def outbox():  # type: ignore[no-untyped-def]
    """Outbox counts and messages (``?state=pending|sent|parked``)."""
    core = current_core()
    state = request.args.get("state")
    with core.store.read() as repo:
        counts = repo.outbox_counts()
        rows = repo.outbox_rows(state, _limit())
    return jsonify({"counts": counts, "messages": [outbox_view(r) for r in rows]})


@bp.post("/outbox/<int:row_id>/retry")
def retry(row_id: int):  # type: ignore[no-untyped-def]
    """Put a parked message back in line after the cause was fixed."""
    core = current_core()
    with core.store.tx() as repo:
        if not repo.requeue(row_id, core.config.clock.now()):
            raise FbsError("IkkeParkeret", "No parked message with this id.", 409)
        row = repo.outbox_row(row_id)
    return jsonify(outbox_view(row))  # type: ignore[arg-type]


@bp.post("/outbox/<int:row_id>/skip")
def skip(row_id: int):  # type: ignore[no-untyped-def]
    """Give up on a parked message: it is never sent, and later messages of its claim may go."""
    core = current_core()
    with core.store.tx() as repo:
        if not repo.skip(row_id):
            raise FbsError("IkkeParkeret", "No parked message with this id.", 409)
        row = repo.outbox_row(row_id)
    return jsonify(outbox_view(row))  # type: ignore[arg-type]


@bp.post("/outbox/run")
def run_worker():  # type: ignore[no-untyped-def]
    """Deliver what is due now (one drain of the worker; for test beds without a worker loop)."""
    r = current_core().worker.drain()
    return jsonify({"sent": r.sent, "retried": r.retried, "parked": r.parked})


@bp.post("/reset")
def reset():  # type: ignore[no-untyped-def]
    """Start fresh: delete the core's patrons, fees, events, accounts and outbox (`debitorsim reset`)."""
    with current_core().store.tx() as repo:
        removed = repo.reset()
    return jsonify({"reset": True, "removed": removed})


@bp.post("/tokens")
def issue_token():  # type: ignore[no-untyped-def]
    """Issue a bearer token for the FBS API (``{clientId?, agencyId?}``; OAuth2 token response)."""
    data = _object(_request_json(), "The body")
    _check_texts(data, "")
    client_id = _text(data.get("clientId"), "clientId") or "harness"
    agency_id = _text(data.get("agencyId"), "agencyId")
    if len(client_id) > 100:
        raise FbsError("UgyldigVaerdi", "clientId is longer than 100 characters.")
    if agency_id is not None:
        try:
            current_core().config.kommune_for_agency(agency_id)
        except ValueError as exc:
            raise FbsError("UkendtBibliotek", str(exc), 404) from exc
    answer = jsonify(token_issuer().issue(client_id, agency_id))
    answer.headers["Cache-Control"] = "no-store"  # RFC 6749 section 5.1
    return answer, 201


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    """The OpenAPI document of the FBS and harness endpoints."""
    return jsonify(OPENAPI)


@bp.get("/docs")
def docs():  # type: ignore[no-untyped-def]
    """The OpenAPI document, browsable (Swagger UI, served offline by this app)."""
    try:
        return apidocs.page_reply(
            "debitorsim: kernens FBS- og harness-API", "/harness/openapi.json", "/harness/docs/"
        )
    except apidocs.DocsUnavailable as exc:
        raise FbsError("DokumentationMangler", str(exc), 503) from exc


@bp.get("/docs/<name>")
def docs_asset(name: str):  # type: ignore[no-untyped-def]
    """The docs page's script and stylesheet (from the swagger-ui-bundle package)."""
    try:
        found = apidocs.asset_reply(name)
    except apidocs.DocsUnavailable as exc:
        raise FbsError("DokumentationMangler", str(exc), 503) from exc
    if found is None:
        raise FbsError("IkkeFundet", f"No docs file {name!r}.", 404)
    return found
