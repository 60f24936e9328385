"""Collection jobs at the edges of the calendar and of the contract's amount type (issue 13).

A job must not crash on a claim's extreme date, and a reminder fee must not push a
balance past what `BeloebType` carries; either way the ledger stays sound.
"""

from __future__ import annotations

from datetime import date

from oeir import model
from simulators.calendar import plus_days
from simulators.collection.reminders import INVOICE, REMINDER
from simulators.timestore import TimeRepo
from tests.simulators.helpers import assert_ledger_sound
from tests.simulators.sim_time.conftest import World, at
from tests.simulators.sim_time.helpers import CPR, fordring, opret, soap_call, tenant_for


def _steps(world: World, kommunekode: str, fordring_id: str) -> dict[str, dict[str, object]]:
    with world.sim.store.read() as tx:
        return {m.step: m.detail for m in TimeRepo(tx).marks(kommunekode, fordring_id)}


def test_a_stored_claim_due_at_the_end_of_the_calendar_is_invoiced_without_a_crash(
    world: World,
) -> None:
    tenant = tenant_for(world.sim, "opus")
    # Intake refuses such a date now (DatoUdenforKalender); a claim stored before that
    # rule, or put in the ledger directly, must still not break the invoice job.
    world.sim.ledger.opret_fordring(fordring(tenant, "END-1", forfald=date(9999, 12, 31)))
    world.set_clock(at(2026, 1, 7))
    assert world.sim.scheduler.jobs("failed", 100) == []
    assert "invoiced" in _steps(world, tenant.kode, "END-1")
    queued = {j.name for j in world.sim.scheduler.jobs("pending", 100)}
    assert INVOICE not in queued and REMINDER not in queued  # no reminder can fall due
    assert_ledger_sound(world.sim.ledger, tenant.kode)


def test_a_reminder_fee_past_the_contract_limit_is_left_out(world: World) -> None:
    tenant = tenant_for(world.sim, "opus")
    assert tenant.profile.reminders[model.FordringType.GEBYR].fee > 0
    opret(world, tenant, "MAX-1", model.MAX_OERE)  # due Monday 19 January
    world.set_clock(at(2026, 1, 29, 8, 0))  # the reminder's hour
    assert world.sim.scheduler.jobs("failed", 100) == []
    claim = world.sim.ledger.claim(tenant.kode, "MAX-1")
    assert claim is not None and (claim.rykkergebyrer, claim.saldo) == (0, model.MAX_OERE)
    reminded = _steps(world, tenant.kode, "MAX-1")["reminded"]
    assert reminded["rykkergebyr"] == 0 and reminded["frist"] == "2026-02-08"
    hent = soap_call(
        world,
        tenant,
        model.HentDebitorkonto(kommunekode=tenant.kode, debitor=model.Debitor(cpr_nummer=CPR)),
    )
    assert hent.debitorkonto.saldo == model.MAX_OERE
    assert_ledger_sound(world.sim.ledger, tenant.kode)


def test_plus_days_stays_in_the_calendar_or_says_none() -> None:
    assert plus_days(date(2026, 1, 29), 10) == date(2026, 2, 8)
    assert plus_days(at(2026, 6, 8, 8, 0), 5) == at(2026, 6, 13, 8, 0)
    assert plus_days(date(9999, 12, 31), 0) == date(9999, 12, 31)
    assert plus_days(date(9999, 12, 31), 1) is None
    assert plus_days(at(9999, 12, 30), 10) is None
