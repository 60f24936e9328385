"""The admin API (JSON) under /admin/: clock, tenants, state, event log, journal, verify, jobs, reset.

Loopback callers need no token unless one is configured; with a token (always
when bound beyond loopback) every call needs ``Authorization: Bearer <token>``.
CPR numbers are masked in every response. Errors are JSON: ``{"error": ...}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from oeir import apidocs
from oeir.faults import MessageTooLarge, OeirFault
from oeir.identifiers import mask_cpr, mask_cprs_in_data, mask_cprs_in_text
from oeir.services import SERVICES
from simulators import platform, verify
from simulators.clock import parse_duration
from simulators.journal import entry_as_dict
from simulators.ledger import Account, Claim, Event
from simulators.profiles import ProfileError
from simulators.scheduler import JobRun
from simulators.store.base import Job
from simulators.web import fault_admin, snapshot_admin, time_admin
from simulators.web.context import simulator as sim
from simulators.web.guard import AdminError, admin_blueprint, business_fault
from simulators.web.openapi import openapi


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise AdminError(400, "expected a JSON object body")
    return data


def _int_arg(name: str, default: int | None, lo: int = 0, hi: int = 10_000) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise AdminError(400, f"{name} must be an integer") from None
    return max(lo, min(value, hi))


# -- JSON views (CPR masked) -------------------------------------------------------


def account_json(account: Account, claims: list[Claim] | None = None) -> dict[str, Any]:
    """An account, its debtor masked."""
    data: dict[str, Any] = {
        "nummer": account.nummer,
        "kommunekode": account.kommunekode,
        "debitor": {
            "cpr": mask_cpr(account.cpr_nummer) if account.cpr_nummer else None,
            "cvr": account.cvr_nummer,
            "navn": mask_cprs_in_data(account.navn),
        },
        "tilgode": account.tilgode,
        "lukket": account.lukket,
        "oprettet": account.oprettet.isoformat() if account.oprettet else None,
    }
    if claims is not None:
        data["saldo"] = sum(c.saldo for c in claims) - account.tilgode
        data["fordringer"] = [claim_json(c) for c in claims]
    return data


def claim_json(claim: Claim) -> dict[str, Any]:
    """A claim with its balance components (amounts in øre)."""
    return {
        "kommunekode": claim.kommunekode,
        "fordring_id": claim.fordring_id,
        "konto": claim.konto,
        "agency_id": claim.agency_id,
        "fordring_type": str(claim.fordring_type),
        "status": str(claim.status),
        "hovedstol": claim.hovedstol,
        "nedskrevet": claim.nedskrevet,
        "nedreguleret": claim.nedreguleret,
        "daekket": claim.daekket,
        "afskrevet": claim.afskrevet,
        "rykkergebyrer": claim.rykkergebyrer,
        "renter": claim.renter,
        "saldo": claim.saldo,
        "stiftelsesdato": claim.stiftelsesdato.isoformat(),
        "forfaldsdato": claim.forfaldsdato.isoformat(),
        "sidste_rettidige_betalingsdato": claim.sidste_rettidige_betalingsdato.isoformat(),
        "tekst": mask_cprs_in_text(claim.tekst),
        "inddrivelse_status": str(claim.inddrivelse_status) if claim.inddrivelse_status else None,
        "oprettet": claim.oprettet.isoformat() if claim.oprettet else None,
    }


def event_json(event: Event) -> dict[str, Any]:
    """An event of the log."""
    return {
        "seq": event.seq,
        "event_id": event.event_id,
        "kind": str(event.kind),
        "kommunekode": event.kommunekode,
        "konto": event.konto,
        "fordring_id": event.fordring_id,
        "beloeb": event.beloeb,
        "tidspunkt": event.tidspunkt.isoformat(),
        "data": mask_cprs_in_data(event.data),
    }


def job_json(job: Job) -> dict[str, Any]:
    """A queued or finished job."""
    return {
        "id": job.id,
        "name": job.name,
        "due": job.due.isoformat(),
        "payload": job.payload,
        "key": job.key,
        "status": job.status,
        "ran_at": job.ran_at.isoformat() if job.ran_at else None,
        "error": job.error,
    }


def run_json(run: JobRun) -> dict[str, Any]:
    """One job run during a clock move."""
    return {
        "job_id": run.job_id,
        "name": run.name,
        "due": run.due.isoformat(),
        "ran_at": run.ran_at.isoformat(),
        "status": run.status,
        "error": run.error,
    }


def clock_json() -> dict[str, Any]:
    """The clock and how many jobs wait."""
    s = sim()
    with s.store.read() as tx:
        pending = tx.count("pending_jobs")
    return {**s.clock.as_dict(), "timezone": "Europe/Copenhagen", "pending_jobs": pending}


def profile_json(tenant: Any) -> dict[str, Any]:
    """A tenant's profile values, each marked assumed or public."""
    p = tenant.profile
    return {
        key: {
            "value": value,
            "assumed": p.is_assumed(key),
            "overridden": key in p.overridden,
            "source": p.sources.get(key),
        }
        for key, value in p.leaves()
    }


