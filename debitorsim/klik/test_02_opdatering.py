"""Opdatering af fordring: write-down, cancellation and change of debtor (CPR)."""

from __future__ import annotations

from pytest_bdd import parsers, scenarios, then, when

from debitorsim.klik.paths import feature
from debitorsim.klik.world import World, expect, fmt_kr, kr
from oeir import model

FEATURE_NAME = "Opdatering af fordring"
scenarios(feature("02_opdatering_af_fordring.feature"))


@when(parsers.parse("materialet dukker op, og biblioteket annullerer {alias}"))
def annuller(verden: World, alias: str) -> None:
    fee_id = verden.fees[alias]["feeId"]
    verden.harness("POST", f"/fees/{fee_id}/cancel", json={"reason": "MaterialeFundet"})


@then(
    parsers.parse(
        "viser debitorsystemet {alias} med nedskrivning {nedskrevet} kr og saldo {saldo} kr"
    )
)
def nedskrevet_saldo(verden: World, alias: str, nedskrevet: str, saldo: str) -> None:
    s = verden.saldo(alias)
    expect(fmt_kr(s.nedskrevet), fmt_kr(kr(nedskrevet)), f"nedskrivning på {alias}")
    expect(fmt_kr(s.saldo), fmt_kr(kr(saldo)), f"saldo på {alias} i debitorsystemet")


@then(parsers.parse('har fordringen for {alias} status "{status}" i debitorsystemet'))
def fordring_status(verden: World, alias: str, status: str) -> None:
    expect(str(verden.saldo(alias).status), status, f"status på fordringen for {alias}")


@when("biblioteket retter lånerens CPR-nummer", target_fixture="gammel_konto")
def ret_cpr(verden: World) -> model.Debitorkonto | None:
    """FBS changes the patron's CPR number; the account under the old one is `gammel_konto`."""
    gammel_konto = verden.konto()
    new_cpr = verden.faker.cpr()  # type: ignore[attr-defined]
    verden.harness("PUT", f"/patrons/{verden.patron['patronId']}/ident", json={"cpr": new_cpr})
    verden.patron["cpr"] = new_cpr
    return gammel_konto


@then(parsers.parse('ender CPR-skiftet som "{udfald}"'))
def cpr_udfald(verden: World, udfald: str) -> None:
    parked = verden.outbox("parked")["messages"]
    fordring_id = verden.fees["gebyret"]["fordringId"]
    new_konto = verden.konto()
    moved = bool(new_konto and any(f.fordring_id == fordring_id for f in new_konto.fordringer))
    observed = (
        "flyttet til det nye CPR-nummer"
        if moved and not parked
        else "parkeret ({})".format(",".join(m["reason"]["code"] for m in parked))
        if parked
        else "hverken flyttet eller parkeret"
    )
    expect(observed, udfald, "CPR-skift")
    if parked:
        text = parked[0]["reason"]["text"]
        assert "understøtter" in text or " " in text, (
            f"årsag i klar tekst: forventet en dansk forklaring, fik {text!r}"
        )
