"""Harness endpoints that act as FBS (JSON): fees, write-downs, cancellations, patrons, outbox."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, jsonify, request

from integration.fbs.model import FeeType, Material
from integration.fbs.service import FbsError, NewFee
from integration.fbs.views import fee_detail, outbox_view, patron_view
from integration.web.app import core_of_app
from integration.web.openapi import OPENAPI
from oeir import model

bp = Blueprint("harness", __name__, url_prefix="/harness")


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise FbsError("UgyldigJson", "The body must be a JSON object.")
    return data


def _object(value: Any, name: str) -> dict[str, Any]:
    """An optional nested JSON object ({} when absent)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FbsError("UgyldigJson", f"{name} must be a JSON object.")
    return value


def _text(value: Any, name: str) -> str | None:
    """An optional JSON string."""
    if value is not None and not isinstance(value, str):
        raise FbsError("UgyldigJson", f"{name} must be a string.")
    return value


def _whole(value: Any, name: str) -> int | None:
    """An optional JSON whole number."""
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63
    ):
        raise FbsError("UgyldigJson", f"{name} must be a whole number.")
    return value


def _flag_of(value: Any, name: str) -> bool | None:
    """An optional JSON boolean."""
    if value is not None and not isinstance(value, bool):
        raise FbsError("UgyldigJson", f"{name} must be true or false.")
    return value


def _oere(value: Any, field: str = "amount") -> int:
    """Kroner (number or string, at most two decimals) as øre."""
    if isinstance(value, bool) or value is None:
        raise FbsError("UgyldigBeloeb", f"{field} must be an amount in kroner.")
    try:
        oere = Decimal(str(value)) * 100
    except InvalidOperation as exc:
        raise FbsError("UgyldigBeloeb", f"{field} must be an amount in kroner.") from exc
    if not oere.is_finite() or oere != oere.to_integral_value():
        raise FbsError("UgyldigBeloeb", f"{field} has more than two decimals.")
    return int(oere)


def _enum(cls: type, value: Any, default: Any) -> Any:
    if value is None:
        return default
    try:
        return cls(value)
    except ValueError as exc:
        allowed = ", ".join(m.value for m in cls)  # type: ignore[attr-defined]
        raise FbsError("UgyldigVaerdi", f"{value!r} is not one of: {allowed}.") from exc


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
                periodical=_object(m.get("periodical"), "periodical") or None,
            )
        )
    return tuple(out)


@bp.post("/fees")
def create_fee():  # type: ignore[no-untyped-def]
    """Create a fee (late fee or compensation) for a patron given by CPR/CVR or patronId."""
    data = _body()
    patron = _object(data.get("patron"), "patron")
    try:
        creation = date.fromisoformat(data["creationDate"]) if data.get("creationDate") else None
    except (TypeError, ValueError) as exc:
        raise FbsError("UgyldigDato", "creationDate must be YYYY-MM-DD.") from exc
    new = NewFee(
        agency_id=str(data.get("agencyId", "")),
        type=_enum(FeeType, data.get("type"), FeeType.FEE),
        reason_message=str(
            data.get("reasonMessage")
            or ("Erstatning" if data.get("type") == "compensation" else "Gebyr (for sent)")
        ),
        amount=_oere(data.get("amount")),
        cpr=_text(patron.get("cpr"), "patron.cpr"),
        cvr=_text(patron.get("cvr"), "patron.cvr"),
        name=str(patron.get("name", "")),
        patron_id=_whole(patron.get("patronId"), "patron.patronId"),
        materials=_materials(data.get("materials")),
        skriftligt_anerkendt=_flag_of(data.get("acknowledgedInWriting"), "acknowledgedInWriting"),
        creation_date=creation,
    )
    core = core_of_app()
    fee = core.service.create_fee(new)
    return jsonify(fee_detail(fee, core.config)), 201


@bp.get("/fees/<int:fee_id>")
def get_fee(fee_id: int):  # type: ignore[no-untyped-def]
    """One fee with the integration's state of it."""
    core = core_of_app()
    with core.store.read() as repo:
        fee = repo.fee(fee_id)
    if fee is None:
        raise FbsError("GebyrFindesIkke", "No such fee.", 404)
    return jsonify(fee_detail(fee, core.config))


@bp.post("/fees/<int:fee_id>/writedown")
def write_down(fee_id: int):  # type: ignore[no-untyped-def]
    """Write part of a fee down (nedskrivning)."""
    data = _body()
    core = core_of_app()
    fee = core.service.write_down(
        fee_id,
        _oere(data.get("amount")),
        _enum(model.NedskrivningAarsag, data.get("reason"), model.NedskrivningAarsag.ANDET),
        _text(data.get("text"), "text"),
    )
    return jsonify(fee_detail(fee, core.config))


@bp.post("/fees/<int:fee_id>/cancel")
def cancel(fee_id: int):  # type: ignore[no-untyped-def]
    """Cancel a fee (annullering)."""
    data = _object(request.get_json(silent=True) or None, "The body")
    core = core_of_app()
    fee = core.service.cancel(
        fee_id,
        _enum(model.AnnulleringAarsag, data.get("reason"), model.AnnulleringAarsag.ANDET),
        _text(data.get("text"), "text"),
    )
    return jsonify(fee_detail(fee, core.config))


@bp.get("/patrons/<int:patron_id>")
def get_patron(patron_id: int):  # type: ignore[no-untyped-def]
    """A patron's debt, block status and block history (CPR masked)."""
    core = core_of_app()
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
    core = core_of_app()
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
    core = core_of_app()
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
    core = core_of_app()
    state = request.args.get("state")
    with core.store.read() as repo:
        counts = repo.outbox_counts()
        rows = repo.outbox_rows(state, _limit())
    return jsonify({"counts": counts, "messages": [outbox_view(r) for r in rows]})


@bp.post("/outbox/<int:row_id>/retry")
def retry(row_id: int):  # type: ignore[no-untyped-def]
    """Put a parked message back in line after the cause was fixed."""
    core = core_of_app()
    with core.store.tx() as repo:
        if not repo.requeue(row_id, core.config.clock.now()):
            raise FbsError("IkkeParkeret", "No parked message with this id.", 409)
        row = repo.outbox_row(row_id)
    return jsonify(outbox_view(row))  # type: ignore[arg-type]


@bp.post("/outbox/<int:row_id>/skip")
def skip(row_id: int):  # type: ignore[no-untyped-def]
    """Give up on a parked message: it is never sent, and later messages of its claim may go."""
    core = core_of_app()
    with core.store.tx() as repo:
        if not repo.skip(row_id):
            raise FbsError("IkkeParkeret", "No parked message with this id.", 409)
        row = repo.outbox_row(row_id)
    return jsonify(outbox_view(row))  # type: ignore[arg-type]


@bp.post("/outbox/run")
def run_worker():  # type: ignore[no-untyped-def]
    """Deliver what is due now (one drain of the worker; for test beds without a worker loop)."""
    r = core_of_app().worker.drain()
    return jsonify({"sent": r.sent, "retried": r.retried, "parked": r.parked})


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    """The OpenAPI document of the FBS and harness endpoints."""
    return jsonify(OPENAPI)
