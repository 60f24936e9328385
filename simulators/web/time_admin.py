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

import hmac
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from oeir.faults import OeirFault
from simulators.config import LOOPBACK
from simulators.ledger import Event
from simulators.sim_time import EXTENSION, SimTime
from simulators.timestore import TimeRepo


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


class TimeAdminError(Exception):
    """A refused request: HTTP status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def st() -> SimTime:
    """The `SimTime` of the current app."""
    found: SimTime = current_app.extensions[EXTENSION]
    return found


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise TimeAdminError(400, "expected a JSON object body")
    return data


def _limit() -> int:
    try:
        return max(1, min(int(request.args.get("limit", 100)), 1000))
    except ValueError as exc:
        raise TimeAdminError(400, "limit must be an integer") from exc


def _event_json(e: Event) -> dict[str, Any]:
    return {
        "haendelse_id": e.event_id,
        "kind": str(e.kind),
        "kommunekode": e.kommunekode,
        "fordring_id": e.fordring_id,
        "beloeb": e.beloeb,
        "tidspunkt": e.tidspunkt.isoformat(),
    }


def blueprint() -> Blueprint:
    """The blueprint (mount under /admin)."""
    bp = Blueprint("admin_time", __name__)

    @bp.before_request
    def guard() -> None:
        token = st().sim.config.admin_token
        if token:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                raise TimeAdminError(401, "admin API needs Authorization: Bearer <token>")
        elif request.remote_addr not in LOOPBACK:
            raise TimeAdminError(403, "admin API answers loopback callers only")

    @bp.errorhandler(TimeAdminError)
    def refused(err: TimeAdminError) -> tuple[Response, int]:
        return jsonify({"error": err.message}), err.status

    @bp.errorhandler(OeirFault)
    def fault(err: OeirFault) -> tuple[Response, int]:
        return jsonify({"error": err.tekst_en, "fejlkode": err.kode, "felt": err.felt}), 409

    def _tenant(kode: str) -> None:
        if st().sim.tenants.get(kode) is None:
            raise TimeAdminError(404, f"no municipality {kode}")

    @bp.get("/callbacks")
    def batches() -> Response:
        with st().sim.store.read() as tx:
            items = TimeRepo(tx, write=False).batches(
                request.args.get("kommunekode"), request.args.get("status"), _limit()
            )
        return jsonify({"batches": [b.as_dict() for b in items]})

    @bp.get("/callbacks/attempts")
    def attempts() -> Response:
        batch_id = request.args.get("batch_id")
        with st().sim.store.read() as tx:
            items = TimeRepo(tx, write=False).attempts(
                request.args.get("kommunekode"),
                int(batch_id) if batch_id and batch_id.isdigit() else None,
                _limit(),
            )
        return jsonify({"attempts": [a.as_dict() for a in items]})

    @bp.post("/callbacks/<kode>/flush")
    def flush(kode: str) -> Response:
        _tenant(kode)
        attempt = st().callbacks.flush(kode)
        return jsonify({"attempt": attempt.as_dict() if attempt else None})

    @bp.get("/callbacks/<kode>/next-run")
    def next_run(kode: str) -> Response:
        _tenant(kode)
        now = st().sim.clock.now()
        return jsonify(
            {"now": now.isoformat(), "next_run": st().callbacks.next_run(kode, now).isoformat()}
        )

    @bp.post("/indbetalingskort")
    def slip_post() -> tuple[Response, int]:
        body = _body()
        try:
            kode = str(body["kommunekode"])
            fordring_id = str(body["fordring_id"])
            beloeb = body["beloeb"]
            indbetaling_id = str(body["indbetaling_id"])
        except KeyError as exc:
            raise TimeAdminError(400, f"{exc.args[0]} is required") from exc
        if isinstance(beloeb, bool) or not isinstance(beloeb, int):
            raise TimeAdminError(400, "beloeb is an integer number of øre")
        _tenant(kode)
        pending = st().bank.post(kode, fordring_id, beloeb, indbetaling_id)
        return jsonify(pending.as_dict()), 202

    @bp.get("/indbetalingskort")
    def slip_list() -> Response:
        items = st().bank.pending(request.args.get("kommunekode"))
        return jsonify({"pending": [p.as_dict() for p in items]})

    @bp.post("/payments/reversal")
    def reversal() -> Response:
        body = _body()
        if "haendelse_id" not in body:
            raise TimeAdminError(400, "haendelse_id is required")
        event = st().sim.ledger.tilbagefoer_daekning(
            str(body["haendelse_id"]), tekst=body.get("tekst")
        )
        return jsonify(_event_json(event))

    @bp.get("/claims/<kode>/<fordring_id>/timeline")
    def claim_timeline(kode: str, fordring_id: str) -> Response:
        steps = st().timeline(kode, fordring_id)
        if steps is None:
            raise TimeAdminError(404, f"no claim {fordring_id} in {kode}")
        return jsonify({"kommunekode": kode, "fordring_id": fordring_id, "timeline": steps})

    @bp.post("/claims/<kode>/<fordring_id>/collection")
    def collection_step(kode: str, fordring_id: str) -> Response:
        step = str(_body().get("step", ""))
        if step not in ("invoice", "remind", "hand_over"):
            raise TimeAdminError(400, "step is one of invoice, remind, hand_over")
        _tenant(kode)
        if st().sim.ledger.claim(kode, fordring_id) is None:
            raise TimeAdminError(404, f"no claim {fordring_id} in {kode}")
        result = st().collection.run_now(step, kode, fordring_id)
        return jsonify({"step": step, "result": result})

    return bp
