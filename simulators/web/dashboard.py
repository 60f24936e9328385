"""The test bed's dashboard: server-rendered HTML (Danish) at ``/``, for people who sign off.

Pages (all read through the simulator's domain and store layer; CPR masked):
- ``/``                         the clock (advance +1 time, +1 dag, to the next nightly run),
                                counts, links to the core;
- ``/kommuner``                 the 98 municipalities, searchable, with key profile values;
- ``/kommuner/<kode>``          one municipality: totals, accounts or claims (keyset-paged),
                                pending callbacks and the next run, its faults;
- ``/kommuner/<kode>/fordringer/<id>``  a claim: its timeline as inline SVG and its event log;
- ``/journal``, ``/journal/<id>``  the SOAP journal, filterable; one message pretty-printed
                                with each validation error on its line;
- ``/fejl``                     set and clear injected faults and maintenance windows;
- ``/borger``                   the citizen's view: payment page, or how to pay without one.
Every change is a POST form that redirects (no JavaScript needed). Access follows the admin
API: loopback callers only, or HTTP Basic with the admin token as password when one is set.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup

from oeir.dansk import kroner as format_kroner
from oeir.dansk import status_name as dansk_status
from oeir.identifiers import mask_cpr, mask_cprs_in_text
from oeir.services import SERVICES
from simulators.calendar import EVENING, next_nightly_run
from simulators.config import LOOPBACK
from simulators.engine import Simulator
from simulators.journal import near_miss_of
from simulators.ledger import Account, Claim
from simulators.tenants import Tenant
from simulators.timesettings import TimeSettings
from simulators.web import dashboard_message, dashboard_svg, fault_texts

TIME_EXTENSION = "debitorsim.time"
"""`app.extensions` key of the behaviour over time (`simulators.sim_time`), when installed."""

PAGE_SIZE = 50
ACCOUNT_PAGE_SIZE = 25
JOURNAL_PAGE_SIZE = 50
MAX_ACCOUNT_CLAIMS = 200
"""Claims listed per account on the accounts tab (a larger account links to its claims)."""

_WEEKDAYS = ("man.", "tir.", "ons.", "tor.", "fre.", "lør.", "søn.")
_STEP_NAMES = {
    "created": "Oprettet",
    "invoiced": "Faktureret",
    "paid": "Betalt",
    "reported_to_fbs": "Meldt til FBS",
    "report_pending": "Sendt til FBS, venter på kvittering",
    "report_planned": "Meldes til FBS ved næste kørsel",
    "reminded": "Rykket",
    "handed_over": "Overdraget til inddrivelse",
    "payment_reversed": "Betaling tilbageført",
    "written_down": "Nedskrevet",
    "cancelled": "Annulleret",
    "written_off": "Afskrevet",
    "adjusted_down": "Nedreguleret",
    "reminder_fee": "Rykkergebyr",
}


# -- formatting (also Jinja filters) -------------------------------------------------


def kroner(oere: int | None) -> str:
    """Øre as Danish kroner, e.g. ``1.234,50 kr.`` (`oeir.kroner`); empty for None."""
    return "" if oere is None else format_kroner(oere)


VERDICTS = {
    "ok": ("ok", "ok-kald"),
    "fault": ("afvist", "afvist"),
    "injected": ("indsat fejl", "indsat"),
}
"""A journal verdict's Danish label and CSS class: a refusal and an injected fault differ."""


def udfald(verdict: str) -> str:
    """A journal verdict in Danish (``injected`` -> ``indsat fejl``); unknown ones as they are."""
    return VERDICTS.get(verdict, (verdict, ""))[0]


def udfald_klasse(verdict: str) -> str:
    """The CSS class of a journal verdict (its colour on every page)."""
    return VERDICTS.get(verdict, ("", "ukendt"))[1]


def tid(value: datetime | str | None) -> str:
    """A virtual time in Danish: ``man. 05.01.2026 08:00``."""
    if value is None or value == "":
        return ""
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{_WEEKDAYS[dt.weekday()]} {dt.strftime('%d.%m.%Y %H:%M')}"


def dato(value: Any) -> str:
    """A date in Danish (``19.01.2026``)."""
    return value.strftime("%d.%m.%Y") if value else ""


def status_name(status: Any) -> str:
    """A claim status in plain Danish (``Aaben`` -> ``Åben``; `oeir.dansk`)."""
    return dansk_status(status)


