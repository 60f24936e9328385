"""The municipalities: ``/kommuner`` (searchable, key profile values) and
``/kommuner/<kode>`` (totals, claims or accounts keyset-paged, what waits for FBS, faults)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, request

from oeir.identifiers import mask_cpr
from simulators.callbacks.events import REPORTED
from simulators.ledger import Account, Claim
from simulators.store.time import TimeRepo
from simulators.web.context import faults, sim_time, simulator
from simulators.web.dashboard.base import bp, page
from simulators.web.dashboard.core import core_parked

PAGE_SIZE = 50
ACCOUNT_PAGE_SIZE = 25
MAX_ACCOUNT_CLAIMS = 200
"""Claims listed per account on the accounts tab (a larger account links to its claims)."""


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


def pending_callbacks(kode: str, now: datetime) -> dict[str, Any]:
    """What waits to be reported to FBS for a municipality, and when the next run is."""
    with simulator().store.read() as tx:
        repo = TimeRepo(tx, write=False)
        cursor = repo.cursor(kode)
        batches = repo.batches(kode, "pending", 20)
        attempts = repo.attempts(kode, None, 5)
        waiting = tx.events(
            after=cursor, kommunekode=kode, kinds=sorted(str(k) for k in REPORTED), limit=101
        )
    return {
        "next_run": sim_time().callbacks.next_run(kode, now),
        "waiting": waiting[:100],
        "waiting_more": len(waiting) > 100,
        "batches": batches,
        "attempts": attempts,
    }


@bp.get("/kommuner")
def municipalities() -> Response:
    """The municipalities, filtered by name or code (``q``) and system."""
    q = request.args.get("q", "").strip()
    system = request.args.get("system", "")
    tenants = simulator().tenants.all()
    systems = sorted({(t.system, t.profile.name) for t in tenants})
    if system:
        tenants = [t for t in tenants if t.system == system]
    if q:
        needle = q.casefold()
        tenants = [t for t in tenants if needle in t.kommune.navn.casefold() or needle in t.kode]
    return page("kommuner.html", tenants=tenants, q=q, system=system, systems=systems)


@bp.get("/kommuner/<kode>")
def municipality(kode: str) -> Response:
    """One municipality: totals, its claims or accounts, what waits for FBS, its faults."""
    s = simulator()
    tenant = s.tenants.get(kode)
    if tenant is None:
        return page("fejl_side.html", 404, besked=f"Ingen kommune med koden {kode}.")
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
    journal_faults = sorted(
        (
            e
            for verdict in ("fault", "injected")
            for e in s.journal.query(kommunekode=kode, verdict=verdict, limit=20)
        ),
        key=lambda e: e.id,
        reverse=True,
    )[:20]
    return page(
        "kommune.html",
        tenant=tenant,
        totals=totals,
        tab=tab,
        rows=rows,
        claims=claims,
        after=after,
        next_after=next_after,
        callbacks=pending_callbacks(kode, now),
        faults=journal_faults,
        verdicts=s.journal.counts(kode),
        parked=core_parked(kode),
        rules=[r for r in faults().rules() if r.kommunekode in (None, kode)],
        profile=[(k, v, tenant.profile.is_assumed(k)) for k, v in tenant.profile.leaves()],
    )
