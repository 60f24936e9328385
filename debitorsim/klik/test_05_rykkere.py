"""Rykkere og inddrivelse: reminder with fee, handover to PSRM, each refusal reason."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pytest_bdd import parsers, scenarios, then, when

from debitorsim.klik.paths import feature
from debitorsim.klik.world import Inddrivelse, World, days_between, expect, fmt_kr, json_oere
from simulators.clock import TZ

FEATURE_NAME = "Rykkere og inddrivelse"
scenarios(feature("05_rykkere_og_inddrivelse.feature"))

FORDRING_TYPE = {"gebyret": "Gebyr", "erstatningskravet": "Erstatning"}


@when(parsers.parse("borgeren ikke betaler, og der går {dage:d} dage"))
def der_gaar_dage(verden: World, dage: int) -> None:
    verden.advance(f"P{dage}D")


def _mark(verden: World, alias: str, step: str) -> dict[str, Any] | None:
    found = [s for s in verden.timeline(alias) if s["step"] == step]
    return found[-1] if found else None


@then(
    "har debitorsystemet rykket for gebyret med kommunens rykkergebyr for gebyrer",
    target_fixture="rykket",
)
def rykket(verden: World) -> datetime:
    """The reminder went out with the municipality's fee; when it did is ``rykket``."""
    mark = _mark(verden, "gebyret", "reminded")
    assert mark is not None, "rykker: forventet en rykker inden for 40 dage, fik ingen"
    expected = verden.profile("reminders.Gebyr.fee")
    expect(fmt_kr(mark["rykkergebyr"]), fmt_kr(expected), "rykkergebyr efter kommunens regel")
    return datetime.fromisoformat(mark["at"])


@then("rykkergebyret ses i DebitorForespørgsel, men ikke som et nyt gebyr i FBS")
def rykkergebyr_synligt(verden: World) -> None:
    saldo = verden.saldo("gebyret")
    expected = verden.profile("reminders.Gebyr.fee")
    expect(fmt_kr(saldo.rykkergebyrer), fmt_kr(expected), "rykkergebyr i DebitorForespørgsel")
    fee = verden.fees["gebyret"]
    r = verden.http.get(
        f"{verden.bed.core_url}/external/{fee['agencyId']}/patron/{fee['patronId']}/fees/v2"
        "?includepaid=true&includenonpayable=true",
        timeout=30,
    )
    fees = r.json()
    expect(len(fees), 1, "antal gebyrer i FBS for låneren")
    expect(
        fmt_kr(json_oere(fees[0]["amount"])),
        fmt_kr(json_oere(fee["amount"])),
        "gebyrets beløb i FBS",
    )


@then("rapporten viser antal dage fra gebyret blev oprettet til rykkeren")
def maal_rykker(verden: World, rykket: datetime) -> None:
    assert verden.system is not None
    created = _created(verden, "gebyret")
    verden.measurements.record(verden.system, "dage_til_rykker", days_between(created, rykket))


def _created(verden: World, alias: str) -> datetime:
    mark = _mark(verden, alias, "created")
    assert mark is not None
    return datetime.fromisoformat(mark["at"])


@then(parsers.parse("har PSRM modtaget {alias} til inddrivelse"), target_fixture="inddrivelse")
def psrm_modtaget(verden: World, alias: str) -> Inddrivelse:
    """PSRM received the claim; which and when is the ``inddrivelse`` fixture."""
    marks = [s for s in verden.timeline(alias) if s["step"] == "handed_over"]
    statuses = [m.get("status") for m in marks]
    assert marks, "overdragelse til PSRM: forventet MODTAGET, fik ingen overdragelse"
    expect(statuses[0], "MODTAGET", "PSRM's kvittering på overdragelsen")
    return Inddrivelse(alias, overdraget=datetime.fromisoformat(marks[0]["at"]))


@then(parsers.parse('FBS viser {alias} som overdraget til inddrivelse med status "{status}"'))
def fbs_inddrivelse(verden: World, alias: str, status: str) -> None:
    fee = verden.fee(alias)
    expect(fee["collectionStatus"], status, f"inddrivelsesstatus på {alias} i FBS")


@then("rapporten viser antal dage fra kravet blev oprettet til overdragelsen")
def maal_overdragelse(verden: World, inddrivelse: Inddrivelse) -> None:
    assert verden.system is not None and inddrivelse.overdraget is not None
    alias = inddrivelse.alias
    created = _created(verden, alias)
    verden.measurements.record(
        verden.system, "dage_til_overdragelse", days_between(created, inddrivelse.overdraget)
    )
    steps = [
        {"step": s["step"], "at": s["at"]}
        for s in verden.timeline(alias)
        if s["step"] in ("created", "invoiced", "reminded", "handed_over", "reported_to_fbs")
    ]
    verden.measurements.timeline(
        verden.system, {"label": "Krav sendt til inddrivelse", "steps": steps, "blocked": []}
    )


@when(parsers.parse("fordringen sendes til inddrivelse {tidspunkt}"), target_fixture="inddrivelse")
def til_inddrivelse(verden: World, tidspunkt: str) -> Inddrivelse:
    """The last fee goes to collection at `tidspunkt`; it is the ``inddrivelse`` fixture."""
    alias = verden.last_fee
    assert alias is not None
    fee = verden.fees[alias]
    if tidspunkt == "efter rykkerfristen":
        verden.advance("P200D")
        return Inddrivelse(alias)
    if tidspunkt.startswith("efter sidste rettidige betalingsdato"):
        last = date.fromisoformat(fee["lastTimelyPaymentDate"])
        verden.set_clock(
            datetime.combine(last + timedelta(days=1), datetime.min.time(), TZ).replace(hour=12)
        )
    verden.admin(
        "POST",
        f"/claims/{verden.kode}/{fee['fordringId']}/collection",
        json={"step": "hand_over"},
    )
    verden.advance("P7D")
    return Inddrivelse(alias)


@then(parsers.parse('afviser PSRM fordringen med årsagen "{aarsag}"'))
def psrm_afviser(verden: World, inddrivelse: Inddrivelse, aarsag: str) -> None:
    alias = inddrivelse.alias
    marks = [s for s in verden.timeline(alias) if s["step"] == "handed_over"]
    observed = [(m.get("status"), m.get("aarsag")) for m in marks]
    expect(observed[:1], [("AFVIST", aarsag)], "PSRM's svar")


@then("FBS viser, at fordringen er afvist til inddrivelse")
def fbs_afvist(verden: World, inddrivelse: Inddrivelse) -> None:
    fee = verden.fee(inddrivelse.alias)
    expect(fee["collectionStatus"], "AFVIST", "inddrivelsesstatus i FBS")


@then("FBS kan ikke selv danne en fordring på en ny låner uden navn")
def fbs_uden_navn(verden: World) -> None:
    r = verden.http.post(
        f"{verden.bed.core_url}/harness/fees",
        json={
            "agencyId": f"DK-7{verden.kode}00",
            "type": "fee",
            "amount": 300,
            "patron": {"cpr": verden.faker.cpr(), "name": ""},  # type: ignore[attr-defined]
        },
        timeout=30,
    )
    expect((r.status_code, r.json().get("code")), (400, "NavnMangler"), "FBS' svar")