def run_rhythm(callbacks: Any) -> str:
    """When a municipality reports to FBS, in words that agree with the weekday shown.

    A nightly run belongs to a run day (`simulators.calendar.is_run_day`) and happens that
    evening or in the small hours after it: Opus's run »only on weekdays« is the one in
    the night after each weekday, so it falls on a Saturday morning too.
    """
    if callbacks.mode != "nightly":
        return "realtid"
    at = callbacks.time
    days = "hver hverdag" if callbacks.weekdays_only else "hver dag"
    when = "" if at >= EVENING else "natten efter "
    text = f"kl. {at.strftime('%H:%M')} {when}{days}"
    if callbacks.skip_holidays:
        text += " (ikke helligdage)"
    return text


def step_name(step: str) -> str:
    """The Danish name of a timeline step."""
    return _STEP_NAMES.get(step, step)


# -- access to the parts -------------------------------------------------------------


def sim() -> Simulator:
    """The `Simulator` of the current app."""
    found: Simulator = current_app.extensions["simulator"]
    return found


def sim_time() -> Any | None:
    """The behaviour over time (`simulators.sim_time.SimTime`), or None when not installed."""
    return current_app.extensions.get(TIME_EXTENSION)


def fault_injector() -> Any | None:
    """The fault injector (`simulators.faults.FaultInjector`), or None when not installed."""
    return getattr(sim(), "faults", None)


def core_url() -> str | None:
    """Base URL of the integration core, from the simulator's configuration."""
    url = getattr(sim().config, "core_url", None)
    return url.rstrip("/") if url else None


CORE_TIMEOUT_S = 2.0
"""How long a page waits for the core's outbox counts before saying they are not known."""


def core_parked(kode: str | None) -> dict[str, Any]:
    """Parked outbox messages in the core (all, or of one municipality), asked over HTTP.

    The simulator cannot read the core's store (they meet only over HTTP), so this asks
    the core's harness (``/harness/outbox``). The answer says ``known: False`` and why
    when no core URL is set or the core does not answer; a count that may be cut off
    by the listing's limit is marked ``at_least``, so the page never shows a false number.
    """
    base = core_url()
    if base is None:
        return {"known": False, "why": "kernens adresse er ikke sat (SimConfig.core_url)"}
    import requests

    limit = 10_000  # the harness's largest page
    try:
        r = requests.get(
            f"{base}/harness/outbox",
            params={"state": "parked", "limit": str(limit)},
            timeout=CORE_TIMEOUT_S,
        )
    except requests.RequestException:
        return {"known": False, "why": "kernen svarer ikke på sin adresse (SimConfig.core_url)"}
    if r.status_code != 200:
        return {"known": False, "why": f"kernen svarede HTTP {r.status_code}"}
    try:
        data = r.json()
        total = int(data["counts"]["parked"])
        messages = list(data["messages"])
    except (ValueError, KeyError, TypeError):
        return {"known": False, "why": "kernens svar kunne ikke læses"}
    if kode is None:
        return {"known": True, "count": total, "at_least": False, "url": f"{base}/harness/outbox"}
    mine = sum(1 for m in messages if isinstance(m, dict) and m.get("kommunekode") == kode)
    return {
        "known": True,
        "count": mine,
        "at_least": len(messages) < total,
        "url": f"{base}/harness/outbox?state=parked",
    }


def next_nightly(tenants: list[Tenant], now: datetime) -> tuple[datetime, list[Tenant]] | None:
    """The earliest next nightly callback run among `tenants`, and who runs then."""
    best: datetime | None = None
    who: list[Tenant] = []
    for tenant in tenants:
        cb = tenant.profile.callbacks
        if cb.mode != "nightly":
            continue
        at = next_nightly_run(
            now, cb.time, weekdays_only=cb.weekdays_only, skip_holidays=cb.skip_holidays
        )
        if best is None or at < best:
            best, who = at, [tenant]
        elif at == best:
            who.append(tenant)
    return (best, who) if best is not None else None


