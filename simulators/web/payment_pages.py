"""The citizen payment page per municipality, modelled on "Mit Betalingsoverblik".

Server-rendered HTML in Danish, under ``/betaling/<kommunekode>/``:
- ``GET  /``          the simulated login (a form taking a CPR number; no MitID);
- ``POST /login``     the CPR goes in the POST body only, never in a URL; a random
                      session cookie links the browser to it from then on (the
                      session is in the store: `simulators.payments.sessions`);
- ``GET  /oversigt``  the citizen's open claims (CPR masked on every page);
- ``POST /betal``     simulated card or MobilePay payment of the chosen claims: booked
                      in the ledger at once; the receipt says when the library hears;
- ``POST /logud``     end the session.
Where the profile has no payment solution, every page answers (HTTP 200, in
Danish) that the municipality has none and how this citizen pays instead.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    make_response,
    redirect,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue

from oeir import model
from oeir.dansk import kroner
from oeir.faults import OeirFault
from oeir.identifiers import mask_cpr, valid_cpr
from simulators.payments.solution import METHODS
from simulators.tenants import Tenant
from simulators.web.context import sessions, sim_time

COOKIE = "betaling_session"


bp = Blueprint("betaling", __name__, template_folder="templates")
"""The payment pages (mount under /betaling)."""


def tenant_of(kode: str) -> Tenant | None:
    """The municipality of a code, or None."""
    return sim_time().sim.tenants.get(kode)


def page(template: str, tenant: Tenant | None, status: int = 200, **ctx: object) -> Response:
    """A page in Danish, never cached."""
    html = render_template(f"betaling/{template}", tenant=tenant, kroner=kroner, **ctx)
    response = make_response(html, status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = "da"
    return response


def none_page(tenant: Tenant) -> Response:
    """The page of a municipality without a payment solution: how to pay instead."""
    return page(
        "ingen.html",
        tenant,
        alternativ=sim_time().payments.alternative(tenant),
        fejlkode=tenant.profile.faults.get("no_payment_solution", "IngenBetalingsloesning"),
    )


def payable_tenant(kode: str) -> Tenant | Response:
    """The municipality if it has a payment solution; else the page that says why not."""
    tenant = tenant_of(kode)
    if tenant is None:
        return page("ukendt.html", None, 404, kode=kode)
    if not tenant.profile.payment_solution:
        return none_page(tenant)
    return tenant


def bill_texts(kode: str, fordring_ider: list[str]) -> dict[str, str]:
    """Each paid claim's text (its Tekst, what the citizen saw on the bill), by id."""
    with sim_time().sim.store.read() as tx:
        claims = [tx.claim(kode, fid) for fid in fordring_ider]
    return {c.fordring_id: c.tekst for c in claims if c is not None and c.tekst}


def to_login(kode: str) -> Response:
    """Back to the login form."""
    return redirect(f"{request.script_root}/betaling/{kode}/", code=303)


def overview_page(tenant: Tenant, cpr: str, status: int = 200, **ctx: object) -> Response:
    """The citizen's open claims."""
    claims = sim_time().payments.open_claims(tenant.kommune.kode, cpr)
    return page(
        "oversigt.html",
        tenant,
        status,
        cpr=mask_cpr(cpr),
        claims=claims,
        total=sum(c.saldo for c in claims),
        methods=METHODS,
        **ctx,
    )


@bp.get("/")
def index() -> Response:
    """Every municipality's payment page."""
    tenants = sorted(sim_time().sim.tenants.all(), key=lambda t: t.kommune.navn)
    return page("kommuner.html", None, tenants=tenants)


@bp.route("/<kode>/", methods=["GET"])
def login_form(kode: str) -> Response:
    """The simulated login."""
    tenant = payable_tenant(kode)
    if isinstance(tenant, Response):
        return tenant
    return page("login.html", tenant)


@bp.post("/<kode>/login")
def login(kode: str) -> ResponseReturnValue:
    """Log in with a CPR number (in the POST body only)."""
    tenant = payable_tenant(kode)
    if isinstance(tenant, Response):
        return tenant
    cpr = request.form.get("cpr", "").replace("-", "").strip()
    if not valid_cpr(cpr):
        return page("login.html", tenant, 400, fejl="Ugyldigt CPR-nummer. Skriv 10 cifre.")
    token = sessions().open(kode, cpr)
    response = redirect(f"{request.script_root}/betaling/{kode}/oversigt", code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path=f"/betaling/{kode}")
    return response


@bp.get("/<kode>/oversigt")
def overview(kode: str) -> ResponseReturnValue:
    """The logged-in citizen's open claims."""
    tenant = payable_tenant(kode)
    if isinstance(tenant, Response):
        return tenant
    cpr = sessions().cpr(request.cookies.get(COOKIE), kode)
    if cpr is None:
        return to_login(kode)
    return overview_page(tenant, cpr)


@bp.post("/<kode>/betal")
def pay(kode: str) -> ResponseReturnValue:
    """Pay the chosen claims by card or MobilePay."""
    tenant = payable_tenant(kode)
    if isinstance(tenant, Response):
        return tenant
    cpr = sessions().cpr(request.cookies.get(COOKIE), kode)
    if cpr is None:
        return to_login(kode)
    chosen = tuple(request.form.getlist("fordring_id"))
    try:
        method = model.Betalingsmiddel(request.form.get("betalingsmiddel", ""))
    except ValueError:
        method = None  # type: ignore[assignment]
    fejl = None
    if not chosen:
        fejl = "Vælg mindst én regning."
    elif method not in METHODS:
        fejl = "Vælg betalingskort eller MobilePay."
    if fejl is None:
        try:
            receipt = sim_time().payments.pay(kode, cpr, chosen, method)
        except OeirFault as fault:
            fejl = fault.tekst_da
        else:
            return page(
                "kvittering.html",
                tenant,
                cpr=mask_cpr(cpr),
                kvittering=receipt,
                tekster=bill_texts(kode, [d.fordring_id for d in receipt.daekninger]),
                betalingsmiddel=method,
            )
    return overview_page(tenant, cpr, 400, fejl=fejl)


@bp.post("/<kode>/logud")
def logout(kode: str) -> ResponseReturnValue:
    """End the session."""
    sessions().close(request.cookies.get(COOKIE))
    response = redirect(f"{request.script_root}/betaling/{kode}/", code=303)
    response.delete_cookie(COOKIE, path=f"/betaling/{kode}")
    return response
