"""Reminders (rykker) with fees and the PSRM stub: every refusal reason and the accepted path.

Reminder fees show in DebitorForespoergsel but never reach FBS; the handover and
PSRM's receipts reach FBS as `OverdragetTilInddrivelse` events.
"""

from __future__ import annotations

from datetime import date

import pytest

from oeir import model
from simulators.collection import Afvisning, vurder
from simulators.ledger.records import Account, Claim
from tests.simulators.sim_time.conftest import World, at
from tests.simulators.sim_time.helpers import CPR, opret, soap_call, tenant_for

TODAY = date(2026, 6, 8)


def claim(**kw: object) -> Claim:
    """A claim due long ago, reminded; overrides in `kw`."""
    base = dict(
        kommunekode="101",
        fordring_id="C-1",
        konto="101-1",
        agency_id="DK-710100",
        fordring_type=model.FordringType.GEBYR,
        klassifikationskode="BIB-GEBYR",
        hovedstol=10_000,
        stiftelsesdato=date(2026, 1, 5),
        forfaldsdato=date(2026, 1, 19),
        sidste_rettidige_betalingsdato=date(2026, 1, 19),
        tekst="Gebyr",
        skriftligt_anerkendt=False,
    )
    base.update(kw)
    return Claim(**base)  # type: ignore[arg-type]


ACCOUNT = Account("101-1", "101", CPR, None, "Test Person")


@pytest.mark.parametrize(
    ("c", "account", "reminded", "reason"),
    [
        (claim(sidste_rettidige_betalingsdato=TODAY), ACCOUNT, True, Afvisning.IKKE_FORFALDEN),
        (claim(), ACCOUNT, False, Afvisning.RYKKER_MANGLER),
        (
            claim(fordring_type=model.FordringType.ERSTATNING),
            ACCOUNT,
            True,
            Afvisning.IKKE_ANERKENDT,
        ),
        (claim(), Account("101-1", "101", CPR, None, None), True, Afvisning.DEBITOR_MANGLER),
        (claim(), Account("101-1", "101", CPR, None, "  "), True, Afvisning.DEBITOR_MANGLER),
    ],
)
def test_psrm_refuses_with_the_reason(
    c: Claim, account: Account, reminded: bool, reason: Afvisning
) -> None:
    kvittering = vurder(c, account, TODAY, reminded=reminded)
    assert kvittering.status == model.PsrmStatus.AFVIST
    assert kvittering.aarsag == reason
    assert kvittering.reference is None
    assert str(reason) in kvittering.tekst and kvittering.tekst.startswith("Afvist:")


def test_psrm_accepts_when_every_rule_holds() -> None:
    acknowledged = claim(fordring_type=model.FordringType.ERSTATNING, skriftligt_anerkendt=True)
    for c in (claim(), acknowledged):
        kvittering = vurder(c, ACCOUNT, TODAY, reminded=True)
        assert (kvittering.status, kvittering.aarsag) == (model.PsrmStatus.MODTAGET, None)
        assert kvittering.reference and kvittering.reference.startswith("PSRM-")
    # The day after the last timely payment date is the first day PSRM takes it.
    edge = claim(sidste_rettidige_betalingsdato=date(2026, 6, 7))
    assert vurder(edge, ACCOUNT, TODAY, reminded=True).status == model.PsrmStatus.MODTAGET


def fbs_inddrivelse(world: World) -> list[tuple[str, model.OverdragetTilInddrivelse, object]]:
    """(fordring_id, receipt, virtual arrival) of every handover event FBS got."""
    return [
        (h.fordring_id, h.overdraget_til_inddrivelse, r.at)
        for r in world.fbs.delivered()
        for h in r.haendelser
        if h.overdraget_til_inddrivelse is not None
    ]


def test_reminder_then_handover_accepted_then_done(world: World) -> None:
    tenant = tenant_for(world.sim, "opus")
    rule = tenant.profile.reminders[model.FordringType.GEBYR]
    # The dates below are worked out by hand from these profile values.
    assert (rule.days_after_due, rule.deadline_days, rule.fee) == (10, 10, 10_000)
    assert tenant.profile.collection.handover_days_after_deadline == 120
    world.register(tenant)
    opret(world, tenant, "R-1", 10_000)  # due Monday 19 January

    world.set_clock(at(2026, 1, 29, 7, 59))
    assert world.sim.ledger.claim(tenant.kode, "R-1").rykkergebyrer == 0  # type: ignore[union-attr]
    world.set_clock(at(2026, 1, 29, 8, 0))  # due + 10 days, at the job hour
    hent = soap_call(
        world,
        tenant,
        model.HentDebitorkonto(kommunekode=tenant.kode, debitor=model.Debitor(cpr_nummer=CPR)),
    )
    [fs] = hent.debitorkonto.fordringer
    assert (fs.rykkergebyrer, fs.saldo) == (10_000, 20_000)
    assert (fs.posteringer[-1].posteringstype, fs.posteringer[-1].beloeb) == (
        model.PosteringType.RYKKERGEBYR,
        10_000,
    )
    world.set_clock(at(2026, 2, 2))
    assert world.fbs.received == [], "a reminder fee is not an FBS fee"

    # Deadline 8 February + 120 days = Monday 8 June 08:00: handed over, MODTAGET.
    world.set_clock(at(2026, 6, 8, 8, 0))
    c = world.sim.ledger.claim(tenant.kode, "R-1")
    assert c is not None
    assert (c.status, c.inddrivelse_status) == (
        model.FordringStatus.OVERDRAGET,
        model.PsrmStatus.MODTAGET,
    )
    # Five days later (Saturday 13 June) UDFOERT; FBS hears each on the next run.
    world.set_clock(at(2026, 6, 20))
    got = fbs_inddrivelse(world)
    assert [(fid, o.status, when) for fid, o, when in got] == [
        ("R-1", model.PsrmStatus.MODTAGET, at(2026, 6, 9, 2, 0)),
        ("R-1", model.PsrmStatus.UDFOERT, at(2026, 6, 16, 2, 0)),
    ]
    assert got[0][1].psrm_reference and got[0][1].psrm_reference == got[1][1].psrm_reference

    steps = world.admin("GET", f"/claims/{tenant.kode}/R-1/timeline")["timeline"]
    by_step = [
        (s["step"], s["at"])
        for s in steps
        if s["step"] in ("created", "invoiced", "reminded", "handed_over", "reported_to_fbs")
    ]
    assert by_step == [
        ("created", at(2026, 1, 5, 8, 0).isoformat()),
        ("invoiced", at(2026, 1, 6, 8, 0).isoformat()),
        ("reminded", at(2026, 1, 29, 8, 0).isoformat()),
        ("handed_over", at(2026, 6, 8, 8, 0).isoformat()),
        ("reported_to_fbs", at(2026, 6, 9, 2, 0).isoformat()),
        ("handed_over", at(2026, 6, 13, 8, 0).isoformat()),
        ("reported_to_fbs", at(2026, 6, 16, 2, 0).isoformat()),
    ]


