"""Payment solutions: Opus and Prisme 2015 take payments on the page and through
DebitorIndbetalingAfsend (zeep, from the served WSDL); Prisme 2009 and EG refuse both,
the page in Danish with the way to pay instead, the service with `IngenBetalingsloesning`.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import zeep
from zeep.exceptions import Fault

from oeir.identifiers import mask_cpr
from oeir.services import DEBITOR_INDBETALING
from simulators.profiles import SYSTEMS, builtin
from tests.simulators.sim_time.conftest import World, at
from tests.simulators.sim_time.helpers import CPR, login, opret, pay_on_page, tenant_for, text_of
from tests.simulators.test_soap_zeep import headers

WITH = [s for s in SYSTEMS if builtin(s).payment_solution]
WITHOUT = [s for s in SYSTEMS if not builtin(s).payment_solution]


def test_the_seed_split_of_payment_solutions() -> None:
    assert WITH == ["opus", "prisme2015"]
    assert WITHOUT == ["prisme2009", "eg"]


def indbetaling(world: World) -> zeep.Client:
    """A zeep client for DebitorIndbetalingAfsend from the served WSDL."""
    return zeep.Client(f"{world.base_url}{DEBITOR_INDBETALING.path}?wsdl")


@pytest.mark.parametrize("system", WITH)
def test_page_lists_open_claims_masks_cpr_and_books_at_once(world: World, system: str) -> None:
    tenant = tenant_for(world.sim, system)
    opret(world, tenant, "P-1", 5_000)
    opret(world, tenant, "P-2", 7_550)
    browser = login(world, tenant)
    overview = browser.get(f"{world.base_url}/betaling/{tenant.kode}/oversigt", timeout=10).text
    assert "P-1" in overview and "P-2" in overview
    assert "50,00 kr." in overview and "75,50 kr." in overview and "125,50 kr." in overview
    assert mask_cpr(CPR) in overview and CPR not in overview
    receipt = pay_on_page(world, browser, tenant, ["P-2"], "Kort")
    assert CPR not in receipt and mask_cpr(CPR) in receipt
    assert "75,50 kr." in text_of(receipt)
    # The receipt names the bill as the citizen knows it (the claim's Tekst).
    row = re.search(r"<tbody>\s*<tr><td>([^<]*)<", receipt)
    assert row is not None and row.group(1) == "Gebyr (for sent)", receipt
    claim = world.sim.ledger.claim(tenant.kode, "P-2")
    assert claim is not None and (claim.saldo, str(claim.status)) == (0, "Betalt")
    still = world.sim.ledger.claim(tenant.kode, "P-1")
    assert still is not None and still.saldo == 5_000
    after = browser.get(f"{world.base_url}/betaling/{tenant.kode}/oversigt", timeout=10).text
    assert "P-2" not in after and "P-1" in after


@pytest.mark.parametrize("system", WITH)
def test_page_without_session_asks_for_login_and_refuses_bad_cpr(world: World, system: str) -> None:
    tenant = tenant_for(world.sim, system)
    r = world.http.get(f"{world.base_url}/betaling/{tenant.kode}/oversigt", timeout=10)
    assert 'name="cpr"' in r.text  # redirected to the login form
    r = world.http.post(
        f"{world.base_url}/betaling/{tenant.kode}/betal", data={"fordring_id": "X"}, timeout=10
    )
    assert 'name="cpr"' in r.text
    r = world.http.post(
        f"{world.base_url}/betaling/{tenant.kode}/login", data={"cpr": "12345"}, timeout=10
    )
    assert r.status_code == 400 and "Ugyldigt CPR-nummer" in r.text


@pytest.mark.parametrize("system", WITH)
def test_foretag_indbetaling_through_zeep(world: World, system: str) -> None:
    tenant = tenant_for(world.sim, system)
    world.register(tenant)
    opret(world, tenant, "Z-1", 10_000)
    client = indbetaling(world).service
    h = headers(tenant, DEBITOR_INDBETALING)
    found = client.SoegDelfordringTilIndbetaling(
        Kommunekode=tenant.kode, Debitor={"CPRNummer": CPR}, _soapheaders=h
    )
    assert [(d.FordringId, d.Saldo) for d in found] == [("Z-1", Decimal("100.00"))]
    svar = client.ForetagIndbetaling(
        Kommunekode=tenant.kode,
        Debitor={"CPRNummer": CPR},
        IndbetalingId="ZP-1",
        Beloeb=Decimal("100.00"),
        Betalingsmiddel="Kort",
        FordringId=["Z-1"],
        _soapheaders=h,
    )
    assert svar.IndbetalingId == "ZP-1"
    claim = world.sim.ledger.claim(tenant.kode, "Z-1")
    assert claim is not None and claim.saldo == 0  # booked at once
    # FBS hears of it on the profile's schedule: Monday 08:00 -> the run after Monday.
    run = at(2026, 1, 6, tenant.profile.callbacks.time.hour, tenant.profile.callbacks.time.minute)
    assert world.fbs.received == []
    world.set_clock(at(2026, 1, 7))
    [message] = world.fbs.delivered()
    assert message.at == run
    assert [h.haendelse_id for h in message.haendelser] == [
        e.event_id for e in world.sim.ledger.events(kinds=["Daekning"], limit=10)
    ]


@pytest.mark.parametrize("system", WITHOUT)
def test_page_says_no_payment_solution_and_how_to_pay(world: World, system: str) -> None:
    tenant = tenant_for(world.sim, system)
    opret(world, tenant, "N-1", 10_000)
    for method, path, data in (
        ("GET", "/", None),
        ("POST", "/login", {"cpr": CPR}),
        ("GET", "/oversigt", None),
        ("POST", "/betal", {"fordring_id": "N-1", "betalingsmiddel": "Kort"}),
    ):
        r = world.http.request(
            method, f"{world.base_url}/betaling/{tenant.kode}{path}", data=data, timeout=10
        )
        text = text_of(r.text)
        assert r.status_code == 200
        assert "Ingen betalingsløsning i denne kommune" in text
        assert f"{tenant.kommune.navn} Kommune har ingen digital betalingsløsning" in text
        assert "indbetalingskort" in text and "Digital Post" in text and "Borgerservice" in text
        assert "IngenBetalingsloesning" in text
        assert CPR not in r.text and "betaling_session" not in r.headers.get("Set-Cookie", "")
    claim = world.sim.ledger.claim(tenant.kode, "N-1")
    assert claim is not None and claim.saldo == 10_000


@pytest.mark.parametrize("system", WITHOUT)
def test_debitor_indbetaling_refused_with_fault(world: World, system: str) -> None:
    tenant = tenant_for(world.sim, system)
    opret(world, tenant, "N-2", 10_000)
    client = indbetaling(world).service
    h = headers(tenant, DEBITOR_INDBETALING)
    for call in (
        lambda: client.SoegDelfordringTilIndbetaling(
            Kommunekode=tenant.kode, Debitor={"CPRNummer": CPR}, _soapheaders=h
        ),
        lambda: client.ForetagIndbetaling(
            Kommunekode=tenant.kode,
            Debitor={"CPRNummer": CPR},
            IndbetalingId="ZN-1",
            Beloeb=Decimal("100.00"),
            Betalingsmiddel="Kort",
            FordringId=["N-2"],
            _soapheaders=h,
        ),
    ):
        with pytest.raises(Fault) as err:
            call()
        assert "IngenBetalingsloesning" in err.value.message
        assert "Kommunen har ingen betalingsløsning" in err.value.message
        fejl = err.value.detail.find("{*}Fejl")
        assert fejl.findtext("{*}FejlKode") == "IngenBetalingsloesning"
    claim = world.sim.ledger.claim(tenant.kode, "N-2")
    assert claim is not None and claim.saldo == 10_000
    journal = world.sim.journal.query(kommunekode=tenant.kode, verdict="fault")
    assert {e.fejlkode for e in journal} == {"IngenBetalingsloesning"}
