"""Admin endpoints of the time behaviour (JSON, mounted under /admin like the core admin API).

- ``GET  /admin/callbacks`` batches (``kommunekode``, ``status``, ``limit``), newest first;
- ``GET  /admin/callbacks/attempts`` every delivery attempt and its outcome;
- ``POST /admin/callbacks/<kode>/flush`` try the oldest pending batch now;
- ``GET  /admin/callbacks/<kode>/next-run`` when an event now would reach FBS;
- ``POST /admin/indbetalingskort`` a payment-slip payment (books after bank days);
- ``GET  /admin/indbetalingskort`` slips paid but not yet booked;
- ``POST /admin/payments/reversal`` reverse a payment (``haendelse_id``);
- ``GET  /admin/claims/<kode>/<fordring_id>/timeline`` the claim's timeline;
- ``POST /admin/claims/<kode>/<fordring_id>/collection`` run ``invoice``, ``remind`` or
  ``hand_over`` for the claim now.
The callback URL itself is registered with ``PATCH /admin/tenants/<kode>``
(``{"callback_url": ...}``) or in the configuration. Same access rule as the core
admin API: loopback only, or a Bearer token when one is configured.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from oeir.faults import OeirFault
from simulators.ledger import Event
from simulators.store.time import TimeRepo
from simulators.web.context import sim_time
from simulators.web.guard import AdminError, admin_blueprint, business_fault


def _op(
    summary: str, params: tuple[dict[str, Any], ...] = (), body: bool = False
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            "200": {
                "description": "OK",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "default": {
                "description": "error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
    }
    if params:
        op["parameters"] = list(params)
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    return op


def _param(name: str, where: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": {"type": "string"},
    }


_KODE = _param("kode", "path", "three-digit municipality code (kommunekode)")
_FID = _param("fordring_id", "path", "the claim's FordringId")
_KOMMUNE_Q = _param("kommunekode", "query", "only this municipality")
_LIMIT = _param("limit", "query", "at most this many (1-1000, default 100)")

OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/admin/callbacks": {
        "get": _op(
            "Callback messages to FBS, newest first",
            (_KOMMUNE_Q, _param("status", "query", "pending | delivered | afvist"), _LIMIT),
        )
    },
    "/admin/callbacks/attempts": {
        "get": _op(
            "Every delivery attempt and its outcome, newest first",
            (_KOMMUNE_Q, _param("batch_id", "query", "only this message"), _LIMIT),
        )
    },
    "/admin/callbacks/{kode}/flush": {
        "post": _op("Try the municipality's oldest waiting message now", (_KODE,))
    },
    "/admin/callbacks/{kode}/next-run": {
        "get": _op("When an event now would reach FBS (the next run)", (_KODE,))
    },
    "/admin/indbetalingskort": {
        "get": _op("Payment slips paid but not yet booked", (_KOMMUNE_Q,)),
        "post": _op(
            "A payment-slip payment (kommunekode, fordring_id, beloeb in øre, indbetaling_id); "
            "booked after the profile's bank days",
            body=True,
        ),
    },
    "/admin/payments/reversal": {
        "post": _op("Reverse a payment event (haendelse_id, optional tekst)", body=True)
    },
    "/admin/claims/{kode}/{fordring_id}/timeline": {
        "get": _op("The claim's timeline with virtual timestamps", (_KODE, _FID))
    },
    "/admin/claims/{kode}/{fordring_id}/collection": {
        "post": _op(
            "Run a collection step now: invoice, remind or hand_over", (_KODE, _FID), body=True
        )
    },
}
"""The OpenAPI paths of these endpoints (merged into /admin/openapi.json when installed)."""


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise AdminError(400, "expected a JSON object body")
    return data


def _limit() -> int:
    try:
        return max(1, min(int(request.args.get("limit", 100)), 1000))
    except ValueError as exc:
        raise AdminError(400, "limit must be an integer") from exc


def _event_json(e: Event) -> dict[str, Any]:
    return {
        "haendelse_id": e.event_id,
        "kind": str(e.kind),
        "kommunekode": e.kommunekode,
        "fordring_id": e.fordring_id,
        "beloeb": e.beloeb,
        "tidspunkt": e.tidspunkt.isoformat(),
    }


bp = admin_blueprint("admin_time", __name__)
"""The time behaviour's admin endpoints (mounted under /admin)."""
bp.register_error_handler(OeirFault, business_fault)


