"""Dannelse af fordring: fees become claims with the right fields, once."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, parsers, scenarios, then

from debitorsim.klik.paths import feature
from debitorsim.klik.world import World, expect, fmt_kr, ja_nej, json_oere, kr

FEATURE_NAME = "Dannelse af fordring"
scenarios(feature("01_dannelse_af_fordring.feature"))


@then(parsers.parse('fordringen for {alias} har typen "{typen}" og hovedstolen {beloeb} kr'))
def fordring_felter(verden: World, alias: str, typen: str, beloeb: str) -> None:
    saldo = verden.saldo(alias)
    expect(str(saldo.fordring_type), typen, f"fordringstype for {alias}")
    expect(fmt_kr(saldo.hovedstol), fmt_kr(kr(beloeb)), f"hovedstol for {alias}")


@then("fordringerne har FBS' forfaldsdato og sidste rettidige betalingsdato")
def fordring_datoer(verden: World) -> None:
    for alias, fee in verden.fees.items():
        saldo = verden.saldo(alias)
        expect(saldo.forfaldsdato.isoformat(), fee["dueDate"], f"forfaldsdato for {alias}")
        expect(
            saldo.sidste_rettidige_betalingsdato.isoformat(),
            fee["lastTimelyPaymentDate"],
            f"sidste rettidige betalingsdato for {alias}",
        )


@then("FBS viser gebyret som overdraget og ikke til betaling på bibliotekets side")
def fbs_overdraget(verden: World) -> None:
    fee = verden.fee("gebyret")
    expect(ja_nej(fee["handedOver"]), "ja", "gebyret overdraget til debitorsystemet")
    expect(ja_nej(fee["payableByClient"]), "nej", "gebyret kan betales på bibliotekets side")
    expected_url = verden.bed.core.config.rules(verden.kode).payment_url  # type: ignore[union-attr]
    expect(fee["paymentUrl"], expected_url, "link til kommunens betalingsside")


@then(parsers.parse('ender gebyret som "{udfald}"'))
def udfald(verden: World, udfald: str) -> None:
    fee = verden.fees["gebyret"]
    parked = verden.outbox("parked")["messages"]
    mine = [m for m in parked if m.get("fordringId") == fee["fordringId"]] or parked
    if udfald == "oprettet":
        expect([m["reason"]["code"] for m in mine], [], "parkerede beskeder for gebyret")
        saldo = verden.saldo("gebyret")
        expect(fmt_kr(saldo.saldo), fmt_kr(fee_amount(fee)), "saldo hos debitorsystemet")
    else:
        code = udfald.split("(")[1].rstrip(")")
        observed = [m["reason"]["code"] for m in mine]
        expect(observed, [code], "parkeret besked med fejlkode")
        text = mine[0]["reason"]["text"]
        assert text and any(c in text for c in "æøå "), (
            f"læsbar årsag: forventet dansk tekst, fik {text!r}"
        )


def fee_amount(fee: dict[str, Any]) -> int:
    """A fee's original amount in øre (the harness shows kroner)."""
    return json_oere(fee["amount"])


@given("svaret fra debitorsystemet går tabt én gang", target_fixture="tabt")
def svar_tabt(verden: World) -> dict[str, int]:
    """The debtor system handles the next call, but its answer never reaches the core.

    Returns the counts (``calls``, ``lost``) as the ``tabt`` fixture for the steps after it.
    """
    real = verden.bed.sim_app
    state = {"lost": 0, "calls": 0}

    def losing(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") != "POST" or "/service/" not in environ["PATH_INFO"]:
            return real(environ, start_response)
        state["calls"] += 1
        if state["lost"] == 0:
            state["lost"] = 1
            body = b"".join(real(environ, lambda *a, **k: None))
            del body
            start_response("504 Gateway Timeout", [("Content-Type", "text/plain")])
            return [b"svaret gik tabt"]
        return real(environ, start_response)

    verden.bed.sim_slot.app = losing
    return state


@then(parsers.parse("har integrationen sendt den samme besked {antal:d} gange"))
def sendt_gange(verden: World, tabt: dict[str, int], antal: int) -> None:
    # The retry waits for its backoff on the virtual clock: move past it and deliver.
    verden.advance("PT15M")
    expect(tabt["calls"], antal, "kald til debitorsystemet")
    counts = verden.outbox()["counts"]
    expect(counts.get("pending", 0), 0, "ventende beskeder i integrationens udbakke")
