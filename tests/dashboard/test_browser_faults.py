"""An injected fault in a real browser: labelled as injected, counted on the municipality page.

A fault rule set through the admin API answers one SOAP call with HTTP 503. The journal
must show that call as »indsat fejl« (not »ok«, not a refusal by the simulator), its
filter must find it, and the municipality page and the overview must count it. The
parked outbox count comes from the running core. Screenshots go to
``reports/screenshots/`` (gitignored) for the people who sign off.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from debitorsim.testbed import Testbed
from oeir import model, soap
from tests.dashboard.conftest import Watched
from tests.dashboard.test_browser import _send
from tests.simulators.conftest import sp_header
from tests.simulators.helpers import fordring

pytestmark = pytest.mark.slow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"


def test_injected_fault_is_labelled_injected_and_counted(bed: Testbed, watched: Watched) -> None:
    from playwright.sync_api import expect

    page = watched.page
    assert bed.sim is not None
    tenant = bed.sim.tenants.for_system("opus")[0]
    kode = tenant.kode
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    rule = {
        "kind": "http_503",
        "kommunekode": kode,
        "operation": "OpretFordring",
        "count": 1,
        "description": "Serviceplatformen nede (test)",
    }
    r = requests.post(f"{bed.sim_url}/admin/faults", json=rule, timeout=10)
    assert r.status_code == 201, r.text
    msg = model.OpretFordring(fordring=fordring("INDSAT-1", kommunekode=kode))
    body = soap.request_envelope(msg, sp_header(tenant))
    assert _send(bed, body).status_code == 503  # the rule answers instead of the system
    assert _send(bed, body).status_code == 200  # used up: the system answers again

    page.goto(f"{bed.sim_url}/journal")
    rows = page.locator("#journal tbody tr")
    expect(rows).to_have_count(2)
    injected = page.locator("#journal tbody tr.indsat")
    expect(injected).to_have_count(1)
    expect(injected.locator(".udfald")).to_have_text("indsat fejl")
    expect(page.locator("#journal tbody tr.ok-kald .udfald")).to_have_text("ok")
    page.screenshot(path=str(SCREENSHOTS / "journal-indsat-fejl.png"), full_page=True)

    page.get_by_label("Udfald").select_option("injected")
    page.get_by_role("button", name="Filtrér").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("OpretFordring")
    rows.get_by_role("link").click()
    expect(page.locator("#udfald")).to_have_text("indsat fejl (HTTP 503)")
    expect(page.locator("#detaljer")).to_contain_text("http_503")

    page.goto(f"{bed.sim_url}/kommuner/{kode}")
    section = page.locator("#kommune-fejl")
    expect(section.locator("#antal-indsatte")).to_have_text("1")
    expect(section.locator("#antal-afviste")).to_have_text("0")
    expect(section.locator("#antal-parkerede")).to_have_text("0")  # the core answered
    expect(section).not_to_contain_text("Ingen afviste kald")
    expect(section.locator("#seneste-fejl tbody tr")).to_have_count(1)
    expect(section.locator("#seneste-fejl .udfald")).to_have_text("indsat fejl")
    section.screenshot(path=str(SCREENSHOTS / "kommune-fejl-afsnit.png"))
    page.screenshot(path=str(SCREENSHOTS / "kommune-indsat-fejl.png"), full_page=True)

    page.goto(f"{bed.sim_url}/")
    expect(page.locator("#udfald #antal-indsatte")).to_have_text("1")
    page.screenshot(path=str(SCREENSHOTS / "oversigt-indsat-fejl.png"), full_page=True)
    page.locator("#udfald #antal-indsatte a").click()
    expect(page).to_have_url(re.compile(r"/journal\?verdict=injected"))
    expect(rows).to_have_count(1)
