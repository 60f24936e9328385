"""Step definitions shared by every KLIK feature (Danish Gherkin)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from pytest_bdd import given, parsers, then, when

from debitorsim.klik.world import Betaling, World, expect, fmt_kr, json_oere, kr, parse_tid
from oeir import model


@given(parsers.parse('en kommune med debitorsystemet "{system}"'))
def kommune_med_system(verden: World, system: str) -> None:
    """Play the municipality that stands in for `system` in this run."""
    verden.use(system)
    if verden.bed.simulated:  # a real debtor system has no registry to ask
        expect(verden.tenant["system"], system, f"debitorsystem i kommune {verden.kode}")


@given("kommunens debitorsystem")
def kommunens_debitorsystem(verden: World) -> None:
    """System-neutral scenarios run on the run's neutral system."""
    verden.use(verden.settings.neutral_system)


@given("en låner med CPR-nummer")
def laaner_cpr(verden: World) -> None:
    """A patron identified by a (valid, generated) CPR number."""
    verden.patron = {"cpr": verden.faker.cpr(), "name": "Ane Testsen"}  # type: ignore[attr-defined]


@given("en låner som er en virksomhed med CVR-nummer")
def laaner_cvr(verden: World) -> None:
    """A patron that is a company (CVR number)."""
    verden.patron = {"cvr": verden.faker.cvr(), "name": "Bogormen ApS"}  # type: ignore[attr-defined]


@given(parsers.parse("biblioteket opretter et gebyr for sen aflevering på {beloeb} kr"))
@when(parsers.parse("biblioteket opretter et gebyr for sen aflevering på {beloeb} kr"))
def opret_gebyr(verden: World, beloeb: str) -> None:
    """FBS creates a late-return fee."""
    verden.create_fee("gebyret", kr(beloeb))


@given(parsers.parse("biblioteket opretter et skriftligt anerkendt erstatningskrav på {beloeb} kr"))
@when(parsers.parse("biblioteket opretter et skriftligt anerkendt erstatningskrav på {beloeb} kr"))
def opret_erstatning(verden: World, beloeb: str) -> None:
    """FBS creates a compensation claim the debtor acknowledged in writing."""
    verden.create_fee(
        "erstatningskravet",
        kr(beloeb),
        kind="compensation",
        reason="Erstatning for bortkommet materiale",
        acknowledged=True,
    )


def opret_beskrevet(verden: World, beskrivelse: str) -> str:
    """Create the fee a Danish description names; returns its alias.

    ``et gebyr på 30,00 kr``, ``et skriftligt anerkendt erstatningskrav på 300,00 kr``,
    ``et erstatningskrav på 300,00 kr uden skriftlig anerkendelse``,
    ``et gebyr på 300,00 kr til en låner uden navn``.
    """
    m = re.match(
        r"et (gebyr|skriftligt anerkendt erstatningskrav|erstatningskrav) på ([\d.,]+) kr",
        beskrivelse,
    )
    assert m, f"ukendt fordring: {beskrivelse!r}"
    kind, beloeb = m.groups()
    name = "" if "uden navn" in beskrivelse else None
    if kind == "gebyr":
        verden.create_fee("gebyret", kr(beloeb), name=name)
        return "gebyret"
    verden.create_fee(
        "erstatningskravet",
        kr(beloeb),
        kind="compensation",
        reason="Erstatning for bortkommet materiale",
        acknowledged=kind.startswith("skriftligt"),
        name=name,
    )
    return "erstatningskravet"


@given(parsers.re(r"(?P<beskrivelse>et .+) er overdraget til debitorsystemet"))
def fordring_overdraget(verden: World, beskrivelse: str) -> None:
    """A patron with a fee or claim that the integration has delivered."""
    if not verden.patron:
        laaner_cpr(verden)
    opret_beskrevet(verden, beskrivelse)
    leveret(verden)


@given("integrationen har leveret sine beskeder")
@when("integrationen har leveret sine beskeder")
def leveret(verden: World) -> None:
    """The outbox delivers what is due (the clock does not move)."""
    verden.drain()


@then(parsers.parse("har debitorsystemet {antal:d} åbne fordringer for låneren"))
def aabne_fordringer(verden: World, antal: int) -> None:
    """Count the patron's open claims with HentDebitorkonto."""
    konto = verden.konto()
    aabne = [f for f in (konto.fordringer if konto else ()) if f.saldo > 0]
    expect(len(aabne), antal, f"åbne fordringer hos debitorsystemet for {verden.masked()}")


