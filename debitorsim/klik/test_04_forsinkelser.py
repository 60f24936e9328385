"""Forsinkede opdateringer: nightly weekday callbacks, holidays, blocked patrons, duplicates."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from pytest_bdd import parsers, scenarios, then, when

from debitorsim.klik import payments
from debitorsim.klik.paths import feature
from debitorsim.klik.world import (
    Betaling,
    World,
    expect,
    fmt_kr,
    fmt_tid,
    json_oere,
    kr,
    parse_tid,
    spaerret_text,
)
from oeir import kommuner, model, soap
from oeir.services import DAEKNING_AFSKRIVNING
from simulators.callbacks.client import debtor_system_uuid

FEATURE_NAME = "Forsinkede opdateringer"
scenarios(feature("04_forsinkede_opdateringer.feature"))


@when(
    parsers.parse("borgeren betaler hele gebyret {tid} på den måde, kommunen tilbyder"),
    target_fixture="betaling",
)
def betal_paa_tid(verden: World, tid: str) -> Betaling:
    when_ = parse_tid(tid)
    verden.set_clock(when_)
    amount = json_oere(verden.fees["gebyret"]["amount"])
    vej = payments.pay_the_way_offered(verden, "gebyret", amount)
    return Betaling(dato=when_.date(), tid=when_, vej=vej)


@then(parsers.parse("ses betalingen i FBS {tid}"), target_fixture="opdateret")
def ses_i_fbs(verden: World, betaling: Betaling, tid: str) -> datetime | None:
    """The payment reaches FBS at `tid`; when it did is the ``opdateret`` fixture."""
    expected = parse_tid(tid)
    verden.advance("P7D")
    observed = payments.reported_at(verden, "gebyret")
    expect(fmt_tid(observed), fmt_tid(expected), "betalingen ses i FBS")
    fee = verden.fee("gebyret")
    expect(fee["paidDate"], betaling.dato.isoformat(), "betalingsdato i FBS")
    return observed


@then("rapporten viser tiden fra betaling til opdatering i FBS")
def maal_betaling_til_fbs(verden: World, betaling: Betaling, opdateret: datetime) -> None:
    assert verden.system is not None and betaling.tid is not None
    hours = (opdateret - betaling.tid) / timedelta(hours=1)
    verden.measurements.record(verden.system, "betaling_til_fbs_timer", round(hours, 1))
    verden.measurements.record(verden.system, "betalingsvej", betaling.vej)
    lane = _lane(verden, betaling, "Gebyr betalt lørdag")
    verden.measurements.timeline(verden.system, lane)


def _lane(verden: World, betaling: Betaling, label: str) -> dict[str, Any]:
    assert betaling.tid is not None
    steps = [
        {"step": s["step"], "at": s["at"]}
        for s in verden.timeline("gebyret")
        if s["step"]
        in ("created", "invoiced", "paid", "reported_to_fbs", "reminded", "handed_over")
    ]
    steps.append({"step": "citizen_paid", "at": betaling.tid.isoformat()})
    blocks = verden.patron_view()["blockPeriods"]
    return {"label": label, "steps": steps, "blocked": blocks}


@then("er låneren spærret i FBS")
def spaerret(verden: World) -> None:
    expect(spaerret_text(verden.patron_view()["blocked"]), "spærret", "låneren i FBS")


@then(parsers.parse("er låneren stadig spærret {tid}"))
def stadig_spaerret(verden: World, tid: str) -> None:
    verden.set_clock(parse_tid(tid))
    verden.drain()
    expect(spaerret_text(verden.patron_view()["blocked"]), "spærret", f"låneren {tid}")


@then("spærringen ophører, når betalingen ses i FBS", target_fixture="spaerring_slut")
def spaerring_ophoerer(verden: World) -> datetime:
    """The block ends when the payment reaches FBS; when it ended is ``spaerring_slut``."""
    verden.advance("P7D")
    view = verden.patron_view()
    expect(spaerret_text(view["blocked"]), "ikke spærret", "låneren efter opdateringen")
    ended = datetime.fromisoformat(view["blockPeriods"][-1]["ended"])
    reported = payments.reported_at(verden, "gebyret")
    expect(fmt_tid(ended), fmt_tid(reported), "spærringen ophører")
    return ended


@then("rapporten viser, hvor længe låneren var spærret efter betalingen")
def maal_spaerretid(verden: World, betaling: Betaling, spaerring_slut: datetime) -> None:
    assert verden.system is not None and betaling.tid is not None
    hours = (spaerring_slut - betaling.tid) / timedelta(hours=1)
    assert hours > 0, f"spærret efter betaling: forventet mere end 0 timer, fik {hours}"
    verden.measurements.record(verden.system, "spaerret_efter_betaling_timer", round(hours, 1))


# -- callbacks sent straight to the core's receiver (as a debtor system would) -------------


def _send(verden: World, haendelser: list[model.Haendelse]) -> list[str]:
    assert verden.kode is not None and verden.system is not None
    kommune = kommuner.by_kode()[verden.kode]
    header = model.SpHeader(
        invocation_context=model.InvocationContext(
            service_agreement_uuid=kommune.service_agreement_uuid,
            user_system_uuid=debtor_system_uuid(verden.system),
            user_uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, "urn:debitorsim:scenarie")),
            service_uuid=kommuner.service_uuid(DAEKNING_AFSKRIVNING.name),
            callers_service_call_identifier=str(uuid.uuid4()),
        ),
        authority_context=model.AuthorityContext(municipality_cvr=kommune.cvr),
    )
    body = soap.request_envelope(
        model.RegistrerDaekningAfskrivning(haendelser=tuple(haendelser)), header
    )
    op = DAEKNING_AFSKRIVNING.operations["RegistrerDaekningAfskrivning"]
    with verden.bed.session(verden.system) as sender:  # under TLS: the system's certificate
        r = sender.post(
            verden.bed.callback_url,
            data=body,
            headers={
                "Content-Type": "text/xml; charset=utf-8",
                "SOAPAction": f'"{op.soap_action}"',
            },
            timeout=30,
        )
    svar = soap.read_response(r.content, model.RegistrerDaekningAfskrivningSvar)
    return [str(k.status) for k in svar.kvitteringer]


def _daekning(verden: World, n: int, oere: int, at: datetime) -> model.Haendelse:
    konto = verden.konto()
    assert konto is not None and verden.kode is not None
    return model.Haendelse(
        haendelse_id=f"H-{verden.seed}-{n}",
        tidspunkt=at,
        kreditor=model.Kreditor(agency_id=f"DK-7{verden.kode}00", kommunekode=verden.kode),
        debitorkontonummer=konto.debitorkontonummer,
        fordring_id=verden.fees["gebyret"]["fordringId"],
        daekning=model.Daekning(
            beloeb=oere,
            betalingsdato=at.date(),
            betalingsmiddel=model.Betalingsmiddel.INDBETALINGSKORT,
            indbetaling_id=f"OCR-{n}",
        ),
    )


@when(
    parsers.parse(
        "debitorsystemet melder en dækning på {a} kr og derefter en på {b} kr, "
        "men de ankommer i omvendt rækkefølge"
    ),
    target_fixture="betaling",
)
def omvendt(verden: World, a: str, b: str) -> Betaling:
    now = verden.bed.clock.now()
    first = _daekning(verden, 1, kr(a), now)
    second = _daekning(verden, 2, kr(b), now + timedelta(hours=1))
    _send(verden, [second])
    _send(verden, [first])
    return Betaling(dato=(now + timedelta(hours=1)).date(), meldinger=(first, second))


@when("den første melding ankommer en gang til", target_fixture="gentaget")
def igen(verden: World, betaling: Betaling) -> list[str]:
    """FBS' receipts for the first report sent again, as the ``gentaget`` fixture."""
    return _send(verden, [betaling.meldinger[0]])


@then(parsers.parse('kvitterer FBS for gentagelsen som "{status}"'))
def kvittering(gentaget: list[str], status: str) -> None:
    expect(gentaget, [status], "FBS' kvittering for den gentagne melding")


@then(parsers.parse("har FBS registreret {beloeb} kr i dækning på gebyret"))
def fbs_daekket(verden: World, beloeb: str) -> None:
    fee = verden.fee("gebyret")
    paid = json_oere(fee["paid"])
    expect(fmt_kr(paid), fmt_kr(kr(beloeb)), "dækning registreret i FBS")
