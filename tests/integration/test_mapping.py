"""Fee → Fordring mapping: dates, text fitting, types, and XSD validity of the result."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from integration.config import MunicipalityRules
from integration.domain.model import Fee, FeeType, Material, Patron
from integration.mapping import dates_for, fit_text, to_fordring
from oeir import codec, model, schema

PATRON = Patron(patron_id=1, agency_id="DK-710100", cpr="0101901234", cvr=None, name="Ane Hansen")


def _fee(**kw) -> Fee:
    base = dict(
        fee_id=7,
        fordring_id="FBS-710100-7",
        agency_id="DK-710100",
        kommunekode="101",
        patron_id=1,
        type=FeeType.COMPENSATION,
        reason_message="Erstatning for bortkommet materiale",
        amount=12_500,
        creation_date=date(2026, 1, 5),
        due_date=date(2026, 2, 4),
        last_timely_date=date(2026, 2, 9),
        skriftligt_anerkendt=True,
        materials=(Material(material_item_number="3846990827", record_id="870970-basis:1"),),
    )
    base.update(kw)
    return Fee(**base)


def test_dates_follow_the_municipality_rules():
    assert dates_for(date(2026, 1, 5), MunicipalityRules(due_days=14)) == (
        date(2026, 1, 19),
        date(2026, 1, 19),
    )
    assert dates_for(date(2026, 1, 5), MunicipalityRules(due_days=30, timely_days=5)) == (
        date(2026, 2, 4),
        date(2026, 2, 9),
    )


def test_text_that_fits_is_unchanged():
    assert fit_text("Gebyr (for sent)", 20, {"Gebyr": "Geb."}) == "Gebyr (for sent)"


def test_text_is_abbreviated_before_it_is_cut():
    rules = MunicipalityRules()
    text = "Erstatning for bortkommet materiale"
    assert fit_text(text, 25, rules.abbreviations) == "Erst. for bortk. mat."


def test_text_is_cut_at_a_word_with_an_ellipsis_as_last_resort():
    out = fit_text("Gebyr for overskredet lånetid på tre materialer", 20, {})
    assert out == "Gebyr for…"
    assert len(out) <= 20


@given(st.text(min_size=0, max_size=300), st.integers(min_value=1, max_value=200))
def test_fitted_text_never_exceeds_the_limit(text, limit):
    assert len(fit_text(text, limit, MunicipalityRules().abbreviations)) <= limit


def test_compensation_maps_to_erstatning_with_rules_and_materials():
    rules = MunicipalityRules(max_text_length=25, klassifikationskode_compensation="ERST-01")
    f = to_fordring(_fee(), PATRON, rules)
    assert f.fordring_type is model.FordringType.ERSTATNING
    assert f.klassifikationskode == "ERST-01"
    assert f.hovedstol == 12_500
    assert f.tekst == "Erst. for bortk. mat."
    assert f.forfaldsdato == date(2026, 2, 4)
    assert f.sidste_rettidige_betalingsdato == date(2026, 2, 9)
    assert f.skriftligt_anerkendt is True
    assert f.materialer == (
        model.Materiale(materialenummer="3846990827", post_id="870970-basis:1"),
    )
    assert f.debitor == model.Debitor(cpr_nummer="0101901234", navn="Ane Hansen")
    assert f.kreditor == model.Kreditor(agency_id="DK-710100", kommunekode="101")


def test_late_fee_is_never_acknowledged_in_writing_and_is_schema_valid():
    f = to_fordring(
        _fee(type=FeeType.FEE, reason_message="Gebyr (for sent)", skriftligt_anerkendt=True),
        PATRON,
        MunicipalityRules(),
    )
    assert f.fordring_type is model.FordringType.GEBYR
    assert f.klassifikationskode == "BIB-GEBYR"
    assert f.skriftligt_anerkendt is False
    msg = model.OpretDebitorkonto(debitor=f.debitor, kreditor=f.kreditor, fordringer=(f,))
    schema.validate(codec.encode(msg))  # raises on any schema violation