# -- the blueprint ---------------------------------------------------------------

bp = admin_blueprint("admin", __name__)
"""The admin API (mount under /admin); the snapshot endpoints are nested inside it."""
bp.register_blueprint(snapshot_admin.bp)
bp.register_error_handler(OeirFault, business_fault)

PARTS_OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    **snapshot_admin.OPENAPI_PATHS,
    **fault_admin.OPENAPI_PATHS,
    **time_admin.OPENAPI_PATHS,
}
"""The OpenAPI paths of the admin endpoints kept in their own modules."""


@bp.errorhandler(ProfileError)
def profile_error(err: ProfileError) -> tuple[Response, int]:
    """A tenant patch the profile refused: 400 with the reason."""
    return jsonify({"error": str(err)}), 400


@bp.errorhandler(apidocs.DocsUnavailable)
def docs_unavailable(err: apidocs.DocsUnavailable) -> tuple[Response, int]:
    """The API docs page's assets are not installed: 503."""
    return jsonify({"error": str(err)}), 503


@bp.get("/")
def index() -> Response:
    """Where the admin API, its docs and the SOAP services are; the clock and counts."""
    base = request.host_url.rstrip("/")
    return jsonify(
        {
            "openapi": f"{base}/admin/openapi.json",
            "docs": f"{base}/admin/docs",
            "services": {
                name: {"endpoint": f"{base}{s.path}", "wsdl": f"{base}{s.path}?wsdl"}
                for name, s in SERVICES.items()
                if name != "DaekningAfskrivningRegistreringAfsend"
            },
            "clock": clock_json(),
            "stats": sim().stats(),
        }
    )


@bp.get("/openapi.json")
def openapi_doc() -> Response:
    """The admin API's OpenAPI document, every admin endpoint included."""
    doc = openapi(request.host_url.rstrip("/"))
    doc["paths"] = {**doc["paths"], **PARTS_OPENAPI_PATHS}
    return jsonify(doc)


@bp.get("/docs")
def docs() -> Response:
    """The API docs page."""
    return apidocs.page_reply(  # type: ignore[return-value]
        "debitorsim: simulatorens admin-API", "/admin/openapi.json", "/admin/docs/"
    )


@bp.get("/docs/<name>")
def docs_asset(name: str) -> Response:
    """A file of the API docs page."""
    found = apidocs.asset_reply(name)
    if found is None:
        raise AdminError(404, f"no docs file {name!r}")
    return found  # type: ignore[return-value]


@bp.get("/clock")
def clock_get() -> Response:
    """The virtual clock and how many jobs wait."""
    return jsonify(clock_json())


