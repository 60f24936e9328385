"""Partial payment, overpayment and a reversed payment: balances in DebitorForespoergsel,
and the events FBS receives (payments and their reversal, never the account's credit)."""

from __future__ import annotations

from datetime import date

from oeir import model
from simulators.ledger import check_invariant
from tests.simulators.sim_time.conftest import World, at
from tests.simulators.sim_time.helpers import CPR, opret, soap_call, tenant_for


def pay(
    world: World, tenant: object, indbetaling_id: str, beloeb: int
) -> model.ForetagIndbetalingSvar:
    """ForetagIndbetaling on claim B-1 by card (real SOAP)."""
    return soap_call(
        world,
        tenant,  # type: ignore[arg-type]
        model.ForetagIndbetaling(
            kommunekode=tenant.kode,  # type: ignore[attr-defined]
            debitor=model.Debitor(cpr_nummer=CPR),
            indbetaling_id=indbetaling_id,
            beloeb=beloeb,
            betalingsmiddel=model.Betalingsmiddel.KORT,
            fordring_ider=("B-1",),
        ),
    )


def konto(world: World, tenant: object) -> model.Debitorkonto:
    """The debtor's account through DebitorForespoergsel."""
    svar = soap_call(
        world,
        tenant,  # type: ignore[arg-type]
        model.HentDebitorkonto(
            kommunekode=tenant.kode,  # type: ignore[attr-defined]
            debitor=model.Debitor(cpr_nummer=CPR),
        ),
    )
    return svar.debitorkonto  # type: ignore[no-any-return]


def test_partial_over_and_reversed_payment(world: World) -> None:
    tenant = tenant_for(world.sim, "opus")
    world.register(tenant)
    opret(world, tenant, "B-1", 10_000)

    partial = pay(world, tenant, "I-1", 4_000)
    assert [(d.fordring_id, d.beloeb) for d in partial.daekninger] == [("B-1", 4_000)]
    assert partial.overskud == 0
    [fs] = konto(world, tenant).fordringer
    assert (fs.saldo, fs.daekket, fs.status) == (6_000, 4_000, model.FordringStatus.AABEN)

    over = pay(world, tenant, "I-2", 10_000)
    assert [(d.fordring_id, d.beloeb) for d in over.daekninger] == [("B-1", 6_000)]
    assert over.overskud == 4_000
    k = konto(world, tenant)
    assert (k.fordringer[0].saldo, k.fordringer[0].status) == (0, model.FordringStatus.BETALT)
    assert k.saldo == -4_000  # the account's credit

    first = world.sim.ledger.events(kinds=["Daekning"], limit=10)[0]
    assert (first.beloeb, first.data["indbetaling_id"]) == (4_000, "I-1")
    world.admin(
        "POST", "/payments/reversal", json={"haendelse_id": first.event_id, "tekst": "Chargeback"}
    )
    k = konto(world, tenant)
    fs = k.fordringer[0]
    assert (fs.saldo, fs.daekket, fs.status) == (4_000, 6_000, model.FordringStatus.AABEN)
    assert k.saldo == 0  # 40 kr owed on the claim, 40 kr credit on the account
    posteringer = [(p.posteringstype, p.beloeb) for p in fs.posteringer]
    assert posteringer == [
        (model.PosteringType.DAEKNING, 4_000),
        (model.PosteringType.DAEKNING, 6_000),
        (model.PosteringType.DAEKNING_TILBAGEFOERT, 4_000),
    ]
    claim = world.sim.ledger.claim(tenant.kode, "B-1")
    assert claim is not None
    assert check_invariant(claim, world.sim.ledger.events(limit=1000)) == []

    # All of it (Monday) reaches FBS in Tuesday's 02:00 run, in order, without the credit.
    world.set_clock(at(2026, 1, 7))
    [message] = world.fbs.delivered()
    assert message.at == at(2026, 1, 6, 2, 0)
    got = [
        (h.art, (h.daekning or h.daekning_tilbagefoert).beloeb)  # type: ignore[union-attr]
        for h in message.haendelser
    ]
    assert got == [("Daekning", 4_000), ("Daekning", 6_000), ("DaekningTilbagefoert", 4_000)]
    reversal = message.haendelser[2].daekning_tilbagefoert
    assert reversal is not None and reversal.oprindelig_haendelse_id == first.event_id
    assert message.haendelser[0].daekning.betalingsdato == date(2026, 1, 5)  # type: ignore[union-attr]