def _safe_back(target: str | None, default: str) -> str:
    """A local path to go back to (never another host)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def _page(template: str, status: int = 200, **ctx: Any) -> Response:
    s = sim()
    html = render_template(
        f"dashboard/{template}",
        now=s.clock.now(),
        clock=s.clock.as_dict(),
        core_url=core_url(),
        has_time=sim_time() is not None,
        has_faults=fault_injector() is not None,
        **ctx,
    )
    response = make_response(html, status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Language"] = "da"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    return response


# -- views that gather data ------------------------------------------------------------


def account_rows(tx: Any, accounts: list[Account]) -> list[dict[str, Any]]:
    """Accounts with their claims (at most `MAX_ACCOUNT_CLAIMS` each) and balances."""
    rows = []
    for a in accounts:
        claims = tx.claims_of_account(a.nummer)
        rows.append(
            {
                "account": a,
                "debitor": mask_cpr(a.cpr_nummer) if a.cpr_nummer else (a.cvr_nummer or ""),
                "claims": claims[:MAX_ACCOUNT_CLAIMS],
                "more": max(0, len(claims) - MAX_ACCOUNT_CLAIMS),
                "saldo": sum(c.saldo for c in claims) - a.tilgode,
            }
        )
    return rows


def pending_callbacks(kode: str, now: datetime) -> dict[str, Any] | None:
    """What waits to be reported to FBS for a municipality, and when the next run is."""
    st = sim_time()
    if st is None:
        return None
    from simulators.callbacks.events import REPORTED
    from simulators.timestore import TimeRepo

    with sim().store.read() as tx:
        repo = TimeRepo(tx, write=False)
        try:
            cursor = repo.cursor(kode)
            batches = repo.batches(kode, "pending", 20)
            attempts = repo.attempts(kode, None, 5)
        except Exception:  # time tables not created yet: nothing waits
            cursor, batches, attempts = 0, [], []
        waiting = tx.events(
            after=cursor, kommunekode=kode, kinds=sorted(str(k) for k in REPORTED), limit=101
        )
    return {
        "next_run": st.callbacks.next_run(kode, now),
        "waiting": waiting[:100],
        "waiting_more": len(waiting) > 100,
        "batches": batches,
        "attempts": attempts,
    }


def planned_report(kode: str, fordring_id: str, now: datetime) -> dict[str, Any] | None:
    """The run that will report this claim's not yet batched events to FBS, as a planned step."""
    st = sim_time()
    if st is None:
        return None
    from simulators.callbacks.events import REPORTED
    from simulators.timestore import TimeRepo

    with sim().store.read() as tx:
        try:
            cursor = TimeRepo(tx, write=False).cursor(kode)
        except Exception:  # time tables not created yet
            cursor = 0
        waiting = tx.events(
            after=cursor,
            kommunekode=kode,
            fordring_ider=[fordring_id],
            kinds=sorted(str(k) for k in REPORTED),
            limit=1000,
        )
    if not waiting:
        return None
    return {
        "step": "report_planned",
        "at": st.callbacks.next_run(kode, now).isoformat(),
        "haendelser": [{"haendelse_id": e.event_id, "art": str(e.kind)} for e in waiting],
    }


def claim_svg(steps: list[dict[str, Any]], now: datetime) -> str:
    """The claim's timeline drawn as inline SVG (see `dashboard_svg`)."""
    return dashboard_svg.render(steps, now, step_name)


# -- the blueprint ---------------------------------------------------------------------


