"""Opkrævning og betaling: payment solution or slip, partial, over- and reversed payment."""

from __future__ import annotations

from pytest_bdd import parsers, scenarios, then, when

from debitorsim.klik import payments
from debitorsim.klik.paths import feature
from debitorsim.klik.world import Betaling, World, expect, fmt_kr, kr

FEATURE_NAME = "Opkrævning og betaling"
scenarios(feature("03_opkraevning_og_betaling.feature"))


@when("borgeren logger ind på kommunens betalingsside", target_fixture="betalingsside")
def log_ind(verden: World) -> payments.Betalingsside:
    return payments.login(verden)


@then("viser betalingssiden gebyret til betaling uden at vise CPR-nummeret")
def oversigt(verden: World, betalingsside: payments.Betalingsside) -> None:
    html = betalingsside.oversigt
    fid = verden.fees["gebyret"]["fordringId"]
    assert fid in html, f"betalingssidens oversigt: forventet fordringen {fid}, fik den ikke vist"
    assert verden.patron["cpr"] not in html, "betalingssiden: forventet maskeret CPR, fik CPR vist"


@when(
    parsers.parse('borgeren betaler {alias} med "{middel}" på betalingssiden'),
    target_fixture="betaling",
)
def betal_paa_siden(
    verden: World, betalingsside: payments.Betalingsside, alias: str, middel: str
) -> Betaling:
    betaling = Betaling(dato=verden.now().date())
    payments.pay_on_page(verden, betalingsside.browser, [alias], middel)
    return betaling


@then(parsers.parse("er fordringen for {alias} betalt i debitorsystemet med det samme"))
def betalt_i_debitor(verden: World, alias: str) -> None:
    expect(fmt_kr(verden.saldo(alias).saldo), fmt_kr(0), f"saldo på {alias} i debitorsystemet")


@when("borgeren åbner kommunens betalingsside", target_fixture="side")
def aabn_side(verden: World) -> str:
    """The payment page's visible text, as the ``side`` fixture."""
    return payments.text_of(payments.open_page(verden).text)


@then("forklarer siden, at kommunen ingen betalingsløsning har, og hvordan man betaler i stedet")
def ingen_loesning(side: str) -> None:
    text = side
    assert "Ingen betalingsløsning" in text, (
        f"betalingsside: forventet 'Ingen betalingsløsning i denne kommune', fik '{text[:80]}'"
    )
    assert "Sådan betaler du i stedet" in text, (
        "betalingsside: forventet en forklaring på, hvordan man betaler i stedet, fik ingen"
    )


@then(parsers.parse('betalingstjenesten afviser ForetagIndbetaling med fejlkoden "{kode}"'))
def foretag_afvist(verden: World, kode: str) -> None:
    answer = payments.foretag_indbetaling(verden, "gebyret", 100)
    observed = getattr(answer, "kode", None) or f"accepteret ({type(answer).__name__})"
    expect(observed, kode, "svar på ForetagIndbetaling")


@when(parsers.parse("borgeren betaler {beloeb} kr med indbetalingskort"), target_fixture="betaling")
def betal_kort(verden: World, beloeb: str) -> Betaling:
    betaling = Betaling(dato=verden.now().date(), vej="indbetalingskort")
    payments.pay_slip(verden, "gebyret", kr(beloeb))
    return betaling


@when("FBS er blevet opdateret")
def fbs_opdateret(verden: World) -> None:
    """A week passes: bank settlement and the nightly runs happen on the virtual clock."""
    verden.advance("P7D")


@then(
    parsers.parse(
        "debitorsystemet har dækket gebyret med {daekket} kr og har {tilgode} kr til gode "
        "for låneren"
    )
)
def daekket_og_tilgode(verden: World, daekket: str, tilgode: str) -> None:
    expect(fmt_kr(verden.saldo("gebyret").daekket), fmt_kr(kr(daekket)), "dækning på gebyret")
    konto = verden.konto()
    assert konto is not None
    expect(fmt_kr(-konto.saldo), fmt_kr(kr(tilgode)), "lånerens tilgodehavende i debitorsystemet")


@when("betalingen tilbageføres i debitorsystemet")
def tilbagefoer(verden: World) -> None:
    fid = verden.fees["gebyret"]["fordringId"]
    events = verden.admin(
        "GET", f"/events?kommunekode={verden.kode}&fordring_id={fid}&kind=Daekning"
    )["events"]
    assert events, "tilbageførsel: forventet en bogført betaling, fik ingen"
    verden.admin(
        "POST",
        "/payments/reversal",
        json={"haendelse_id": events[-1]["event_id"], "tekst": "Betalingen blev afvist af banken"},
    )
