"""The dashboard in a real browser (Debian's chromium via Playwright) against a running test bed.

Simulator and integration core run on ephemeral loopback ports with one virtual clock
(`debitorsim.testbed.Testbed`). The test drives what a municipality's test lead does:
a fee is created in FBS, its claim appears in the dashboard, the clock goes to the
nightly run with the button, the citizen pays on the (Opus) payment page, the
municipality's next nightly run (its button) reports it, and FBS shows the fee paid. Playwright's `expect` waits for
what the page shows; nothing sleeps.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import requests

from debitorsim.testbed import Testbed
from oeir import model, soap
from oeir.identifiers import mask_cpr
from oeir.services import DEBITOR_REGISTRERING
from tests.dashboard.conftest import SECRET_CPR, Watched
from tests.simulators.conftest import sp_header
from tests.simulators.helpers import fordring

pytestmark = pytest.mark.slow


def _fee(bed: Testbed, kode: str) -> dict[str, Any]:
    body = {
        "agencyId": f"DK-7{kode}00",
        "type": "fee",
        "reasonMessage": "Gebyr (for sent)",
        "amount": 45,
        "patron": {"cpr": SECRET_CPR, "name": "Ane Testsen"},
    }
    r = requests.post(f"{bed.core_url}/harness/fees", json=body, timeout=10)
    assert r.status_code == 201, r.text
    fee: dict[str, Any] = r.json()
    return fee


def _core_fee(bed: Testbed, fee_id: int) -> dict[str, Any]:
    r = requests.get(f"{bed.core_url}/harness/fees/{fee_id}", timeout=10)
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


def test_fee_to_payment_to_fbs_through_the_dashboard(
    bed: Testbed, watched: Watched, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = watched.page
    assert bed.sim is not None
    opus = bed.sim.tenants.for_system("opus")[0]
    kode = opus.kode
    shots = tmp_path / "skaermbilleder"
    shots.mkdir()

    # 1. A fee is created in FBS (the core's harness API); the outbox has not sent it yet.
    fee = _fee(bed, kode)
    fid = fee["fordringId"]
    page.goto(f"{bed.sim_url}/kommuner/{kode}")
    expect(page.locator("#fordringer")).to_contain_text("Ingen fordringer")
    # 2. The core's worker delivers it; the claim appears on the municipality page.
    bed.drain()
    page.reload()
    claim_link = page.locator("#fordringer").get_by_role("link", name=fid)
    expect(claim_link).to_be_visible()
    expect(page.locator("#totaler")).to_contain_text("45,00 kr.")
    page.screenshot(path=str(shots / "kommune.png"), full_page=True)
    claim_link.click()
    expect(page.locator("h1")).to_have_text(f"Fordring {fid}")
    expect(page.locator("#status")).to_have_text("Åben")
    expect(page.locator("svg.tidslinje g[data-trin='created']")).to_have_class("spor")
    expect(page.locator("#fordring-data")).to_contain_text(mask_cpr(SECRET_CPR))

    # 3. To the nightly run with the button: nothing to report yet, FBS still open.
    before = bed.sim.clock.now()
    page.get_by_role("button", name="Til næste natlige kørsel").click()
    expect(page.locator("#ur-tid")).not_to_have_attribute("data-iso", before.isoformat())
    assert bed.sim.clock.now() > before
    assert _core_fee(bed, fee["feeId"])["paidDate"] is None

    # 4. The citizen pays on the municipality's payment page (card), from the citizen view.
    page.goto(f"{bed.sim_url}/borger")
    page.locator(f"a[href='/betaling/{kode}/']").click()
    page.get_by_label(re.compile("CPR", re.I)).fill(SECRET_CPR)
    page.get_by_role("button", name=re.compile("Log ind", re.I)).click()
    expect(page.get_by_text(fid)).to_be_visible()
    page.get_by_role("button", name="Betal", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Vi har modtaget 45,00 kr.")
    page.screenshot(path=str(shots / "kvittering.png"), full_page=True)

    # The claim is paid in the debtor system; FBS hears at the next nightly run.
    page.goto(f"{bed.sim_url}/kommuner/{kode}/fordringer/{fid}")
    expect(page.locator("#status")).to_have_text("Betalt")
    expect(page.locator("svg.tidslinje g[data-trin='reported_to_fbs']")).to_have_class(
        "spor planlagt"
    )
    assert _core_fee(bed, fee["feeId"])["paidDate"] is None

    # 5. The municipality's page shows the payment waiting for its next run; its button
    #    moves the clock there, the run reports the payment, and FBS shows the fee paid.
    page.goto(f"{bed.sim_url}/kommuner/{kode}")
    waiting = page.locator("#callbacks")
    expect(waiting).to_contain_text("1 hændelser venter på næste kørsel")
    expect(waiting).to_contain_text("Daekning")
    waiting.get_by_role("button", name="Til kommunens næste kørsel").click()
    expect(waiting).to_contain_text("0 hændelser venter på næste kørsel")
    page.goto(f"{bed.sim_url}/kommuner/{kode}/fordringer/{fid}")
    expect(page.locator("svg.tidslinje g[data-trin='reported_to_fbs']")).to_have_class("spor")
    expect(page.locator("#trin")).to_contain_text("Meldt til FBS")
    page.screenshot(path=str(shots / "fordring.png"), full_page=True)
    paid = _core_fee(bed, fee["feeId"])
    assert paid["paidDate"] is not None and paid["status"] == "paid", paid
    assert paid["remaining"] == 0

    # Screenshots of the other main pages; none shows a CPR number in clear.
    for name, path in (
        ("oversigt", "/"),
        ("kommuner", "/kommuner"),
        ("journal", "/journal"),
        ("fejl", "/fejl"),
        ("borger", "/borger"),
    ):
        page.goto(f"{bed.sim_url}{path}")
        expect(page.locator("h1")).to_be_visible()
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        assert SECRET_CPR not in page.content()
    assert len(list(shots.glob("*.png"))) == 8


def _send(bed: Testbed, body: bytes) -> requests.Response:
    return requests.post(
        f"{bed.sim_url}{DEBITOR_REGISTRERING.path}",
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=10,
    )


@pytest.mark.parametrize(
    ("wrong", "fejlkode", "says"),
    [
        (b"<o:Hovedstol>halvtreds</o:Hovedstol>", "SkemaValideringFejlet", "halvtreds"),
        (b"<o:Hovedstol>-5</o:Hovedstol>", "BeloebIkkePositivt", "Fordring/Hovedstol"),
    ],
    ids=["xsd", "forretningsregel"],
)
def test_invalid_message_shows_in_the_journal_with_its_error(
    bed: Testbed, watched: Watched, tmp_path: Path, wrong: bytes, fejlkode: str, says: str
) -> None:
    from playwright.sync_api import expect

    page = watched.page
    assert bed.sim is not None
    tenant = bed.sim.tenants.for_system("opus")[0]
    msg = model.OpretFordring(
        fordring=fordring("UGYLDIG-1", cpr=SECRET_CPR, kommunekode=tenant.kode)
    )
    good = soap.request_envelope(msg, sp_header(tenant))
    assert _send(bed, good).status_code == 200
    bad = good.replace(b"<o:Hovedstol>50.00</o:Hovedstol>", wrong)
    assert bad != good
    r = _send(bed, bad)
    assert r.status_code == 500 and fejlkode.encode() in r.content

    page.goto(f"{bed.sim_url}/journal")
    expect(page.locator("#journal tbody tr")).to_have_count(2)
    page.get_by_label("Udfald").select_option("fault")
    page.get_by_role("button", name="Filtrér").click()
    row = page.locator("#journal tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(fejlkode)
    expect(row).to_contain_text("OpretFordring")
    row.get_by_role("link").click()
    expect(page.locator("#fejlkode")).to_contain_text(fejlkode)
    marked = page.locator(".besked .linje.har-fejl")
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text(wrong.decode())
    note = page.locator(".besked .fejlmarkering")
    expect(note).to_have_count(1)
    expect(note).to_contain_text(says)
    expect(page.locator("#besked")).to_contain_text(mask_cpr(SECRET_CPR))
    assert SECRET_CPR not in page.content()
    page.screenshot(path=str(tmp_path / f"journalpost-{fejlkode}.png"), full_page=True)
