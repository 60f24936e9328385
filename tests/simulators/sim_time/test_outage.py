"""At least once, ordered, deduplicable: the FBS endpoint is down for two simulated days.

Monday 12:00 to Wednesday 12:00 the test FBS answers 503, then refuses connections
(stopped), and on its return loses the answer to the first message it records. Every
event must arrive, none twice as new (the endpoint deduplicates on HaendelseId and we
assert it saw each id once as new), none lost, in order per claim; the retries run
on the virtual clock with the profile's backoff, and each attempt is in the admin API.
"""

from __future__ import annotations

from datetime import timedelta

from oeir import model
from simulators.callbacks import REPORTED
from simulators.timesettings import TimeSettings
from tests.simulators.sim_time.conftest import World, at
from tests.simulators.sim_time.helpers import CPR, CPR2, opret, tenant_for


def test_endpoint_down_for_two_days_then_back(world: World) -> None:
    tenant = tenant_for(world.sim, "opus")
    world.register(tenant)
    ledger = world.sim.ledger
    kode = tenant.kode
    for i in range(1, 7):
        opret(world, tenant, f"O-{i}", 10_000, cpr=CPR if i % 2 else CPR2)

    world.set_clock(at(2026, 1, 5, 10, 0))
    ledger.daekning(kode, "O-1", 10_000, model.Betalingsmiddel.KORT)
    ledger.daekning(kode, "O-2", 3_000, model.Betalingsmiddel.MOBILEPAY)
    world.set_clock(at(2026, 1, 5, 12, 0))
    world.fbs.mode = "down"

    world.set_clock(at(2026, 1, 6, 10, 0))  # Tuesday's 02:00 run failed, retries too
    ledger.daekning(kode, "O-2", 7_000, model.Betalingsmiddel.MOBILEPAY)
    paid = ledger.daekning(kode, "O-3", 10_000, model.Betalingsmiddel.KORT)
    ledger.tilbagefoer_daekning(paid.events[0].event_id, tekst="Afvist af kortindløser")
    ledger.afskriv(kode, "O-4", 2_500, model.AfskrivningAarsag.BAGATEL)
    world.set_clock(at(2026, 1, 6, 14, 0))
    world.fbs.stop()  # now connections are refused

    world.set_clock(at(2026, 1, 7, 9, 0))  # Wednesday's run made a second batch, waiting
    ledger.daekning(kode, "O-5", 10_000, model.Betalingsmiddel.KORT)
    back = at(2026, 1, 7, 12, 0)
    world.set_clock(back)
    assert world.fbs.new == []
    world.fbs.mode = "lose"
    world.fbs.start()

    world.set_clock(at(2026, 1, 10, 12, 0))

    reported = ledger.events(kinds=[str(k) for k in REPORTED], limit=1000)
    assert len(reported) == 7
    new_ids = [h.haendelse_id for h in world.fbs.new]
    assert sorted(new_ids) == sorted(e.event_id for e in reported), "none lost"
    assert len(new_ids) == len(set(new_ids)), "none twice as new"
    assert world.fbs.duplicates, "the lost answer made a redelivery"
    assert set(world.fbs.duplicates) <= set(new_ids)
    # Ordered per claim: FBS saw each claim's events in the ledger's order.
    for fid in {e.fordring_id for e in reported}:
        assert [h.haendelse_id for h in world.fbs.new if h.fordring_id == fid] == [
            e.event_id for e in reported if e.fordring_id == fid
        ]

    batches = world.admin("GET", f"/callbacks?kommunekode={kode}")["batches"]
    assert [(b["status"], b["events"]) for b in reversed(batches)] == [
        ("delivered", 2),  # Monday's, made at Tuesday 02:00
        ("delivered", 4),  # Tuesday's, made at Wednesday 02:00
        ("delivered", 1),  # Wednesday's, made at Thursday 02:00
    ]
    first, second, third = reversed(batches)
    assert first["created"] == at(2026, 1, 6, 2, 0).isoformat()
    assert second["created"] == at(2026, 1, 7, 2, 0).isoformat()
    assert third["created"] == at(2026, 1, 8, 2, 0).isoformat()

    attempts = list(
        reversed(world.admin("GET", f"/callbacks/attempts?kommunekode={kode}")["attempts"])
    )
    of_first = [a for a in attempts if a["batch_id"] == first["id"]]
    settings = TimeSettings.of(tenant.profile)
    expected_at = at(2026, 1, 6, 2, 0)
    for n, attempt in enumerate(of_first, 1):
        assert attempt["tidspunkt"] == expected_at.isoformat()
        expected_at += settings.backoff(n)
    outcomes = [a["outcome"] for a in of_first]
    assert outcomes[-2:] == ["http_fejl", "ok"]  # the lost answer (504), then Dublet+ok
    assert "utilgaengelig" in outcomes and outcomes[0] == "http_fejl"
    assert all(
        a["http_status"] == 503 for a in of_first if a["tidspunkt"] < at(2026, 1, 6, 14).isoformat()
    )
    first_ok = of_first[-1]
    assert first_ok["dublet"] == 2 and first_ok["modtaget"] == 0
    assert at(2026, 1, 7, 12, 0).isoformat() <= of_first[-2]["tidspunkt"]
    # Nothing got through while down; the later batches went right after the first.
    delivered_at = [b["delivered_at"] for b in (first, second, third)]
    assert delivered_at[0] == delivered_at[1] == first_ok["tidspunkt"]
    assert delivered_at[2] == at(2026, 1, 8, 2, 0).isoformat()
    assert max(r.at for r in world.fbs.received if r.answered == "503") < back
    assert timedelta(0) < settings.backoff(1) <= settings.retry_max
