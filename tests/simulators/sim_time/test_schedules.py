"""Schedules beyond the plain week: Easter, real-time mode, chunking at 1000 events,
a municipality without a callback URL, and FBS refusing a batch."""

from __future__ import annotations

from datetime import date

from oeir import model
from simulators.timesettings import TimeSettings
from tests.simulators.sim_time.conftest import World, at
from tests.simulators.sim_time.helpers import CPR, login, opret, pay_on_page, tenant_for


def test_payment_the_day_before_easter_skips_the_holidays(world: World) -> None:
    opus = tenant_for(world.sim, "opus")
    eg = tenant_for(world.sim, "eg")
    for t in (opus, eg):
        world.register(t)
    world.set_clock(at(2026, 3, 30, 8, 0))
    opret(world, opus, "EA-1", 5_000, forfald=date(2026, 4, 30))
    opret(world, eg, "EA-2", 5_000, forfald=date(2026, 4, 30))

    # EG has no payment solution: a slip paid Wednesday 1 April, 2 bank days.
    assert eg.profile.bank_settlement_days == 2
    world.set_clock(at(2026, 4, 1, 9, 0))
    slip = world.admin(
        "POST",
        "/indbetalingskort",
        json={
            "kommunekode": eg.kode,
            "fordring_id": "EA-2",
            "beloeb": 5_000,
            "indbetaling_id": "K-1",
        },
    )
    # Thursday, Friday and Monday of Easter are holidays: Tuesday 7/4 is bank day 1.
    assert slip["bogfoeres"] == at(2026, 4, 8, 6, 0).isoformat()

    # Opus: paid on the page on Holy Saturday (4 April), the day before Easter Sunday.
    world.set_clock(at(2026, 4, 4, 9, 0))
    pay_on_page(world, login(world, opus), opus, ["EA-1"], "Kort")

    world.set_clock(at(2026, 4, 10))
    arrivals = {
        h.fordring_id: r.at for r in world.fbs.delivered() for h in r.haendelser if h.daekning
    }
    t_opus, t_eg = opus.profile.callbacks.time, eg.profile.callbacks.time
    # Not Easter Monday night: the first working day after Saturday is Tuesday 7/4.
    assert arrivals["EA-1"] == at(2026, 4, 8, t_opus.hour, t_opus.minute)
    # Booked Wednesday 8/4 06:00: the run after Wednesday.
    assert arrivals["EA-2"] == at(2026, 4, 9, t_eg.hour, t_eg.minute)


def test_realtime_profile_sends_after_the_delay(world: World) -> None:
    tenant = tenant_for(world.sim, "prisme2015")
    world.register(tenant)
    world.admin(
        "PATCH",
        f"/tenants/{tenant.kode}",
        json={"profile": {"callbacks.mode": "realtime", "callbacks.realtime_delay": "PT5M"}},
    )
    opret(world, tenant, "RT-1", 5_000)
    world.set_clock(at(2026, 1, 10, 9, 0))  # Saturday: real time ignores the week
    pay_on_page(world, login(world, tenant), tenant, ["RT-1"], "MobilePay")
    nxt = world.admin("GET", f"/callbacks/{tenant.kode}/next-run")
    assert nxt["next_run"] == at(2026, 1, 10, 9, 5).isoformat()
    world.set_clock(at(2026, 1, 10, 9, 4))
    assert world.fbs.received == []
    world.set_clock(at(2026, 1, 10, 10, 0))
    [message] = world.fbs.delivered()
    assert message.at == at(2026, 1, 10, 9, 5)


def test_more_than_1000_events_go_in_chunks_in_order(world: World) -> None:
    tenant = tenant_for(world.sim, "opus")
    world.register(tenant)
    ledger = world.sim.ledger
    kreditor = model.Kreditor(agency_id=f"DK-7{tenant.kode}00", kommunekode=tenant.kode)
    for i in range(1001):
        ledger.opret_fordring(
            model.Fordring(
                fordring_id=f"M-{i:04d}",
                fordring_type=model.FordringType.GEBYR,
                klassifikationskode="BIB-GEBYR",
                hovedstol=1_000,
                stiftelsesdato=date(2026, 1, 1),
                forfaldsdato=date(2026, 1, 19),
                sidste_rettidige_betalingsdato=date(2026, 1, 19),
                tekst="Gebyr",
                debitor=model.Debitor(cpr_nummer=CPR, navn="Test Person"),
                kreditor=kreditor,
            )
        )
        ledger.daekning(tenant.kode, f"M-{i:04d}", 1_000, model.Betalingsmiddel.KORT)
    world.set_clock(at(2026, 1, 7))
    messages = world.fbs.delivered()
    assert [len(m.haendelser) for m in messages] == [1000, 1]
    assert {m.at for m in messages} == {at(2026, 1, 6, 2, 0)}
    ids = [h.fordring_id for m in messages for h in m.haendelser]
    assert ids == [f"M-{i:04d}" for i in range(1001)]


def test_no_callback_url_waits_until_registered(world: World) -> None:
    tenant = tenant_for(world.sim, "opus")
    opret(world, tenant, "U-1", 5_000)
    world.sim.ledger.daekning(tenant.kode, "U-1", 5_000, model.Betalingsmiddel.KORT)
    world.set_clock(at(2026, 1, 7))
    [attempt] = world.admin("GET", f"/callbacks/attempts?kommunekode={tenant.kode}")["attempts"]
    assert (attempt["outcome"], attempt["tidspunkt"]) == (
        "ingen_url",
        at(2026, 1, 6, 2).isoformat(),
    )
    world.register(tenant)
    flushed = world.admin("POST", f"/callbacks/{tenant.kode}/flush")["attempt"]
    assert flushed["outcome"] == "ok" and flushed["tidspunkt"] == at(2026, 1, 7).isoformat()
    [message] = world.fbs.delivered()
    assert message.haendelser[0].fordring_id == "U-1"


def test_a_refused_batch_is_retried_then_set_aside(world: World) -> None:
    tenant = tenant_for(world.sim, "opus")
    world.register(tenant)
    settings = TimeSettings.of(tenant.profile)
    opret(world, tenant, "X-1", 5_000)
    opret(world, tenant, "X-2", 5_000)
    world.sim.ledger.daekning(tenant.kode, "X-1", 5_000, model.Betalingsmiddel.KORT)
    world.fbs.mode = "reject"
    world.set_clock(at(2026, 1, 6, 12, 0))
    world.sim.ledger.daekning(tenant.kode, "X-2", 5_000, model.Betalingsmiddel.KORT)
    world.set_clock(at(2026, 1, 6, 23, 0))
    world.fbs.mode = "up"
    world.set_clock(at(2026, 1, 8))
    attempts = list(
        reversed(world.admin("GET", f"/callbacks/attempts?kommunekode={tenant.kode}")["attempts"])
    )
    refused = [a for a in attempts if a["outcome"] == "soap_fault"]
    assert len(refused) == settings.max_rejected_attempts
    assert {a["fejlkode"] for a in refused} == {"FordringFindesIkke"}
    batches = world.admin("GET", f"/callbacks?kommunekode={tenant.kode}")["batches"]
    assert [b["status"] for b in reversed(batches)] == ["afvist", "delivered"]
    [message] = world.fbs.delivered()
    assert [h.fordring_id for h in message.haendelser] == ["X-2"]
    assert message.at == at(2026, 1, 7, 2, 0)
    expected = at(2026, 1, 6, 2, 0)
    for n, attempt in enumerate(refused, 1):
        assert attempt["tidspunkt"] == expected.isoformat()
        expected += settings.backoff(n)
