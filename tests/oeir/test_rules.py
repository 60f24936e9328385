"""Business rules: each broken rule is refused with its own FejlKode, whatever passes the XSD."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oeir import codec, model, rules, schema, soap, testdata
from oeir.faults import BusinessRuleBroken, SchemaInvalid
from oeir.services import DEBITOR_REGISTRERING
from tests.oeir import golden_messages as g
from tests.oeir import strategies as s

BASE = g.INSTITUTION  # a valid claim on a CVR debtor
PERSON = dataclasses.replace(BASE, debitor=g.SOEREN)


def _fordring(**changes) -> model.OpretFordring:
    return model.OpretFordring(fordring=dataclasses.replace(PERSON, **changes))


def _codes(message) -> list[str]:
    return [v.kode for v in rules.check(message)]


BROKEN = {
    "cpr_bad_date": _fordring(debitor=model.Debitor(cpr_nummer="3102801234")),
    "cpr_bad_century": _fordring(debitor=model.Debitor(cpr_nummer="2902001123")),
    "cvr_bad_modulus": _fordring(debitor=model.Debitor(cvr_nummer="25360061")),
    "cpr_and_cvr_both": _fordring(
        debitor=model.Debitor(cpr_nummer="1502803456", cvr_nummer="25360060")
    ),
    "negative_amount": _fordring(hovedstol=-100),
    "zero_amount": _fordring(hovedstol=0),
    "due_before_creation": _fordring(forfaldsdato=PERSON.stiftelsesdato - timedelta(days=1)),
    "last_timely_before_due": _fordring(
        sidste_rettidige_betalingsdato=PERSON.forfaldsdato - timedelta(days=1)
    ),
}
EXPECTED = {
    "cpr_bad_date": "CprUgyldig",
    "cpr_bad_century": "CprUgyldig",
    "cvr_bad_modulus": "CvrUgyldig",
    "cpr_and_cvr_both": "DebitorUgyldig",
    "negative_amount": "BeloebIkkePositivt",
    "zero_amount": "BeloebIkkePositivt",
    "due_before_creation": "ForfaldFoerStiftelse",
    "last_timely_before_due": "SidsteRettidigeFoerForfald",
}


def test_the_base_claims_are_valid() -> None:
    assert rules.check(model.OpretFordring(fordring=BASE)) == []
    assert rules.check(model.OpretFordring(fordring=PERSON)) == []


@pytest.mark.parametrize("case", list(BROKEN))
def test_each_broken_rule_has_its_code(case: str) -> None:
    message = BROKEN[case]
    assert _codes(message) == [EXPECTED[case]]
    with pytest.raises(BusinessRuleBroken) as info:
        rules.validate(message)
    assert info.value.kode == EXPECTED[case]
    assert info.value.faultcode == "Client"


def test_distinct_kinds_of_error_have_distinct_codes() -> None:
    kinds = {
        "cpr": "cpr_bad_date",
        "cvr": "cvr_bad_modulus",
        "cpr_and_cvr": "cpr_and_cvr_both",
        "amount": "negative_amount",
        "due_date": "due_before_creation",
        "last_timely": "last_timely_before_due",
    }
    codes = {kind: _codes(BROKEN[case])[0] for kind, case in kinds.items()}
    assert len(set(codes.values())) == len(kinds), codes
    assert _codes(BROKEN["zero_amount"]) == _codes(BROKEN["negative_amount"])


@pytest.mark.parametrize("case", [c for c in BROKEN if c != "cpr_and_cvr_both"])
def test_broken_rules_pass_the_xsd_so_the_rules_are_what_catches_them(case: str) -> None:
    data = soap.request_envelope(BROKEN[case], g.header(DEBITOR_REGISTRERING, "rules"))
    request = soap.read_request(data, DEBITOR_REGISTRERING)
    assert request.message == BROKEN[case]
    with pytest.raises(BusinessRuleBroken):
        rules.validate(request.message)


def test_cpr_and_cvr_both_is_also_refused_by_the_xsd() -> None:
    with pytest.raises(SchemaInvalid) as info:
        schema.validate(codec.encode(BROKEN["cpr_and_cvr_both"]))
    assert info.value.kode == "SkemaValideringFejlet"


def test_debtor_with_neither_cpr_nor_cvr() -> None:
    assert _codes(_fordring(debitor=model.Debitor(navn="Ingen Nummer"))) == ["DebitorUgyldig"]


def test_period_that_ends_before_it_starts() -> None:
    periode = model.Periode(fra=date(2026, 9, 30), til=date(2026, 8, 1))
    assert _codes(_fordring(periode=periode)) == ["PeriodeUgyldig"]


def test_several_violations_are_all_reported_in_document_order() -> None:
    message = _fordring(
        debitor=model.Debitor(cpr_nummer="3102801234"),
        hovedstol=0,
        forfaldsdato=PERSON.stiftelsesdato - timedelta(days=1),
    )
    violations = rules.check(message)
    assert [v.kode for v in violations] == [
        "CprUgyldig",
        "BeloebIkkePositivt",
        "ForfaldFoerStiftelse",
    ]
    assert [v.felt for v in violations] == [
        "Fordring/Debitor/CPRNummer",
        "Fordring/Hovedstol",
        "Fordring/Forfaldsdato",
    ]


def test_an_invalid_cpr_is_not_repeated_in_the_fault_text() -> None:
    (violation,) = rules.check(BROKEN["cpr_bad_date"])
    assert "3102801234" not in violation.tekst_da + violation.tekst_en + (violation.felt or "")


def test_opret_debitorkonto_claims_must_match_the_account() -> None:
    # Its own FordringId: a repeated one is a rule of its own (FordringIdGentaget).
    other = dataclasses.replace(g.GEBYR, fordring_id="FBS-101-000999", debitor=g.ASTRID)
    message = model.OpretDebitorkonto(
        debitor=g.SOEREN, kreditor=g.KREDITOR, fordringer=(g.GEBYR, other)
    )
    assert _codes(message) == ["DebitorUoverensstemmelse"]
    assert rules.check(message)[0].felt == "Fordring[2]"


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (dataclasses.replace(g.REQUESTS["NedskrivFordring"], beloeb=0), "BeloebIkkePositivt"),
        (dataclasses.replace(g.REQUESTS["ForetagIndbetaling"], beloeb=-1), "BeloebIkkePositivt"),
        (
            dataclasses.replace(
                g.REQUESTS["ForetagIndbetaling"], debitor=model.Debitor(cpr_nummer="0000000000")
            ),
            "CprUgyldig",
        ),
        (
            dataclasses.replace(
                g.REQUESTS["SkiftHaefter"], ny_debitor=model.Debitor(cvr_nummer="12345678")
            ),
            "CvrUgyldig",
        ),
        (
            model.HentDebitorkonto(
                kommunekode="101", debitor=model.Debitor(cpr_nummer="1513801234")
            ),
            "CprUgyldig",
        ),
    ],
    ids=["nedskriv-zero", "indbetaling-negative", "indbetaling-cpr", "skift-cvr", "hent-cpr"],
)
def test_rules_on_other_requests(message, code: str) -> None:
    assert _codes(message) == [code]


def _event(**kinds) -> model.Haendelse:
    return model.Haendelse(
        haendelse_id="E-1",
        tidspunkt=datetime(2026, 11, 24, tzinfo=UTC),
        kreditor=g.KREDITOR,
        debitorkontonummer="K-1",
        fordring_id="F-1",
        **kinds,
    )


DAEKNING = model.Daekning(
    beloeb=100, betalingsdato=date(2026, 11, 23), betalingsmiddel=model.Betalingsmiddel.KORT
)


@pytest.mark.parametrize(
    ("event", "codes"),
    [
        (_event(daekning=DAEKNING), []),
        (_event(), ["HaendelseUgyldig"]),
        (
            _event(daekning=DAEKNING, nedregulering=model.Nedregulering(beloeb=5)),
            ["HaendelseUgyldig"],
        ),
        (dataclasses.replace(_event(daekning=DAEKNING), fordring_id=None), ["HaendelseUgyldig"]),
        (_event(daekning=dataclasses.replace(DAEKNING, beloeb=0)), ["BeloebIkkePositivt"]),
        (
            dataclasses.replace(
                _event(debitorkonto_lukket=model.DebitorkontoLukket(lukkedato=date(2026, 11, 1))),
                fordring_id=None,
            ),
            [],
        ),
    ],
    ids=["ok", "no-kind", "two-kinds", "daekning-without-claim", "zero-payment", "closed-account"],
)
def test_event_rules(event: model.Haendelse, codes: list[str]) -> None:
    assert _codes(model.RegistrerDaekningAfskrivning(haendelser=(event,))) == codes


def test_golden_events_are_valid() -> None:
    assert rules.check(g.EVENTS) == []


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32), st.integers(-(10**6), 0))
def test_generated_claims_are_valid_until_the_amount_is_not_positive(seed: int, bad: int) -> None:
    fordring = testdata.fordring(testdata.faker(seed), today=date(2026, 11, 24))
    assert rules.check(model.OpretFordring(fordring=fordring)) == []
    broken = model.OpretFordring(fordring=dataclasses.replace(fordring, hovedstol=bad))
    assert _codes(broken) == ["BeloebIkkePositivt"]


@settings(max_examples=100, deadline=None)
@given(s.valid_opret_debitorkonto())
def test_valid_strategies_obey_the_rules_and_the_xsd(message: model.OpretDebitorkonto) -> None:
    assert rules.check(message) == []
    schema.validate(codec.encode(message))
