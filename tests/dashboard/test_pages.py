"""The dashboard's pages through the Flask test client: content, paging, forms, masking."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from oeir import model, soap
from oeir.identifiers import mask_cpr
from oeir.services import DEBITOR_REGISTRERING
from simulators import SimConfig, create_app, sim_time_of, simulator_of
from simulators.engine import Simulator
from simulators.web.dashboard.formatting import tid
from tests.dashboard.conftest import SECRET_CPR, seed_claims
from tests.simulators.conftest import sp_header
from tests.simulators.helpers import fordring

PAGES = ("/", "/kommuner", "/journal", "/fejl", "/borger")


def _html(client: FlaskClient, url: str, status: int = 200) -> str:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.data[:500])
    assert r.headers["Content-Type"].startswith("text/html")
    return r.get_data(as_text=True)


def _table(html: str, table_id: str) -> str:
    found = re.search(rf'<table class="liste" id="{table_id}">(.*?)</table>', html, re.S)
    assert found is not None, table_id
    return found.group(1)


def _opus(sim: Simulator) -> str:
    return sim.tenants.for_system("opus")[0].kode


def _post_soap(client: FlaskClient, body: bytes) -> int:
    r = client.post(
        DEBITOR_REGISTRERING.path, data=body, headers={"Content-Type": "text/xml; charset=utf-8"}
    )
    return r.status_code


def test_every_page_renders_in_danish_with_the_clock(client: FlaskClient, sim: Simulator) -> None:
    for url in PAGES:
        html = _html(client, url)
        assert '<html lang="da">' in html
        assert "Virtuel tid" in html and "+1 time" in html and "+1 dag" in html
        assert "Til næste natlige kørsel" in html, url


def test_clock_buttons_move_the_virtual_clock(client: FlaskClient, sim: Simulator) -> None:
    start = sim.clock.now()
    r = client.post("/ur", data={"handling": "time", "tilbage": "/kommuner"})
    assert r.status_code == 303 and r.headers["Location"] == "/kommuner"
    assert sim.clock.now() - start == timedelta(hours=1)
    client.post("/ur", data={"handling": "dag"})
    assert sim.clock.now() - start == timedelta(days=1, hours=1)


def test_nightly_button_goes_to_the_earliest_nightly_run(
    app: Flask, client: FlaskClient, sim: Simulator
) -> None:
    now = sim.clock.now()
    runs = {
        sim_time_of(app).callbacks.next_run(t.kode, now)
        for t in sim.tenants.all()
        if t.profile.callbacks.mode == "nightly"
    }
    assert runs, "some municipality runs nightly"
    html = _html(client, "/")
    assert "Næste natlige kørsel" in html
    client.post("/ur", data={"handling": "natlig"})
    assert sim.clock.now() == min(runs)
    # The municipality's own button goes to that municipality's next run.
    kode = _opus(sim)
    expected = sim_time_of(app).callbacks.next_run(kode, sim.clock.now())
    client.post("/ur", data={"handling": "natlig", "kommunekode": kode})
    assert sim.clock.now() == expected


def test_clock_refuses_unknown_actions_and_foreign_redirects(
    client: FlaskClient, sim: Simulator
) -> None:
    start = sim.clock.now()
    assert client.post("/ur", data={"handling": "baglæns"}).status_code == 400
    assert sim.clock.now() == start
    r = client.post("/ur", data={"handling": "time", "tilbage": "https://evil.example/"})
    assert r.headers["Location"] == "/"
    r = client.post("/ur", data={"handling": "time", "tilbage": "//evil.example/x"})
    assert r.headers["Location"] == "/"


def test_forms_from_another_origin_are_refused(client: FlaskClient, sim: Simulator) -> None:
    start = sim.clock.now()
    r = client.post("/ur", data={"handling": "dag"}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    assert sim.clock.now() == start


def test_only_loopback_without_a_token(client: FlaskClient) -> None:
    r = client.get("/", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert r.status_code == 403


def test_municipality_list_is_searchable(client: FlaskClient, sim: Simulator) -> None:
    html = _html(client, "/kommuner")
    assert html.count('<tr data-soeg="') == 98
    html = _html(client, "/kommuner?q=esbjerg")
    assert html.count('<tr data-soeg="') == 1 and "Esbjerg" in html
    assert "Fujitsu Prisme 2009" in html  # Esbjerg's public system
    html = _html(client, "/kommuner?system=eg")
    assert html.count('<tr data-soeg="') == len(sim.tenants.for_system("eg"))


def test_municipality_pages_claims_with_balances(client: FlaskClient, sim: Simulator) -> None:
    kode = _opus(sim)
    ids = seed_claims(sim, kode, 120)
    sim.ledger.daekning(kode, ids[0], 1000, betalingsmiddel=model.Betalingsmiddel.KORT)
    html = _html(client, f"/kommuner/{kode}")
    first = _table(html, "fordringer")
    assert first.count(f"/kommuner/{kode}/fordringer/F") == 50
    assert ids[0] in first and ids[49] in first and ids[50] not in first
    assert "Daekning" in html  # the payment waits for the next run to FBS
    # Totals cover all claims, not just the page.
    total = sum(2500 + i for i in range(120)) - 1000
    totals = re.search(r'<dl class="tal" id="totaler">(.*?)</dl>', html, re.S)
    assert totals is not None
    assert "<dd>120</dd>" in totals.group(1) and "<dd>30</dd>" in totals.group(1)
    kr, ore = divmod(total, 100)
    assert f"{kr:,}".replace(",", ".") + f",{ore:02d} kr." in totals.group(1)
    nxt = re.search(r'rel="next" href="([^"]+)"', html)
    assert nxt is not None
    page2 = _table(_html(client, nxt.group(1).replace("&amp;", "&")), "fordringer")
    assert ids[50] in page2 and ids[99] in page2 and ids[49] not in page2
    nxt = re.search(r'rel="next" href="([^"]+)"', _html(client, nxt.group(1).replace("&amp;", "&")))
    assert nxt is not None
    page3 = _html(client, nxt.group(1).replace("&amp;", "&"))
    assert _table(page3, "fordringer").count(f"/kommuner/{kode}/fordringer/F") == 20
    assert 'rel="next"' not in page3


def test_accounts_tab_pages_and_masks_cpr(client: FlaskClient, sim: Simulator) -> None:
    kode = _opus(sim)
    seed_claims(sim, kode, 120, per_account=4)  # 30 accounts
    sim.ledger.opret_fordring(fordring("HEMMELIG-1", cpr=SECRET_CPR, kommunekode=kode))
    html = _html(client, f"/kommuner/{kode}?vis=konti")
    assert _table(html, "konti").count("<tr><td>") == 25
    nxt = re.search(r'rel="next" href="([^"]+)"', html)
    assert nxt is not None
    page2 = _html(client, nxt.group(1).replace("&amp;", "&"))
    assert _table(page2, "konti").count("<tr><td>") == 6
    assert mask_cpr(SECRET_CPR) in html + page2
    assert SECRET_CPR not in html + page2


def test_claim_page_draws_the_timeline_and_the_event_log(
    app: Flask, client: FlaskClient, sim: Simulator
) -> None:
    kode = _opus(sim)
    sim.ledger.opret_fordring(fordring("T-1", 5000, cpr=SECRET_CPR, kommunekode=kode))
    sim.advance(timedelta(hours=2))
    sim.ledger.daekning(kode, "T-1", 5000, betalingsmiddel=model.Betalingsmiddel.MOBILEPAY)
    html = _html(client, f"/kommuner/{kode}/fordringer/T-1")
    svg = re.search(r"<svg .*?</svg>", html, re.S)
    assert svg is not None
    lanes = re.findall(r'<g class="(spor(?: tomt| planlagt)?)" data-trin="(\w+)">', svg.group(0))
    assert [lane for _, lane in lanes][:6] == [
        "created",
        "invoiced",
        "paid",
        "reported_to_fbs",
        "reminded",
        "handed_over",
    ]
    state = {lane: cls for cls, lane in lanes}
    assert state["created"] == state["paid"] == "spor"
    assert state["handed_over"] == "spor tomt"
    # The payment waits for the municipality's next run, drawn as planned at that time.
    assert state["reported_to_fbs"] == "spor planlagt"
    next_run = sim_time_of(app).callbacks.next_run(kode, sim.clock.now())
    assert "Meldes til FBS ved næste kørsel" in html and tid(next_run) in html
    assert svg.group(0).count("<circle") >= 3
    assert "FordringOprettet" in html and "Daekning" in html
    assert "Betalt" in html and SECRET_CPR not in html and mask_cpr(SECRET_CPR) in html
    _html(client, f"/kommuner/{kode}/fordringer/FINDES-IKKE", 404)
    _html(client, "/kommuner/999", 404)


def test_invalid_message_in_the_journal_with_its_error_at_its_line(
    client: FlaskClient, sim: Simulator
) -> None:
    tenant = sim.tenants.get(_opus(sim))
    assert tenant is not None
    msg = model.OpretFordring(fordring=fordring("J-1", cpr=SECRET_CPR, kommunekode=tenant.kode))
    good = soap.request_envelope(msg, sp_header(tenant))
    assert _post_soap(client, good) == 200
    bad = good.replace(b"<o:Hovedstol>50.00</o:Hovedstol>", b"<o:Hovedstol>halvtreds</o:Hovedstol>")
    assert bad != good
    assert _post_soap(client, bad) == 500

    listing = _html(client, "/journal?verdict=fault")
    rows = re.findall(r'<a href="/journal/(\d+)">', listing)
    assert len(rows) == 1
    assert "SkemaValideringFejlet" in listing and "OpretFordring" in listing
    assert len(re.findall(r'<a href="/journal/(\d+)">', _html(client, "/journal"))) == 2
    assert "Ingen kald" in _html(client, "/journal?verdict=fault&kommunekode=999")

    page = _html(client, f"/journal/{rows[0]}")
    assert f'beskeden nævner <a href="/kommuner/{tenant.kode}">' in page
    assert SECRET_CPR not in page and mask_cpr(SECRET_CPR) in page
    # Pretty-printed: one element per line; the error sits right under the Hovedstol line.
    lines = re.findall(r'<div class="linje( har-fejl)?" id="L(\d+)">', page)
    assert len(lines) > 20
    marked = [int(n) for flag, n in lines if flag]
    assert len(marked) == 1
    line_html = re.search(rf'id="L{marked[0]}">(.*?)</div>', page, re.S)
    assert line_html is not None and "Hovedstol" in line_html.group(1)
    note = re.search(
        rf'class="fejlmarkering" role="note" data-linje="{marked[0]}">(.*?)</div>', page
    )
    assert note is not None and "Hovedstol" in note.group(1) and "halvtreds" in note.group(1)


def test_fault_page_sets_and_clears_faults(client: FlaskClient, sim: Simulator) -> None:
    kode = _opus(sim)
    assert "Ingen fejl er sat" in _html(client, "/fejl")
    r = client.post(
        "/fejl",
        data={"kind": "maintenance", "kommunekode": kode, "start": "22:00", "end": "06:00"},
    )
    assert r.status_code == 303
    page = _html(client, r.headers["Location"])
    assert "Regel 1 sat." in page and "kl. 22:00–06:00" in page
    r = client.post(
        "/fejl",
        data={"kind": "soap_server_fault", "count": "2", "fejlkode": "TjenesteUtilgaengelig"},
    )
    page = _html(client, r.headers["Location"])
    assert "næste 2 kald" in page
    assert [rule.kind for rule in sim.faults.rules()] == ["maintenance", "soap_server_fault"]
    assert "maintenance" in _html(client, f"/kommuner/{kode}")
    r = client.post("/fejl", data={"kind": "maintenance", "start": "25:99", "end": "06:00"})
    assert "Afvist:" in _html(client, r.headers["Location"])
    assert len(sim.faults.rules()) == 2
    client.post("/fejl/1/slet")
    assert [rule.id for rule in sim.faults.rules()] == [2]
    client.post("/fejl/ryd")
    assert sim.faults.rules() == []


def test_citizen_view_links_payment_pages_or_explains(client: FlaskClient, sim: Simulator) -> None:
    html = _html(client, "/borger")
    with_page = [t for t in sim.tenants.all() if t.profile.payment_solution]
    without = [t for t in sim.tenants.all() if not t.profile.payment_solution]
    assert with_page and without
    for t in with_page:
        assert f'href="/betaling/{t.kode}/"' in html
    for t in without:
        assert f'href="/betaling/{t.kode}/"' not in html
    assert html.count("Ingen betalingsløsning.") == len(without)
    assert "indbetalingskort" in html


def test_static_assets_are_served_locally(client: FlaskClient) -> None:
    html = _html(client, "/")
    for asset in re.findall(r'(?:href|src)="(/[^"]+\.(?:css|js))"', html):
        assert client.get(asset).status_code == 200
    assert "http://" not in re.sub(r'href="http://127\.0\.0\.1:1/[^"]*"', "", html)


def test_with_an_admin_token_the_browser_logs_in_with_it(tmp_path: Path) -> None:
    app = create_app(SimConfig(data_dir=tmp_path, synchronous="OFF", admin_token="hemmeligt"))
    try:
        client = app.test_client()
        r = client.get("/")
        assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
        wrong = base64.b64encode(b"leder:forkert").decode()
        assert client.get("/", headers={"Authorization": f"Basic {wrong}"}).status_code == 401
        right = base64.b64encode(b"leder:hemmeligt").decode()
        assert client.get("/", headers={"Authorization": f"Basic {right}"}).status_code == 200
    finally:
        simulator_of(app).close()


def test_injected_fault_is_labelled_and_counted_apart_from_refusals(
    client: FlaskClient, sim: Simulator
) -> None:
    kode = _opus(sim)
    tenant = sim.tenants.get(kode)
    assert tenant is not None
    before = _html(client, f"/kommuner/{kode}")
    assert "Ingen afviste kald og ingen indsatte fejl" in before
    sim.faults.add(
        {"kind": "http_503", "kommunekode": kode, "operation": "OpretFordring", "count": 1}
    )
    msg = model.OpretFordring(fordring=fordring("INJ-1", kommunekode=kode))
    assert _post_soap(client, soap.request_envelope(msg, sp_header(tenant))) == 503
    sim.faults.flush()

    listing = _html(client, "/journal")
    row = re.search(r'<tr class="indsat">(.*?)</tr>', listing, re.S)
    assert row is not None, listing[-3000:]
    assert '<span class="udfald indsat">indsat fejl</span>' in row.group(1)
    assert "ok" not in re.sub(r"<[^>]+>", " ", row.group(1)).split()
    filtered = _html(client, "/journal?verdict=injected")
    assert len(re.findall(r'<a href="/journal/(\d+)">', filtered)) == 1
    assert 'value="injected" selected' in filtered
    entry_id = re.findall(r'<a href="/journal/(\d+)">', filtered)[0]
    assert "indsat fejl</span> (HTTP 503)" in _html(client, f"/journal/{entry_id}")

    page = _html(client, f"/kommuner/{kode}")
    assert "Ingen afviste kald" not in page
    assert re.search(r'id="antal-indsatte"><a [^>]*>1</a>', page), page
    assert re.search(r'id="antal-afviste"><a [^>]*>0</a>', page)
    assert '<span class="udfald indsat">indsat fejl</span>' in page
    # The core (http://127.0.0.1:1/) does not answer: its parked count is not known, not 0.
    assert re.search(r'id="antal-parkerede"><span class="ukendt"[^>]*>ikke kendt', page)
    home = _html(client, "/")
    assert re.search(r'id="antal-indsatte"><a [^>]*>1</a>', home)
    other = next(t.kode for t in sim.tenants.all() if t.kode != kode)
    assert re.search(r'id="antal-indsatte"><a [^>]*>0</a>', _html(client, f"/kommuner/{other}"))


def test_parked_outbox_messages_come_from_the_core(tmp_path: Path) -> None:
    """The parked count is the core's answer; a cut-off listing says 'mindst'."""
    import responses

    from simulators.web.dashboard import core

    app = create_app(SimConfig(data_dir=tmp_path, synchronous="OFF", core_url="http://core.test/"))
    try:
        with app.test_request_context("/"), responses.RequestsMock() as mock:
            mock.get(
                "http://core.test/harness/outbox",
                json={
                    "counts": {"pending": 0, "sent": 4, "parked": 3, "skipped": 0},
                    "messages": [{"kommunekode": "147"}, {"kommunekode": "101"}],
                },
            )
            assert core.core_parked(None)["count"] == 3
            one = core.core_parked("147")
            assert one["count"] == 1 and one["at_least"] is True
            mock.get("http://core.test/harness/outbox", status=401)
            assert core.core_parked("147")["known"] is False
    finally:
        simulator_of(app).close()
