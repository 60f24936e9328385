"""Danish polish: one money formatter, Åben, Danish fault kinds and refusals, run rhythm.

Each check would fail on the text shown before: ``-0,00 kr.`` for a zero deduction,
``Aaben`` on a claim's timeline, ``http_503`` and English refusals on the fault page,
``kun hverdage`` beside a Saturday run, a bare code in the reconciliation report.
"""

from __future__ import annotations

import re
from datetime import datetime, time

from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from integration.reconcile.compare import Report
from integration.reconcile.html import render_html
from oeir.dansk import kroner, status_name
from simulators.engine import Simulator
from simulators.profiles import builtin
from simulators.web.dashboard.fault_texts import KIND_NAMES, danish_error
from simulators.web.dashboard.formatting import run_rhythm
from tests.dashboard.conftest import seed_claims


def test_kroner_formats_oere_the_danish_way() -> None:
    assert kroner(0) == "0,00 kr." and kroner(-0) == "0,00 kr."
    assert kroner(123450) == "1.234,50 kr."
    assert kroner(-5) == "-0,05 kr."
    assert kroner(-123456789) == "-1.234.567,89 kr."


@given(st.integers(min_value=-(10**16), max_value=10**16))
def test_kroner_never_shows_negative_zero_and_always_ends_in_kr_dot(oere: int) -> None:
    text = kroner(oere)
    assert text.endswith(" kr.") and "kr," not in text
    assert not text.startswith("-0,00")
    digits = int(re.sub(r"[^0-9]", "", text))
    assert digits == abs(oere) and text.startswith("-") == (oere < 0)


def test_claim_page_shows_zero_deductions_without_a_minus(
    client: FlaskClient, sim: Simulator
) -> None:
    kode = sim.tenants.for_system("opus")[0].kode
    (fid,) = seed_claims(sim, kode, 1)
    html = client.get(f"/kommuner/{kode}/fordringer/{fid}").get_data(as_text=True)
    assert "-0,00 kr." not in html and "0,00 kr." in html
    assert "Aaben" not in html and "Åben" in html
    assert status_name("Aaben") == "Åben"


def test_fault_kinds_and_refusals_are_danish(client: FlaskClient, sim: Simulator) -> None:
    from simulators.faults.rules import KINDS

    assert set(KIND_NAMES) == set(KINDS)
    page = client.get("/fejl").get_data(as_text=True)
    assert '<option value="http_503">HTTP 503 (tjenesten utilgængelig)</option>' in page
    assert '<option value="maintenance">Vedligeholdelsesvindue</option>' in page
    r = client.post("/fejl", data={"kind": "maintenance", "start": "25:99", "end": "06:00"})
    shown = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Afvist: Fra skal være et klokkeslæt (TT:MM)." in shown
    r = client.post("/fejl", data={"kind": "http_503", "count": "mange"})
    shown = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Afvist: Antal kald skal være et helt tal." in shown
    assert "must" not in shown
    assert danish_error("probability must be between 0 and 1") == (
        "Sandsynlighed skal være mellem 0 og 1."
    )
    assert danish_error("unknown field(s) for http_500: felt, fejlkode") == (
        "Felt, Fejlkode kan ikke bruges med denne slags."
    )
    assert danish_error("something new").startswith("Reglen kan ikke bruges")


def test_run_rhythm_agrees_with_a_saturday_run(client: FlaskClient, sim: Simulator) -> None:
    opus = builtin("opus").callbacks
    assert opus.weekdays_only and opus.time < time(12)
    text = run_rhythm(opus)
    assert "natten efter hver hverdag" in text and "kun hverdage" not in text
    tenant = sim.tenants.for_system("opus")[0]
    sim.set_time(datetime.fromisoformat("2026-01-09T12:00:00+01:00"))  # a Friday
    html = client.get(f"/kommuner/{tenant.kode}").get_data(as_text=True)
    shown = re.search(r'id="naeste-koersel">([^<]*)<', html)
    assert shown is not None and shown.group(1).startswith("lør.")
    assert "natten efter hver hverdag" in html and "kun hverdage" not in html


def test_reconciliation_report_names_the_municipality() -> None:
    report = Report(
        kommunekode="101",
        generated_at="2026-01-05T08:00:00+01:00",
        fbs_claims=0,
        debtor_claims=0,
        matched=0,
        differences=[],
    )
    html = render_html(report)
    assert "København Kommune (101)" in html
    assert "<title>Afstemning, København Kommune (101)</title>" in html
