"""Callback faults: duplicate, reordered, dropped-then-redelivered deliveries to a test FBS.

The simulator's nightly run sends the day's events to the test FBS endpoint of
tests/simulators/sim_time (it deduplicates on HaendelseId, answering ``Dublet``).
"""

from __future__ import annotations

from typing import Any

import pytest

from oeir import model
from simulators.faults import FaultRuleError
from tests.simulators.sim_time.conftest import World, at
from tests.simulators.sim_time.helpers import CPR, CPR2, opret, tenant_for


def paid_claims(w: World) -> tuple[str, list[str]]:
    """Two paid claims in an opus municipality with the test FBS registered; the event ids."""
    tenant = tenant_for(w.sim, "opus")
    w.register(tenant)
    opret(w, tenant, "CB-1", 10_000, cpr=CPR)
    opret(w, tenant, "CB-2", 10_000, cpr=CPR2)
    w.set_clock(at(2026, 1, 5, 10, 0))
    a = w.sim.ledger.daekning(tenant.kode, "CB-1", 10_000, model.Betalingsmiddel.KORT)
    b = w.sim.ledger.daekning(tenant.kode, "CB-2", 4_000, model.Betalingsmiddel.MOBILEPAY)
    return tenant.kode, [a.events[0].event_id, b.events[0].event_id]


def attempts(w: World, kode: str) -> list[dict[str, Any]]:
    """Delivery attempts, oldest first."""
    found = w.admin("GET", f"/callbacks/attempts?kommunekode={kode}")["attempts"]
    return list(reversed(found))


def injected(w: World) -> list[str]:
    """Kinds of the injected faults in the journal, oldest first."""
    assert w.sim.faults.flush()
    entries = w.admin("GET", "/journal?verdict=injected&limit=100")["entries"]
    return [e["detail"].split(":")[1].split()[0] for e in reversed(entries)]


def test_duplicate_delivery_reaches_fbs_twice(world: World) -> None:
    kode, ids = paid_claims(world)
    world.admin("POST", "/faults", json={"kind": "callback_duplicate", "kommunekode": kode})
    world.set_clock(at(2026, 1, 6, 12, 0))
    assert [h.haendelse_id for h in world.fbs.new] == ids
    assert world.fbs.duplicates == ids  # the second copy: every event a Dublet
    assert len(world.fbs.delivered()) == 2
    assert [a["outcome"] for a in attempts(world, kode)] == ["ok"]
    assert injected(world) == ["callback_duplicate"]


def test_reordered_delivery(world: World) -> None:
    _, ids = paid_claims(world)
    world.admin("POST", "/faults", json={"kind": "callback_reorder", "count": 1})
    world.set_clock(at(2026, 1, 6, 12, 0))
    assert [h.haendelse_id for h in world.fbs.new] == list(reversed(ids))
    assert injected(world) == ["callback_reorder"]


def test_dropped_then_redelivered_later(world: World) -> None:
    kode, ids = paid_claims(world)
    world.admin("POST", "/faults", json={"kind": "callback_drop", "count": 1})
    world.set_clock(at(2026, 1, 6, 2, 0))  # the nightly run: dropped, FBS saw nothing
    assert world.fbs.received == []
    first = attempts(world, kode)
    assert [a["outcome"] for a in first] == ["utilgaengelig"]
    assert first[0]["next_attempt"] is not None
    world.set_clock(at(2026, 1, 6, 12, 0))  # the retry on the virtual clock delivers
    assert [h.haendelse_id for h in world.fbs.new] == ids
    assert world.fbs.duplicates == []
    assert [a["outcome"] for a in attempts(world, kode)] == ["utilgaengelig", "ok"]


def test_answer_lost_gives_a_redelivery_fbs_deduplicates(world: World) -> None:
    kode, ids = paid_claims(world)
    world.admin("POST", "/faults", json={"kind": "callback_drop", "ack_lost": True, "count": 1})
    world.set_clock(at(2026, 1, 6, 12, 0))
    assert [h.haendelse_id for h in world.fbs.new] == ids
    assert world.fbs.duplicates == ids
    assert [a["outcome"] for a in attempts(world, kode)] == ["utilgaengelig", "ok"]


def test_callback_rule_scoped_to_another_municipality_does_nothing(world: World) -> None:
    kode, ids = paid_claims(world)
    other = "147" if kode != "147" else "101"
    world.admin("POST", "/faults", json={"kind": "callback_drop", "kommunekode": other})
    world.set_clock(at(2026, 1, 6, 12, 0))
    assert [h.haendelse_id for h in world.fbs.new] == ids
    assert injected(world) == []
    with pytest.raises(FaultRuleError):
        world.sim.faults.add({"kind": "callback_duplicate", "copies": 1})
