"""Step definitions shared by every KLIK feature (Danish Gherkin)."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from tests.steps.world import World, expect, kr


@given(parsers.parse('en kommune med debitorsystemet "{system}"'))
def kommune_med_system(verden: World, system: str) -> None:
    """Play the municipality that stands in for `system` in this run."""
    verden.use(system)
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


@given(parsers.parse("et gebyr på {beloeb} kr er overdraget til debitorsystemet"))
def gebyr_overdraget(verden: World, beloeb: str) -> None:
    """A patron with a fee that the integration has delivered."""
    if not verden.patron:
        laaner_cpr(verden)
    verden.create_fee("gebyret", kr(beloeb))
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