@then(parsers.parse("låneren skylder {beloeb} kr i FBS"))
def skylder(verden: World, beloeb: str) -> None:
    """The patron's debt as FBS shows it (all the patron's fees in the municipality)."""
    view = verden.patron_view()
    debt = sum(
        json_oere(m["debt"]) for m in view["municipalities"] if m["kommunekode"] == verden.kode
    )
    expect(fmt_kr(debt), fmt_kr(kr(beloeb)), "lånerens gæld i FBS")


@then("er gebyret betalt i FBS med betalingsdatoen")
def betalt_i_fbs(verden: World, betaling: Betaling) -> None:
    fee = verden.fee("gebyret")
    expect(fee["paidDate"], betaling.dato.isoformat(), "betalingsdato på gebyret i FBS")
    expect(fee["status"], "paid", "gebyrets status i FBS")


@then(parsers.parse("skylder låneren {beloeb} kr på gebyret i FBS"))
def skylder_paa_gebyr(verden: World, beloeb: str) -> None:
    fee = verden.fee("gebyret")
    expect(fmt_kr(json_oere(fee["remaining"])), fmt_kr(kr(beloeb)), "restbeløb på gebyret i FBS")


@then("gebyret har ingen betalingsdato i FBS")
def ingen_betalingsdato(verden: World) -> None:
    expect(verden.fee("gebyret")["paidDate"], None, "betalingsdato på gebyret i FBS")


@given(parsers.parse("klokken er {tid}"))
def klokken_er(verden: World, tid: str) -> None:
    """Set the shared virtual clock (forward; due jobs run on the way)."""
    verden.set_clock(parse_tid(tid))


@given(
    parsers.parse(
        "en fordring på {beloeb} kr er oprettet direkte i debitorsystemet uden skyldnerens navn"
    )
)
def direkte_uden_navn(verden: World, beloeb: str) -> None:
    """A claim made by hand in the debtor system (not through FBS), without the debtor's name."""
    assert verden.bed.core is not None and verden.kode is not None
    today = verden.now().date()
    fordring_id = f"HAAND-{verden.seed % 10**8}"
    fordring = model.Fordring(
        fordring_id=fordring_id,
        fordring_type=model.FordringType.GEBYR,
        klassifikationskode="BIB-GEBYR",
        hovedstol=kr(beloeb),
        stiftelsesdato=today,
        forfaldsdato=today + timedelta(days=14),
        sidste_rettidige_betalingsdato=today + timedelta(days=14),
        tekst="Gebyr (for sent)",
        debitor=model.Debitor(cpr_nummer=verden.faker.cpr()),  # type: ignore[attr-defined]
        kreditor=model.Kreditor(agency_id=f"DK-7{verden.kode}00", kommunekode=verden.kode),
    )
    verden.bed.core.client.call(
        verden.kode, model.OpretFordring(fordring=fordring), f"haand-{verden.seed}"
    )
    verden.fees["den direkte fordring"] = {"fordringId": fordring_id}
    verden.last_fee = "den direkte fordring"


@given("kommunen afstemmer FBS mod debitorsystemet", target_fixture="afstemning")
@when("kommunen afstemmer FBS mod debitorsystemet", target_fixture="afstemning")
@then("kommunen afstemmer FBS mod debitorsystemet", target_fixture="afstemning")
def afstem(verden: World) -> dict[str, Any]:
    """Run reconciliation (JSON) for the municipality; the report is the ``afstemning``."""
    report: dict[str, Any] = verden.harness("GET", f"/reconcile/{verden.kode}")
    return report


@then(parsers.parse("finder afstemningen {antal:d} forskelle"))
def antal_forskelle(afstemning: dict[str, Any], antal: int) -> None:
    """The number of differences reconciliation found."""
    diffs = afstemning["differences"]
    kinds = [f"{d['kind']} ({d['fordring_id']})" for d in diffs]
    expect(len(diffs), antal, f"forskelle ved afstemning {kinds}")


@then(parsers.parse("{antal:d} fordringer stemmer"))
def stemmer(afstemning: dict[str, Any], antal: int) -> None:
    """The number of claims that matched."""
    expect(afstemning["matched"], antal, "fordringer der stemmer")


@when(parsers.parse("biblioteket nedskriver {alias} med {beloeb} kr"))
def nedskriv(verden: World, alias: str, beloeb: str) -> None:
    """FBS writes part of a fee down."""
    fee_id = verden.fees[alias]["feeId"]
    verden.harness(
        "POST", f"/fees/{fee_id}/writedown", json={"amount": kr(beloeb) / 100, "reason": "Kulance"}
    )