def blueprint() -> Blueprint:
    """The dashboard blueprint (mount at ``/``)."""
    bp = Blueprint(
        "dashboard",
        __name__,
        template_folder="templates",
        static_folder="static/dashboard",
        static_url_path="/static/dashboard",
    )

    @bp.app_template_filter("kroner")
    def _kroner(value: int | None) -> str:
        return kroner(value)

    @bp.app_template_filter("tid")
    def _tid(value: Any) -> str:
        return tid(value)

    @bp.app_template_filter("dato")
    def _dato(value: Any) -> str:
        return dato(value)

    @bp.app_template_filter("trin")
    def _trin(value: str) -> str:
        return step_name(value)

    @bp.app_template_filter("udfald")
    def _udfald(value: str) -> str:
        return udfald(value)

    @bp.app_template_filter("udfald_klasse")
    def _udfald_klasse(value: str) -> str:
        return udfald_klasse(value)

    @bp.app_template_filter("fejlslags")
    def _fejlslags(value: str) -> str:
        return fault_texts.kind_name(value)

    @bp.app_template_filter("rytme")
    def _rytme(value: Any) -> str:
        return run_rhythm(value)

    @bp.app_template_filter("status")
    def _status(value: Any) -> str:
        return status_name(value)

    @bp.app_template_filter("maskeret")
    def _maskeret(value: Any) -> str:
        return mask_cprs_in_text(str(value)) if value is not None else ""

    @bp.before_request
    def guard() -> Response | None:
        token = sim().config.admin_token
        if token:
            auth = request.authorization
            given = (auth.password or "") if auth else ""
            if not hmac.compare_digest(given.encode(), token.encode()):
                response = make_response("Log ind med admin-token som adgangskode.", 401)
                response.headers["WWW-Authenticate"] = 'Basic realm="debitorsim", charset="UTF-8"'
                return response
        elif request.remote_addr not in LOOPBACK:
            return make_response("Dashboardet svarer kun på loopback.", 403)
        # Forms from another site or name are refused before this (simulators.web.same_origin).
        return None

    @bp.get("/favicon.ico")
    def favicon() -> Response:
        # Browsers ask every page of the app (payment pages too); no icon, and no 404 noise.
        return Response(status=204)

    # -- overview and clock ------------------------------------------------------------

    @bp.get("/")
    def index() -> Response:
        s = sim()
        now = s.clock.now()
        nightly = next_nightly(s.tenants.all(), now) if sim_time() is not None else None
        return _page(
            "index.html",
            stats=s.stats(),
            verdicts=s.journal.counts(),
            parked=core_parked(None),
            nightly=nightly,
            services=[svc for name, svc in SERVICES.items()],
        )

    @bp.post("/ur")
    def clock_post() -> Response:
        s = sim()
        action = request.form.get("handling", "")
        back = _safe_back(request.form.get("tilbage"), url_for("dashboard.index"))
        now = s.clock.now()
        if action == "time":
            s.advance(timedelta(hours=1))
        elif action == "dag":
            s.advance(timedelta(days=1))
        elif action == "natlig" and sim_time() is not None:
            kode = request.form.get("kommunekode")
            if kode:
                tenant = s.tenants.get(kode)
                if tenant is None:
                    return _page("fejl_side.html", 404, besked=f"Ingen kommune {kode}.")
                target = sim_time().callbacks.next_run(kode, now)  # type: ignore[union-attr]
            else:
                found = next_nightly(s.tenants.all(), now)
                if found is None:
                    return _page("fejl_side.html", 409, besked="Ingen kommune kører natligt.")
                target = found[0]
            s.set_time(target)
        else:
            return _page("fejl_side.html", 400, besked=f"Ukendt handling: {action!r}.")
        return redirect(back, code=303)  # type: ignore[return-value]

    # -- municipalities ------------------------------------------------------------------

    @bp.get("/kommuner")
    def municipalities() -> Response:
        q = request.args.get("q", "").strip()
        system = request.args.get("system", "")
        tenants = sim().tenants.all()
        systems = sorted({(t.system, t.profile.name) for t in tenants})
        if system:
            tenants = [t for t in tenants if t.system == system]
        if q:
            needle = q.casefold()
            tenants = [
                t for t in tenants if needle in t.kommune.navn.casefold() or needle in t.kode
            ]
        return _page("kommuner.html", tenants=tenants, q=q, system=system, systems=systems)

    @bp.get("/kommuner/<kode>")
    def municipality(kode: str) -> Response:
        s = sim()
        tenant = s.tenants.get(kode)
        if tenant is None:
            return _page("fejl_side.html", 404, besked=f"Ingen kommune med koden {kode}.")
        tab = "konti" if request.args.get("vis") == "konti" else "fordringer"
        after = request.args.get("efter") or None
        now = s.clock.now()
        with s.store.read() as tx:
            totals = tx.claim_totals(kode)
            if tab == "konti":
                accounts = tx.accounts_page(kode, after, ACCOUNT_PAGE_SIZE)
                rows = account_rows(tx, accounts)
                next_after = accounts[-1].nummer if len(accounts) == ACCOUNT_PAGE_SIZE else None
                claims: list[Claim] = []
            else:
                claims = tx.claims_page(kode, after, PAGE_SIZE)
                rows = []
                next_after = claims[-1].fordring_id if len(claims) == PAGE_SIZE else None
        faults = sorted(
            (
                e
                for verdict in ("fault", "injected")
                for e in s.journal.query(kommunekode=kode, verdict=verdict, limit=20)
            ),
            key=lambda e: e.id,
            reverse=True,
        )[:20]
        injector = fault_injector()
        rules = [r for r in injector.rules() if r.kommunekode in (None, kode)] if injector else []
        return _page(
            "kommune.html",
            tenant=tenant,
            totals=totals,
            tab=tab,
            rows=rows,
            claims=claims,
            after=after,
            next_after=next_after,
            callbacks=pending_callbacks(kode, now),
            faults=faults,
            verdicts=s.journal.counts(kode),
            parked=core_parked(kode),
            rules=rules,
            profile=[(k, v, tenant.profile.is_assumed(k)) for k, v in tenant.profile.leaves()],
        )

    @bp.get("/kommuner/<kode>/fordringer/<fordring_id>")
    def claim_page(kode: str, fordring_id: str) -> Response:
        s = sim()
        tenant = s.tenants.get(kode)
        with s.store.read() as tx:
            claim = tx.claim(kode, fordring_id)
            if tenant is None or claim is None:
                return _page(
                    "fejl_side.html", 404, besked=f"Ingen fordring {fordring_id} i {kode}."
                )
            account = tx.account(claim.konto)
            events = tx.events(kommunekode=kode, fordring_ider=[fordring_id], limit=1000)
        st = sim_time()
        steps = st.timeline(kode, fordring_id) if st is not None else None
        if steps is None:  # without the behaviour over time: the ledger's own events
            steps = [
                {"step": "created", "at": e.tidspunkt.isoformat()}
                for e in events
                if str(e.kind) == "FordringOprettet"
            ]
        now = s.clock.now()
        planned = planned_report(kode, fordring_id, now)
        if planned is not None:
            steps = [*steps, planned]
        return _page(
            "fordring.html",
            tenant=tenant,
            claim=claim,
            account=account,
            debitor=(
                mask_cpr(account.cpr_nummer)
                if account and account.cpr_nummer
                else (account.cvr_nummer if account else "")
            ),
            events=events,
            steps=steps,
            svg=claim_svg(steps, now),
        )

    # -- journal ---------------------------------------------------------------------------

    @bp.get("/journal")
    def journal() -> Response:
        s = sim()
        filters = {
            key: (request.args.get(key) or None)
            for key in ("kommunekode", "operation", "verdict", "fejlkode")
        }
        before_raw = request.args.get("foer", "")
        before = int(before_raw) if before_raw.isdigit() else None
        entries = s.journal.query(**filters, before=before, limit=JOURNAL_PAGE_SIZE)
        operations = sorted({name for svc in SERVICES.values() for name in svc.operations})
        return _page(
            "journal.html",
            entries=entries,
            filters=filters,
            operations=operations,
            enabled=s.journal.enabled,
            older=(
                url_for(
                    "dashboard.journal",
                    foer=entries[-1].id,
                    **{k: v for k, v in filters.items() if v},
                )
                if len(entries) == JOURNAL_PAGE_SIZE
                else None
            ),
        )

    @bp.get("/journal/<int:entry_id>")
    def journal_entry(entry_id: int) -> Response:
        s = sim()
        found = s.journal.query(before=entry_id + 1, limit=1)
        if not found or found[0].id != entry_id:
            return _page("fejl_side.html", 404, besked=f"Journalpost {entry_id} findes ikke.")
        entry = found[0]
        fault_text = None
        if entry.fejlkode:
            from oeir.faults import CATALOGUE

            known = CATALOGUE.get(entry.fejlkode)
            fault_text = f"{entry.fejlkode}" + (f" ({known.da})" if known else "")
        shown = dashboard_message.show(entry.request, felt=entry.felt, fault_text=fault_text)
        answer = dashboard_message.show(entry.response) if entry.response else None
        named = None
        if entry.kommunekode is None:
            cvr = dashboard_message.municipality_cvr(entry.request)
            named = s.tenants.by_cvr(cvr) if cvr else None
        return _page(
            "journalpost.html",
            entry=entry,
            shown=shown,
            answer=answer,
            near=near_miss_of(entry),
            fault_text=fault_text,
            named=named,
        )

    # -- faults ------------------------------------------------------------------------------

    @bp.get("/fejl")
    def faults_page() -> Response:
        injector = fault_injector()
        kinds: list[str] = []
        if injector is not None:
            from simulators.faults.rules import KINDS

            kinds = sorted(KINDS)
        from oeir.faults import CATALOGUE

        operations = sorted({name for svc in SERVICES.values() for name in svc.operations})
        return _page(
            "fejl.html",
            injector=injector,
            rules=injector.rules() if injector is not None else [],
            kinds=kinds,
            fejlkoder=sorted(CATALOGUE),
            operations=operations,
            tenants=sim().tenants.all(),
            besked=request.args.get("besked"),
        )

    @bp.post("/fejl")
    def faults_add() -> Response:
        injector = fault_injector()
        if injector is None:
            return _page("fejl_side.html", 404, besked="Fejlinjektion er ikke installeret.")
        from simulators.faults.rules import FaultRuleError

        try:
            rule = injector.add(rule_from_form(request.form))
        except FaultRuleError as exc:
            besked = f"Afvist: {fault_texts.danish_error(str(exc))}"
            return redirect(url_for("dashboard.faults_page", besked=besked), code=303)  # type: ignore[return-value]
        return redirect(url_for("dashboard.faults_page", besked=f"Regel {rule.id} sat."), code=303)  # type: ignore[return-value]

    @bp.post("/fejl/<int:rule_id>/slet")
    def faults_delete(rule_id: int) -> Response:
        injector = fault_injector()
        if injector is None:
            return _page("fejl_side.html", 404, besked="Fejlinjektion er ikke installeret.")
        done = injector.delete(rule_id)
        besked = f"Regel {rule_id} fjernet." if done else f"Regel {rule_id} fandtes ikke."
        return redirect(url_for("dashboard.faults_page", besked=besked), code=303)  # type: ignore[return-value]

    @bp.post("/fejl/ryd")
    def faults_clear() -> Response:
        injector = fault_injector()
        if injector is None:
            return _page("fejl_side.html", 404, besked="Fejlinjektion er ikke installeret.")
        n = injector.clear()
        return redirect(url_for("dashboard.faults_page", besked=f"{n} regler fjernet."), code=303)  # type: ignore[return-value]

    # -- citizen view -----------------------------------------------------------------------

    @bp.get("/borger")
    def citizen() -> Response:
        st = sim_time()
        rows = []
        for tenant in sorted(sim().tenants.all(), key=lambda t: t.kommune.navn):
            payment = tenant.profile.payment_solution and st is not None
            rows.append(
                {
                    "tenant": tenant,
                    "url": f"/betaling/{tenant.kode}/" if payment else None,
                    "alternative": TimeSettings.of(tenant.profile).payment_alternative,
                }
            )
        return _page("borger.html", rows=rows)

    return bp