@bp.post("/clock")
def clock_post() -> Response:
    """Advance or set the clock (running the jobs due on the way), or change its mode."""
    body = _body()
    actions = [k for k in ("advance", "set", "mode") if k in body]
    if len(actions) != 1:
        raise AdminError(400, "give exactly one of advance, set, mode")
    runs: list[JobRun] = []
    try:
        if "advance" in body:
            runs = sim().advance(parse_duration(str(body["advance"])))
        elif "set" in body:
            runs = sim().set_time(datetime.fromisoformat(str(body["set"])))
        else:
            factor = body.get("factor")
            sim().set_mode(str(body["mode"]), float(factor) if factor is not None else None)
    except (ValueError, TypeError) as exc:
        raise AdminError(400, str(exc)) from exc
    return jsonify({**clock_json(), "jobs_run": [run_json(r) for r in runs]})


@bp.get("/tenants")
def tenants_list() -> Response:
    """The municipalities (optionally of one system)."""
    system = request.args.get("system")
    tenants = [t for t in sim().tenants.all() if system is None or t.system == system]
    return jsonify({"tenants": [t.as_dict() for t in tenants]})


@bp.get("/tenants/<kode>")
def tenant_get(kode: str) -> Response:
    """One municipality with its profile values, each marked assumed or public."""
    tenant = sim().tenants.get(kode)
    if tenant is None:
        raise AdminError(404, f"no municipality {kode}")
    return jsonify({**tenant.as_dict(), "profile": profile_json(tenant)})


@bp.patch("/tenants/<kode>")
def tenant_patch(kode: str) -> Response:
    """Override a municipality's profile values or callback URL."""
    if sim().tenants.get(kode) is None:
        raise AdminError(404, f"no municipality {kode}")
    tenant = sim().tenants.patch(kode, _body())
    return jsonify({**tenant.as_dict(), "profile": profile_json(tenant)})


@bp.get("/accounts")
def accounts_list() -> Response:
    """A municipality's accounts, keyset-paged (``after``, ``limit``)."""
    kommunekode = request.args.get("kommunekode")
    if not kommunekode:
        raise AdminError(
            400, "kommunekode is required (search by debtor: POST /admin/accounts/search)"
        )
    limit = _int_arg("limit", 100, 1, 1000) or 100
    with sim().store.read() as tx:
        page = tx.accounts_page(kommunekode, request.args.get("after"), limit)
        items = [account_json(a, tx.claims_of_account(a.nummer)) for a in page]
    return jsonify({"accounts": items, "next": page[-1].nummer if len(page) == limit else None})


@bp.post("/accounts/search")
def accounts_search() -> Response:
    """The accounts of a debtor (CPR or CVR number)."""
    body = _body()
    ident = str(body.get("debitor", "")).replace("-", "")
    if not ident:
        raise AdminError(400, "debitor (CPR or CVR number) is required")
    kommunekode = body.get("kommunekode")
    with sim().store.read() as tx:
        found = [a for a in tx.accounts_by_debtor(ident) if kommunekode in (None, a.kommunekode)]
        items = [account_json(a, tx.claims_of_account(a.nummer)) for a in found]
    return jsonify({"accounts": items})


@bp.get("/accounts/<nummer>")
def account_get(nummer: str) -> Response:
    """One account with its claims."""
    with sim().store.read() as tx:
        account = tx.account(nummer)
        if account is None:
            raise AdminError(404, f"no account {nummer}")
        return jsonify(account_json(account, tx.claims_of_account(nummer)))


@bp.get("/claims/<kommunekode>/<fordring_id>")
def claim_get(kommunekode: str, fordring_id: str) -> Response:
    """One claim with its events."""
    with sim().store.read() as tx:
        claim = tx.claim(kommunekode, fordring_id)
        if claim is None:
            raise AdminError(404, f"no claim {fordring_id} in {kommunekode}")
        events = tx.events(kommunekode=kommunekode, fordring_ider=[fordring_id], limit=10_000)
    return jsonify({**claim_json(claim), "events": [event_json(e) for e in events]})


