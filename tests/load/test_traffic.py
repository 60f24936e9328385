"""The load suites' requests are valid SOAP the simulators accept, with real SP headers."""

from __future__ import annotations

from collections import Counter

from load.profiles import weights
from load.support import traffic
from oeir import kommuner, model, soap
from oeir.identifiers import valid_cpr
from oeir.services import DAEKNING_AFSKRIVNING, DEBITOR_FORESPOERGSEL, DEBITOR_REGISTRERING

KBH = kommuner.by_kode()["101"]
ESBJERG = kommuner.by_kode()["561"]


def test_opret_debitorkonto_reads_back_with_xsd_and_sp_headers() -> None:
    call, debitor, fordring = traffic.Traffic(seed=1).opret_debitorkonto(ESBJERG)
    assert call.path == DEBITOR_REGISTRERING.path
    req = soap.read_request(call.body, DEBITOR_REGISTRERING, soap_action=call.headers["SOAPAction"])
    assert isinstance(req.message, model.OpretDebitorkonto)
    assert req.header.authority_context.municipality_cvr == ESBJERG.cvr
    ic = req.header.invocation_context
    assert ic.service_agreement_uuid == ESBJERG.service_agreement_uuid
    assert ic.user_system_uuid == kommuner.FBS_USER_SYSTEM_UUID
    assert ic.service_uuid == kommuner.service_uuid(DEBITOR_REGISTRERING.name)
    assert valid_cpr(debitor.cpr_nummer or "")
    assert req.message.fordringer == (fordring,)
    assert fordring.kreditor == model.Kreditor(agency_id="DK-756100", kommunekode="561")


def test_every_operation_is_schema_valid() -> None:
    t = traffic.Traffic(seed=2)
    d = t.debitor()
    calls = [
        (t.opret_fordring(KBH, d)[0], DEBITOR_REGISTRERING),
        (t.hent_debitorkonto(KBH, kontonummer="DK123"), DEBITOR_FORESPOERGSEL),
        (t.hent_debitorkonto(KBH, debitor=d), DEBITOR_FORESPOERGSEL),
        (t.soeg_debitorkonti(KBH, cursor="abc"), DEBITOR_FORESPOERGSEL),
        (t.callback(KBH, [("FBS-1", "DK1", 2500)]), DAEKNING_AFSKRIVNING),
        (t.callback(KBH, [], batch=3), DAEKNING_AFSKRIVNING),
    ]
    for call, service in calls:
        req = soap.read_request(call.body, service, soap_action=call.headers["SOAPAction"])
        assert type(req.message).__name__ == call.operation
    cb = soap.read_request(calls[5][0].body, DAEKNING_AFSKRIVNING).message
    assert len(cb.haendelser) == 3 and all(h.daekning for h in cb.haendelser)


def test_claim_ids_are_unique_per_generator_and_across_generators() -> None:
    a, b = traffic.Traffic(seed=3), traffic.Traffic(seed=3)
    ids = [a.fordring_id() for _ in range(100)] + [b.fordring_id() for _ in range(100)]
    assert len(set(ids)) == 200


def test_answers_are_read_cheaply() -> None:
    body = soap.response_envelope(
        model.OpretFordringSvar(debitorkontonummer="DK-42", fordring_id="FBS-1")
    )
    assert traffic.kontonummer(body) == "DK-42" and not traffic.is_fault(body)
    page = soap.response_envelope(model.SoegDebitorkontiSvar(naeste_cursor="c2"))
    assert traffic.naeste_cursor(page) == "c2"
    assert traffic.naeste_cursor(soap.response_envelope(model.SoegDebitorkontiSvar())) is None


def test_national_weights_cover_98_municipalities_with_the_seed_split() -> None:
    n = weights.national(weights.illustrative_systems())
    assert len(n) == 98
    assert abs(sum(w.weight for w in n) - 1.0) < 1e-9
    assert Counter(w.system for w in n) == Counter(weights.SEED_SPLIT)
    by = {w.kommune.kode: w for w in n}
    assert by["561"].system == "prisme2009" and by["621"].system == "prisme2015"
    assert by["101"].system == "opus"
    assert by["101"].weight > 50 * by["825"].weight  # København vs Læsø


def test_picker_draws_in_proportion_and_filters_by_system() -> None:
    import random

    n = weights.national(weights.illustrative_systems())
    picker = weights.Picker(n, random.Random(7))
    draws = Counter(picker.pick().kommune.kode for _ in range(20_000))
    share = draws["101"] / 20_000
    expected = next(w.weight for w in n if w.kommune.kode == "101")
    assert abs(share - expected) < 0.02
    payers = picker.only(weights.WITH_PAYMENT_SOLUTION)
    assert {payers.pick().system for _ in range(500)} <= weights.WITH_PAYMENT_SOLUTION


def test_national_weights_use_the_simulators_shipped_registry() -> None:
    shipped = weights.systems()
    assert Counter(shipped.values()) == Counter(weights.SEED_SPLIT)
    assert shipped["561"] == "prisme2009" and shipped["621"] == "prisme2015"
    assert shipped["101"] == "opus"
