"""Drift og fejl: the debtor system down loses nothing; a business fault is parked, readable."""

from __future__ import annotations

from datetime import timedelta

from pytest_bdd import given, parsers, scenarios, then, when

from debitorsim.klik.paths import feature
from debitorsim.klik.world import World, expect

FEATURE_NAME = "Drift og fejl"
scenarios(feature("07_drift_og_fejl.feature"))


@given("debitorsystemet er nede")
def nede(verden: World) -> None:
    verden.bed.take_down_debtor_system()


@when("der går en time, mens integrationen prøver igen")
def en_time(verden: World) -> None:
    # The debtor system's admin API is down too: move the shared clock object itself.
    clock = verden.bed.clock
    start = clock.now()
    tries = 0
    while clock.now() - start < timedelta(hours=1):
        result = verden.drain()
        expect((result.sent, result.parked), (0, 0), "leveret eller parkeret mens systemet er nede")
        tries += result.retried
        clock.set(clock.now() + timedelta(minutes=5))
    assert tries >= 3, f"genforsøg mens systemet er nede: forventet mindst 3, fik {tries}"


@then(parsers.parse("venter {antal:d} beskeder i integrationens udbakke, og ingen er parkeret"))
def venter(verden: World, antal: int) -> None:
    counts = verden.outbox()["counts"]
    expect(
        (counts.get("pending", 0), counts.get("parked", 0)),
        (antal, 0),
        "udbakken (ventende, parkerede)",
    )


@when("debitorsystemet er oppe igen")
def oppe(verden: World) -> None:
    verden.bed.bring_up_debtor_system()


@when(parsers.parse("der går {minutter:d} minutter"))
def minutter(verden: World, minutter: int) -> None:
    verden.advance(f"PT{minutter}M")


@then(parsers.parse("er alle {antal:d} beskeder leveret, og ingen er parkeret"))
def leveret_alle(verden: World, antal: int) -> None:
    counts = verden.outbox()["counts"]
    expect(
        (counts.get("sent", 0), counts.get("pending", 0), counts.get("parked", 0)),
        (antal, 0, 0),
        "udbakken (sendt, ventende, parkerede)",
    )


@given(parsers.parse("debitorsystemet tillader kun {antal:d} tegn i fordringsteksten"))
def kort_tekst(verden: World, antal: int) -> None:
    verden.admin("PATCH", f"/tenants/{verden.kode}", json={"profile": {"text_max_length": antal}})


@then(parsers.parse('er beskeden parkeret med fejlkoden "{kode}" og en årsag på dansk'))
def parkeret(verden: World, kode: str) -> None:
    parked = verden.outbox("parked")["messages"]
    expect([m["reason"]["code"] for m in parked], [kode], "parkerede beskeder")
    text = parked[0]["reason"]["text"]
    assert any(w in text.lower() for w in ("tekst", "for lang", "tegn")), (
        f"årsag: forventet en dansk forklaring om teksten, fik {text!r}"
    )
