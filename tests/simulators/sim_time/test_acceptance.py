"""Acceptance: one claim per debtor system from creation to FBS, on exact virtual times.

For each of the four systems: create the claim (SOAP), pay it on Saturday
9 January... 10 January 2026 at 09:00 - on the payment page where the system has
one, by payment slip (indbetalingskort) where it has none - let the nightly batch
run, and see the callback arrive at the test FBS endpoint. With a weekday nightly
schedule the Saturday payment reaches FBS on Tuesday's run (the run in the small
hours after Monday); a slip books only after the profile's bank days first.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from oeir import model
from simulators.profiles import SYSTEMS
from simulators.timesettings import TimeSettings
from tests.simulators.sim_time.conftest import World, at
from tests.simulators.sim_time.helpers import CPR, login, opret, pay_on_page, tenant_for, text_of

SATURDAY_0900 = at(2026, 1, 10, 9, 0)
MONDAY = date(2026, 1, 12)
TUESDAY = date(2026, 1, 13)
BANK_DAY_AFTER_SATURDAY = {1: MONDAY, 2: TUESDAY}
"""The N-th bank day after Saturday 10 January 2026 (no holidays that week)."""


def run_at(day: date, world: World, kode: str) -> datetime:
    """The instant of the nightly run on `day` for the municipality (its profile's hour)."""
    tenant = world.sim.tenants.get(kode)
    assert tenant is not None
    return datetime.combine(day, tenant.profile.callbacks.time, tzinfo=SATURDAY_0900.tzinfo)


@pytest.mark.parametrize("system", SYSTEMS)
def test_saturday_payment_reaches_fbs_on_the_right_night(world: World, system: str) -> None:
    tenant = tenant_for(world.sim, system)
    profile = tenant.profile
    world.register(tenant)
    opret(world, tenant, "F-SAT-1", 12_500)  # Monday 5 January 08:00
    world.set_clock(SATURDAY_0900)

    if profile.payment_solution:
        browser = login(world, tenant)
        receipt = text_of(pay_on_page(world, browser, tenant, ["F-SAT-1"], "MobilePay"))
        booked = SATURDAY_0900
        # Paid on Saturday: the next run after Monday, in the small hours of Tuesday.
        expected = run_at(TUESDAY, world, tenant.kode)
        assert expected.strftime("%d.%m.%Y kl. %H:%M") in receipt
        claim = world.sim.ledger.claim(tenant.kode, "F-SAT-1")
        assert claim is not None and claim.saldo == 0 and claim.status == "Betalt"
    else:
        page = world.http.get(f"{world.base_url}/betaling/{tenant.kode}/", timeout=10)
        assert "Ingen betalingsløsning i denne kommune" in page.text
        pending = world.admin(
            "POST",
            "/indbetalingskort",
            json={
                "kommunekode": tenant.kode,
                "fordring_id": "F-SAT-1",
                "beloeb": 12_500,
                "indbetaling_id": "OCR-SAT-1",
            },
        )
        settle_day = BANK_DAY_AFTER_SATURDAY[profile.bank_settlement_days]
        booked = datetime.combine(
            settle_day, TimeSettings.of(profile).bank_settlement_time, tzinfo=SATURDAY_0900.tzinfo
        )
        assert pending["bogfoeres"] == booked.isoformat()
        # Not in the ledger until the bank settles.
        world.set_clock(booked - timedelta(minutes=1))
        assert world.sim.ledger.claim(tenant.kode, "F-SAT-1").saldo == 12_500  # type: ignore[union-attr]
        world.set_clock(booked)
        assert world.sim.ledger.claim(tenant.kode, "F-SAT-1").saldo == 0  # type: ignore[union-attr]
        expected = run_at(settle_day + timedelta(days=1), world, tenant.kode)

    world.set_clock(expected - timedelta(minutes=1))
    assert world.fbs.received == [], "nothing may reach FBS before the run"
    world.set_clock(expected)
    [message] = world.fbs.delivered()
    assert message.at == expected
    assert message.municipality_cvr == tenant.cvr
    [h] = message.haendelser
    assert h.fordring_id == "F-SAT-1" and h.daekning is not None
    assert h.daekning.beloeb == 12_500
    assert h.daekning.betalingsdato == date(2026, 1, 10)
    assert h.tidspunkt == booked
    expected_method = (
        model.Betalingsmiddel.MOBILEPAY
        if profile.payment_solution
        else model.Betalingsmiddel.INDBETALINGSKORT
    )
    assert h.daekning.betalingsmiddel == expected_method

    world.set_clock(at(2026, 1, 17))
    assert len(world.fbs.delivered()) == 1, "the event is sent once"

    timeline = world.admin("GET", f"/claims/{tenant.kode}/F-SAT-1/timeline")["timeline"]
    steps = {s["step"]: s["at"] for s in timeline}
    assert steps["created"] == at(2026, 1, 5, 8, 0).isoformat()
    assert steps["invoiced"] == at(2026, 1, 6, 8, 0).isoformat()
    assert steps["paid"] == booked.isoformat()
    assert steps["reported_to_fbs"] == expected.isoformat()
    assert [s["step"] for s in timeline][:4] == ["created", "invoiced", "paid", "reported_to_fbs"]

    attempts = world.admin("GET", f"/callbacks/attempts?kommunekode={tenant.kode}")["attempts"]
    assert [(a["outcome"], a["tidspunkt"], a["modtaget"]) for a in attempts] == [
        ("ok", expected.isoformat(), 1)
    ]
    assert CPR not in str(timeline) + str(attempts)