def test_compensation_without_acknowledgement_is_refused_and_fbs_hears(world: World) -> None:
    tenant = tenant_for(world.sim, "prisme2015")
    world.register(tenant)
    opret(world, tenant, "E-1", 30_000, fordring_type=model.FordringType.ERSTATNING)
    world.set_clock(at(2026, 7, 1))
    c = world.sim.ledger.claim(tenant.kode, "E-1")
    assert c is not None
    fee = tenant.profile.reminders[model.FordringType.ERSTATNING].fee
    assert fee == 25_000
    assert (c.status, c.inddrivelse_status, c.saldo) == (
        model.FordringStatus.AABEN,
        model.PsrmStatus.AFVIST,
        30_000 + fee,
    )
    [(fid, receipt, _)] = fbs_inddrivelse(world)
    assert fid == "E-1" and receipt.status == model.PsrmStatus.AFVIST
    assert receipt.tekst is not None and str(Afvisning.IKKE_ANERKENDT) in receipt.tekst


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ({"sidste_rettidige": date(2026, 12, 31)}, Afvisning.IKKE_FORFALDEN),
        ({"navn": None}, Afvisning.DEBITOR_MANGLER),
    ],
)
def test_admin_handover_refusals(world: World, setup: dict[str, object], reason: Afvisning) -> None:
    tenant = tenant_for(world.sim, "eg")
    world.register(tenant)
    opret(world, tenant, "H-1", 10_000, **setup)  # type: ignore[arg-type]
    world.set_clock(at(2026, 2, 2))  # reminded on 29 January
    path = f"/claims/{tenant.kode}/H-1/collection"
    assert world.admin("POST", path, json={"step": "hand_over"})["result"] == "AFVIST"
    c = world.sim.ledger.claim(tenant.kode, "H-1")
    assert c is not None and c.inddrivelse_status == model.PsrmStatus.AFVIST
    event = world.sim.ledger.events(kinds=["Inddrivelse"], limit=5)[-1]
    assert str(reason) in event.data["tekst"]


def test_admin_handover_before_the_reminder_is_refused(world: World) -> None:
    tenant = tenant_for(world.sim, "prisme2009")
    opret(world, tenant, "H-2", 10_000)
    world.set_clock(at(2026, 1, 26))  # past the last timely date, not yet reminded
    path = f"/claims/{tenant.kode}/H-2/collection"
    assert world.admin("POST", path, json={"step": "hand_over"})["result"] == "AFVIST"
    event = world.sim.ledger.events(kinds=["Inddrivelse"], limit=5)[-1]
    assert str(Afvisning.RYKKER_MANGLER) in event.data["tekst"]
    # A later reminder and handover still work (the refusal does not close the claim).
    assert world.admin("POST", path, json={"step": "remind"})["result"] == "rykket"
    assert world.admin("POST", path, json={"step": "hand_over"})["result"] == "MODTAGET"


def test_municipality_overrides_fee_and_invoice_minimum(world: World) -> None:
    tenant = tenant_for(world.sim, "opus")
    world.admin(
        "PATCH",
        f"/tenants/{tenant.kode}",
        json={"profile": {"reminders.Gebyr.fee": 6_500, "collection.invoice_minimum": 5_000}},
    )
    opret(world, tenant, "M-1", 4_000)  # under the 50 kr limit (Egedal's rule)
    opret(world, tenant, "M-2", 8_000)
    world.set_clock(at(2026, 2, 2))
    small = world.sim.ledger.claim(tenant.kode, "M-1")
    big = world.sim.ledger.claim(tenant.kode, "M-2")
    assert small is not None and big is not None
    assert (small.rykkergebyrer, big.rykkergebyrer) == (0, 6_500)
    steps = [
        s["step"] for s in world.admin("GET", f"/claims/{tenant.kode}/M-1/timeline")["timeline"]
    ]
    assert steps == ["created", "ikke_faktureret"]
