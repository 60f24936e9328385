"""Reconciliation over HTTP: JSON, or a readable HTML page."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from integration.client import BusinessFault, TechnicalFault
from integration.fbs.service import FbsError
from integration.reconcile import reconcile, render_html
from integration.web.context import current_core
from oeir import kommuner

bp = Blueprint("reconcile", __name__, url_prefix="/harness/reconcile")


def _run(kommunekode: str):  # type: ignore[no-untyped-def]
    if kommunekode not in kommuner.by_kode():
        raise FbsError("UkendtKommune", "No such municipality (kommunekode).", 404)
    core = current_core()
    try:
        patron = request.args.get("patronId", type=int)
        page_size = min(max(request.args.get("pageSize", 100, type=int), 1), 1000)
        return reconcile(
            core.store,
            core.client,
            kommunekode,
            core.config.clock.now(),
            page_size,
            patron_id=patron,
        )
    except (BusinessFault, TechnicalFault) as exc:
        raise FbsError(
            "DebitorsystemFejl", f"The debtor system could not be read: {exc}", 502
        ) from exc


@bp.get("/<kommunekode>")
def as_json(kommunekode: str):  # type: ignore[no-untyped-def]
    """The reconciliation report as JSON."""
    return jsonify(_run(kommunekode).as_json())


@bp.get("/<kommunekode>.html")
def as_html(kommunekode: str):  # type: ignore[no-untyped-def]
    """The reconciliation report as an HTML page (Danish)."""
    return Response(render_html(_run(kommunekode)), 200, content_type="text/html; charset=utf-8")
