"""The admin API over real HTTP: clock, tenants, state with CPR masked, events, journal, reset."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from oeir import model
from simulators import SimConfig, create_app, simulator_of
from tests.conftest import Served
from tests.simulators.helpers import CPRS, fordring
from wsgiserve import ServerThread


def url(served: Served, path: str) -> str:
    """Absolute URL of an admin path."""
    return f"{served.base_url}/admin{path}"


def test_every_admin_route_is_documented_and_nothing_else(served: Served) -> None:
    doc = requests.get(url(served, "/openapi.json"), timeout=10).json()
    assert doc["openapi"].startswith("3.")
    routes: dict[str, set[str]] = {}
    for rule in served.app.url_map.iter_rules():
        if rule.rule.startswith("/admin"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(
                m.lower() for m in rule.methods or () if m not in ("HEAD", "OPTIONS")
            )
    documented = {p: set(ops) for p, ops in doc["paths"].items()}
    assert routes == documented
    for path, ops in doc["paths"].items():
        for op in ops.values():
            names = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert names == set(re.findall(r"{([^}]+)}", path)), path


def test_clock_get_advance_set_mode_and_bad_input(served: Served) -> None:
    now = requests.get(url(served, "/clock"), timeout=10).json()
    assert set(now) >= {"now", "mode", "factor", "pending_jobs"}
    r = requests.post(url(served, "/clock"), json={"advance": "PT1H"}, timeout=10)
    assert r.status_code == 200
    assert r.json()["now"] == served.sim.clock.now().isoformat()
    r = requests.post(url(served, "/clock"), json={"set": "2026-06-01T10:00:00"}, timeout=10)
    assert r.json()["now"] == "2026-06-01T10:00:00+02:00"
    r = requests.post(url(served, "/clock"), json={"mode": "accelerated", "factor": 60}, timeout=10)
    assert (r.json()["mode"], r.json()["factor"]) == ("accelerated", 60)
    requests.post(url(served, "/clock"), json={"mode": "frozen"}, timeout=10)
    for bad in ({"advance": "3 days"}, {"set": "yesterday"}, {}, {"advance": "P1D", "set": "x"}):
        r = requests.post(url(served, "/clock"), json=bad, timeout=10)
        assert r.status_code == 400 and "error" in r.json()
    r = requests.post(url(served, "/clock"), data="not json", timeout=10)
    assert r.status_code == 400 and r.json()["error"]


def test_tenants_list_get_and_patch(served: Served) -> None:
    tenants = requests.get(url(served, "/tenants"), timeout=10).json()["tenants"]
    assert len(tenants) == 98
    esbjerg = next(t for t in tenants if t["kommunekode"] == "561")
    assert (esbjerg["system"], esbjerg["assignment"]) == ("prisme2009", "public")
    kk = next(t for t in tenants if t["kommunekode"] == "101")
    assert (kk["system"], kk["assignment"]) == ("opus", "public")
    assert "Økonomiudvalget" in kk["source"]
    assert next(t for t in tenants if t["kommunekode"] == "147")["source"] is None
    one = requests.get(url(served, "/tenants/561"), timeout=10).json()
    assert one["profile"]["text_max_length"]["assumed"] is True
    assert one["profile"]["payment_solution"]["assumed"] is False
    r = requests.patch(
        url(served, "/tenants/561"),
        json={"callback_url": "http://127.0.0.1:1/cb", "profile": {"text_max_length": 30}},
        timeout=10,
    )
    assert r.status_code == 200
    assert r.json()["callback_url"] == "http://127.0.0.1:1/cb"
    assert r.json()["profile"]["text_max_length"] == {
        "value": 30,
        "assumed": True,
        "overridden": True,
        "source": None,
    }
    assert served.sim.tenants.get("561").profile.text_max_length == 30  # type: ignore[union-attr]
    r = requests.patch(url(served, "/tenants/561"), json={"system": "nope"}, timeout=10)
    assert r.status_code == 400 and "nope" in r.json()["error"]
    assert requests.get(url(served, "/tenants/999"), timeout=10).status_code == 404
    requests.patch(
        url(served, "/tenants/561"),
        json={"callback_url": None, "profile": {"text_max_length": None}},
        timeout=10,
    )
    assert served.sim.tenants.get("561").profile.text_max_length == 60  # type: ignore[union-attr]


def test_accounts_claims_and_events_mask_cpr(served: Served) -> None:
    ledger = served.sim.ledger
    svar = ledger.opret_fordring(fordring("ADM-1", 4200, kommunekode="147", cpr=CPRS[2]))
    ledger.daekning("147", "ADM-1", 200, model.Betalingsmiddel.KORT)
    page = requests.get(url(served, "/accounts"), params={"kommunekode": "147"}, timeout=10)
    assert page.status_code == 200 and CPRS[2] not in page.text
    account = next(a for a in page.json()["accounts"] if a["nummer"] == svar.debitorkontonummer)
    assert account["debitor"]["cpr"] == "311270-****"
    assert account["saldo"] == 4000
    found = requests.post(url(served, "/accounts/search"), json={"debitor": CPRS[2]}, timeout=10)
    assert [a["nummer"] for a in found.json()["accounts"]] == [svar.debitorkontonummer]
    assert CPRS[2] not in found.text
    one = requests.get(url(served, f"/accounts/{svar.debitorkontonummer}"), timeout=10)
    assert one.json()["fordringer"][0]["saldo"] == 4000 and CPRS[2] not in one.text
    claim = requests.get(url(served, "/claims/147/ADM-1"), timeout=10).json()
    assert [e["kind"] for e in claim["events"]] == ["FordringOprettet", "Daekning"]
    events = requests.get(url(served, "/events"), params={"limit": 1}, timeout=10).json()
    assert len(events["events"]) == 1 and events["next_after"] == events["events"][0]["seq"]
    rest = requests.get(url(served, "/events"), params={"after": events["next_after"]}, timeout=10)
    assert rest.json()["events"][0]["seq"] == events["next_after"] + 1
    assert requests.get(url(served, "/accounts"), timeout=10).status_code == 400
    assert requests.get(url(served, "/accounts/none"), timeout=10).json()["error"]


def test_jobs_stats_index_and_json_404(served: Served) -> None:
    assert "handlers" in requests.get(url(served, "/jobs"), timeout=10).json()
    stats = requests.get(url(served, "/stats"), timeout=10).json()
    assert set(stats) == {"accounts", "claims", "events", "jobs", "journal"}
    index = requests.get(url(served, "/"), timeout=10).json()
    assert index["services"]["DebitorRegistreringAfsend"]["wsdl"].endswith("?wsdl")
    r = requests.get(url(served, "/no/such/thing"), timeout=10)
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/json"


def test_reset_empties_the_data_but_keeps_the_clock(tmp_path: Path) -> None:
    app = create_app(SimConfig(data_dir=tmp_path, synchronous="OFF"))
    sim = simulator_of(app)
    sim.ledger.opret_fordring(fordring("R-1"))
    sim.tenants.patch("101", {"system": "eg"})
    with ServerThread(app) as server:
        before = sim.clock.now()
        r = requests.post(f"{server.base_url}/admin/reset", timeout=10)
        assert r.json() == {
            "reset": True,
            "accounts": 0,
            "claims": 0,
            "events": 0,
            "jobs": 0,
            "journal": 0,
        }
    assert sim.ledger.claim("101", "R-1") is None
    assert sim.tenants.get("101").system == "opus"  # type: ignore[union-attr]
    assert sim.clock.now() == before
    sim.close()


def test_token_required_beyond_loopback(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="admin_token"):
        create_app(SimConfig(data_dir=tmp_path, bind_host="0.0.0.0"))
    app = create_app(SimConfig(data_dir=tmp_path, bind_host="0.0.0.0", admin_token="s3cret"))
    with ServerThread(app) as server:
        base = f"{server.base_url}/admin/clock"
        assert requests.get(base, timeout=10).status_code == 401
        bad = requests.get(base, headers={"Authorization": "Bearer nope"}, timeout=10)
        assert bad.status_code == 401 and bad.json()["error"]
        ok = requests.get(base, headers={"Authorization": "Bearer s3cret"}, timeout=10)
        assert ok.status_code == 200
    simulator_of(app).close()


def test_journal_can_be_switched_off_and_is_bounded(tmp_path: Path) -> None:
    off = create_app(SimConfig(data_dir=tmp_path / "off", journal_enabled=False))
    with ServerThread(off) as server:
        requests.post(
            f"{server.base_url}/service/OIR/DebitorForespoergsel/1", data=b"<x/>", timeout=10
        )
    assert simulator_of(off).stats()["journal"] == 0
    simulator_of(off).close()
    small = create_app(SimConfig(data_dir=tmp_path / "small", journal_max_rows=3))
    with ServerThread(small) as server:
        for _ in range(5):
            requests.post(
                f"{server.base_url}/service/OIR/DebitorForespoergsel/1", data=b"<x/>", timeout=10
            )
        entries = requests.get(f"{server.base_url}/admin/journal", timeout=10).json()["entries"]
    assert len(entries) == 3 and entries[0]["id"] == 5
    assert entries[0]["fejlkode"] == "UgyldigSoapKonvolut" and entries[0]["verdict"] == "fault"
    simulator_of(small).close()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/faults/99999999999999999999"),
        ("DELETE", "/admin/faults/99999999999999999999"),
        ("GET", "/journal/99999999999999999999"),
    ],
)
def test_ids_beyond_the_stores_range_are_a_404(served: Served, method: str, path: str) -> None:
    # Found by the API fuzz test: such an id reached SQLite and overflowed into a 500.
    answer = requests.request(method, f"{served.base_url}{path}", timeout=10)
    assert answer.status_code == 404, answer.text
