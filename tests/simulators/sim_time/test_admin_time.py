"""The time admin endpoints: documented in /admin/openapi.json, guarded, and refusing bad input."""

from __future__ import annotations

import re

from tests.simulators.sim_time.conftest import World
from tests.simulators.sim_time.helpers import opret, tenant_for


def test_every_admin_route_is_documented_when_installed(world: World) -> None:
    doc = world.admin("GET", "/openapi.json")
    routes: dict[str, set[str]] = {}
    for rule in world.app.url_map.iter_rules():
        if rule.rule.startswith("/admin"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(
                m.lower() for m in rule.methods or () if m not in ("HEAD", "OPTIONS")
            )
    assert routes == {p: set(ops) for p, ops in doc["paths"].items()}
    assert "/admin/callbacks/attempts" in routes
    for path, ops in doc["paths"].items():
        for op in ops.values():
            names = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert names == set(re.findall(r"{([^}]+)}", path)), path


def test_bad_requests_are_refused_with_json(world: World) -> None:
    tenant = tenant_for(world.sim, "eg")
    opret(world, tenant, "A-1", 5_000)
    base = f"{world.base_url}/admin"
    cases = [
        ("POST", "/indbetalingskort", {"kommunekode": tenant.kode}, 400),
        (
            "POST",
            "/indbetalingskort",
            {
                "kommunekode": tenant.kode,
                "fordring_id": "A-1",
                "beloeb": "50",
                "indbetaling_id": "K",
            },
            400,
        ),
        (
            "POST",
            "/indbetalingskort",
            {
                "kommunekode": tenant.kode,
                "fordring_id": "NOPE",
                "beloeb": 100,
                "indbetaling_id": "K",
            },
            409,
        ),
        (
            "POST",
            "/indbetalingskort",
            {"kommunekode": tenant.kode, "fordring_id": "A-1", "beloeb": 0, "indbetaling_id": "K"},
            409,
        ),
        (
            "POST",
            "/indbetalingskort",
            {"kommunekode": "999", "fordring_id": "A-1", "beloeb": 1, "indbetaling_id": "K"},
            404,
        ),
        ("POST", "/payments/reversal", {"haendelse_id": "nope"}, 409),
        ("POST", f"/claims/{tenant.kode}/A-1/collection", {"step": "explode"}, 400),
        ("POST", f"/claims/{tenant.kode}/NOPE/collection", {"step": "remind"}, 404),
        ("GET", f"/claims/{tenant.kode}/NOPE/timeline", None, 404),
        ("POST", "/callbacks/999/flush", None, 404),
    ]
    for method, path, body, status in cases:
        r = world.http.request(method, base + path, json=body, timeout=10)
        assert r.status_code == status, (path, body, r.text)
        assert "error" in r.json()
    claim = world.sim.ledger.claim(tenant.kode, "A-1")
    assert claim is not None and claim.saldo == 5_000
    assert world.admin("GET", "/indbetalingskort")["pending"] == []


def test_same_slip_id_twice_is_one_payment_and_other_content_is_refused(world: World) -> None:
    tenant = tenant_for(world.sim, "prisme2009")
    opret(world, tenant, "A-2", 5_000)
    slip = {
        "kommunekode": tenant.kode,
        "fordring_id": "A-2",
        "beloeb": 5_000,
        "indbetaling_id": "K-9",
    }
    first = world.admin("POST", "/indbetalingskort", json=slip)
    assert world.admin("POST", "/indbetalingskort", json=slip) == first
    r = world.http.post(
        f"{world.base_url}/admin/indbetalingskort", json={**slip, "beloeb": 4_000}, timeout=10
    )
    assert r.status_code == 409 and r.json()["fejlkode"] == "IndbetalingIdAlleredeBrugt"
    assert [p["indbetaling_id"] for p in world.admin("GET", "/indbetalingskort")["pending"]] == [
        "K-9"
    ]


def test_profile_override_of_a_time_value_takes_effect(world: World) -> None:
    tenant = tenant_for(world.sim, "opus")
    world.admin(
        "PATCH", f"/tenants/{tenant.kode}", json={"profile": {"bank_settlement_time": "09:30"}}
    )
    opret(world, tenant, "A-3", 5_000)
    slip = {
        "kommunekode": tenant.kode,
        "fordring_id": "A-3",
        "beloeb": 5_000,
        "indbetaling_id": "K-3",
    }
    pending = world.admin("POST", "/indbetalingskort", json=slip)
    assert pending["bogfoeres"] == "2026-01-06T09:30:00+01:00"  # Monday's slip, 1 bank day


def test_after_a_reset_the_time_state_starts_afresh(world: World) -> None:
    from oeir import model
    from tests.simulators.sim_time.conftest import at

    tenant = tenant_for(world.sim, "opus")
    world.register(tenant)
    opret(world, tenant, "R-1", 5_000)
    world.sim.ledger.daekning(tenant.kode, "R-1", 5_000, model.Betalingsmiddel.KORT)
    world.set_clock(at(2026, 1, 7))
    assert len(world.admin("GET", "/callbacks")["batches"]) == 1
    world.admin("POST", "/reset", json={})
    assert world.admin("GET", "/callbacks")["batches"] == []
    assert world.admin("GET", "/callbacks/attempts")["attempts"] == []
    world.register(tenant)  # a reset also drops the admin API's tenant overrides
    opret(world, tenant, "R-1", 5_000)
    world.sim.ledger.daekning(tenant.kode, "R-1", 5_000, model.Betalingsmiddel.KORT)
    world.set_clock(at(2026, 1, 9))
    first, second = world.fbs.delivered()
    # Paid Wednesday 00:00, before the run at 02:00 that closes Tuesday.
    assert (first.at, second.at) == (at(2026, 1, 6, 2, 0), at(2026, 1, 7, 2, 0))
    assert first.haendelser[0].haendelse_id != second.haendelser[0].haendelse_id
    assert world.fbs.duplicates == []
    assert [b["id"] for b in world.admin("GET", "/callbacks")["batches"]] == [1]