def rule_from_form(form: Any) -> dict[str, Any]:
    """A fault rule definition (as the fault admin API takes it) from the dashboard's form."""
    data: dict[str, Any] = {"kind": form.get("kind", "")}
    for key in ("kommunekode", "operation", "description", "fejlkode", "felt", "start", "end"):
        value = (form.get(key) or "").strip()
        if value:
            data[key] = value
    for key, kind in (
        ("probability", float),
        ("count", int),
        ("seed", int),
        ("fixed_ms", float),
        ("retry_after_s", int),
    ):
        raw = (form.get(key) or "").strip().replace(",", ".")
        if raw:
            try:
                data[key] = kind(raw)
            except ValueError:
                data[key] = raw  # the rule parser names the field in its refusal
    if data["kind"] == "maintenance":
        days = [int(d) for d in form.getlist("weekdays") if d.isdigit()]
        if days:
            data["weekdays"] = days
    return data


def masked_output(value: Any) -> Any:
    """Every value a template prints, with its CPR numbers masked (Jinja's ``finalize``).

    A name or free text (a debtor's name, a claim's text, an event's reason) may hold
    a CPR number anywhere; masking at the point of output covers every page at once.
    """
    if value is None or isinstance(value, int | float):
        return value
    if hasattr(value, "__html__"):  # already safe HTML (the inline SVG): keep it so
        return Markup(mask_cprs_in_text(value.__html__()))
    return mask_cprs_in_text(str(value))


def install(app: Flask) -> None:
    """Register the dashboard on an app made by `simulators.create_app`."""
    # Set before any template compiles: Jinja compiles `finalize` into each template.
    app.jinja_env.finalize = masked_output
    app.register_blueprint(blueprint())