@bp.get("/events")
def events_list() -> Response:
    """The event log, filtered and paged (``after``, ``limit``)."""
    after = _int_arg("after", 0, 0, 2**62) or 0
    limit = _int_arg("limit", 100, 1, 1000) or 100
    fordring_id = request.args.get("fordring_id")
    kind = request.args.get("kind")
    events = sim().ledger.events(
        after=after,
        limit=limit,
        kommunekode=request.args.get("kommunekode"),
        fordring_ider=[fordring_id] if fordring_id else None,
        kinds=[kind] if kind else None,
    )
    return jsonify(
        {
            "events": [event_json(e) for e in events],
            "next_after": events[-1].seq if len(events) == limit else None,
        }
    )


@bp.get("/journal")
def journal_list() -> Response:
    """The request journal, newest first, filtered and paged (``before``)."""
    limit = _int_arg("limit", 50, 1, 1000) or 50
    entries = sim().journal.query(
        kommunekode=request.args.get("kommunekode"),
        operation=request.args.get("operation"),
        verdict=request.args.get("verdict"),
        fejlkode=request.args.get("fejlkode"),
        before=_int_arg("before", None, 0, 2**62),
        limit=limit,
    )
    return jsonify(
        {
            "enabled": sim().journal.enabled,
            "max_rows": sim().journal.max_rows,
            "entries": [entry_as_dict(e) for e in entries],
            "next_before": entries[-1].id if len(entries) == limit else None,
        }
    )


def _matcher() -> verify.Matcher:
    """The request matcher in the body (the journal must be on)."""
    if not sim().journal.enabled:
        raise AdminError(
            409,
            "the request journal is switched off (journal_enabled = false): nothing to verify",
        )
    data = request.get_json(silent=True)
    if data is None and not request.get_data():
        data = {}
    try:
        return verify.parse_matcher(data)
    except verify.MatcherError as exc:
        raise AdminError(400, str(exc)) from None


@bp.post("/requests/count")
def requests_count() -> Response:
    """How many journalled requests match."""
    return jsonify({"count": verify.count(sim().journal, _matcher())})


@bp.post("/requests/find")
def requests_find() -> Response:
    """The journalled requests that match."""
    total, rows = verify.find(sim().journal, _matcher())
    return jsonify({"count": total, "requests": [entry_as_dict(e) for e in rows]})


@bp.get("/jobs")
def jobs_list() -> Response:
    """Queued and finished jobs, and the handler names."""
    limit = _int_arg("limit", 100, 1, 10_000) or 100
    jobs = sim().scheduler.jobs(request.args.get("status"), limit)
    return jsonify({"jobs": [job_json(j) for j in jobs], "handlers": sim().scheduler.handler_names})


@bp.get("/stats")
def stats() -> Response:
    """Counts of what the simulator holds."""
    return jsonify(sim().stats())


@bp.post("/reset")
def reset() -> Response:
    """Delete all data (the clock keeps its time and mode) and report the counts."""
    sim().reset()
    return jsonify({"reset": True, **sim().stats()})


def install_error_handlers(app: Flask) -> None:
    """JSON errors under /admin, SOAP Faults under /service, for errors Flask raises itself."""

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Any:
        if request.path.startswith("/admin"):
            return jsonify({"error": err.description, "status": err.code}), err.code or 500
        if request.path.startswith("/service") and err.code == 413:
            # A SOAP Fault, so HTTP 500 (SOAP 1.1), though Flask stopped reading at the limit.
            outcome = platform.fault_outcome(MessageTooLarge("request body"))
            return Response(outcome.body, status=500, content_type="text/xml; charset=utf-8")
        return err

    @app.errorhandler(Exception)
    def internal_error(err: Exception) -> Any:
        current_app.logger.exception("unhandled error")
        if request.path.startswith("/service"):
            outcome = platform.fault_outcome(OeirFault(kode="InternFejl"))
            return Response(outcome.body, status=500, content_type="text/xml; charset=utf-8")
        return jsonify({"error": "internal error", "type": type(err).__name__}), 500