def _tenant(kode: str) -> None:
    if sim_time().sim.tenants.get(kode) is None:
        raise AdminError(404, f"no municipality {kode}")


@bp.get("/callbacks")
def batches() -> Response:
    """Callback messages to FBS, newest first."""
    with sim_time().sim.store.read() as tx:
        items = TimeRepo(tx, write=False).batches(
            request.args.get("kommunekode"), request.args.get("status"), _limit()
        )
    return jsonify({"batches": [b.as_dict() for b in items]})


@bp.get("/callbacks/attempts")
def attempts() -> Response:
    """Every delivery attempt and its outcome, newest first."""
    batch_id = request.args.get("batch_id")
    with sim_time().sim.store.read() as tx:
        items = TimeRepo(tx, write=False).attempts(
            request.args.get("kommunekode"),
            int(batch_id) if batch_id and batch_id.isdigit() else None,
            _limit(),
        )
    return jsonify({"attempts": [a.as_dict() for a in items]})


@bp.post("/callbacks/<kode>/flush")
def flush(kode: str) -> Response:
    """Try the municipality's oldest waiting message now."""
    _tenant(kode)
    attempt = sim_time().callbacks.flush(kode)
    return jsonify({"attempt": attempt.as_dict() if attempt else None})


@bp.get("/callbacks/<kode>/next-run")
def next_run(kode: str) -> Response:
    """When an event now would reach FBS."""
    _tenant(kode)
    now = sim_time().sim.clock.now()
    return jsonify(
        {"now": now.isoformat(), "next_run": sim_time().callbacks.next_run(kode, now).isoformat()}
    )


@bp.post("/indbetalingskort")
def slip_post() -> tuple[Response, int]:
    """A payment-slip payment, booked after the profile's bank days."""
    body = _body()
    try:
        kode = str(body["kommunekode"])
        fordring_id = str(body["fordring_id"])
        beloeb = body["beloeb"]
        indbetaling_id = str(body["indbetaling_id"])
    except KeyError as exc:
        raise AdminError(400, f"{exc.args[0]} is required") from exc
    if isinstance(beloeb, bool) or not isinstance(beloeb, int):
        raise AdminError(400, "beloeb is an integer number of øre")
    _tenant(kode)
    pending = sim_time().bank.post(kode, fordring_id, beloeb, indbetaling_id)
    return jsonify(pending.as_dict()), 202


@bp.get("/indbetalingskort")
def slip_list() -> Response:
    """Payment slips paid but not yet booked."""
    items = sim_time().bank.pending(request.args.get("kommunekode"))
    return jsonify({"pending": [p.as_dict() for p in items]})


@bp.post("/payments/reversal")
def reversal() -> Response:
    """Reverse a payment event."""
    body = _body()
    if "haendelse_id" not in body:
        raise AdminError(400, "haendelse_id is required")
    event = sim_time().sim.ledger.tilbagefoer_daekning(
        str(body["haendelse_id"]), tekst=body.get("tekst")
    )
    return jsonify(_event_json(event))


@bp.get("/claims/<kode>/<fordring_id>/timeline")
def claim_timeline(kode: str, fordring_id: str) -> Response:
    """The claim's timeline with virtual timestamps."""
    steps = sim_time().timeline(kode, fordring_id)
    if steps is None:
        raise AdminError(404, f"no claim {fordring_id} in {kode}")
    return jsonify({"kommunekode": kode, "fordring_id": fordring_id, "timeline": steps})


@bp.post("/claims/<kode>/<fordring_id>/collection")
def collection_step(kode: str, fordring_id: str) -> Response:
    """Run a collection step for the claim now."""
    step = str(_body().get("step", ""))
    if step not in ("invoice", "remind", "hand_over"):
        raise AdminError(400, "step is one of invoice, remind, hand_over")
    _tenant(kode)
    if sim_time().sim.ledger.claim(kode, fordring_id) is None:
        raise AdminError(404, f"no claim {fordring_id} in {kode}")
    result = sim_time().collection.run_now(step, kode, fordring_id)
    return jsonify({"step": step, "result": result})
