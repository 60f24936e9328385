"""`debitorsim scenarios`: the three report files, -m per system, and a profile mutation."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.debitorsim.scenarios.conftest import REPO, Run, run_scenarios

FEATURES = REPO / "debitorsim" / "klik" / "features"


def test_run_passes_and_writes_the_three_files(eg_run: Run) -> None:
    assert eg_run.rc == 0, eg_run.out[-3000:]
    for name in ("readiness.html", "junit.xml", "cucumber.json"):
        assert (eg_run.report / name).stat().st_size > 0, name


def test_junit_xml_parses_and_counts_the_scenarios(eg_run: Run) -> None:
    root = ET.parse(eg_run.report / "junit.xml").getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == int(suite.get("tests", "-1")) >= 5
    assert int(suite.get("failures", "1")) == 0 and int(suite.get("errors", "1")) == 0


def test_cucumber_json_is_cucumber_json(eg_run: Run) -> None:
    features = json.loads((eg_run.report / "cucumber.json").read_text(encoding="utf-8"))
    assert isinstance(features, list) and features
    names = set()
    for f in features:
        assert {"keyword", "name", "uri", "elements"} <= set(f), f.keys()
        assert f["keyword"] == "Egenskab" and f["language"] == "da"
        names.add(f["name"])
        for element in f["elements"]:
            assert {"keyword", "name", "type", "steps"} <= set(element)
            assert element["steps"], element["name"]
            for step in element["steps"]:
                assert step["keyword"] in ("Givet", "Når", "Så", "Og", "Men")
                assert step["result"]["status"] in ("passed", "failed", "skipped", "undefined")
    assert "Forsinkede opdateringer" in names and "Dannelse af fordring" in names


def test_system_run_runs_only_that_systems_examples(eg_run: Run) -> None:
    root = ET.parse(eg_run.report / "junit.xml").getroot()
    ids = [c.get("name", "") for c in root.iter("testcase")]
    with_system = [i for i in ids if re.search(r"\[(opus|prisme2015|prisme2009|eg)\b", i)]
    assert with_system and all("[eg" in i for i in with_system), ids


def test_marker_eg_collects_exactly_the_eg_examples() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "debitorsim/klik",
            "-m",
            "eg",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    ids = [line for line in proc.stdout.splitlines() if "::" in line]
    eg_tables = sum(f.read_text(encoding="utf-8").count("@eg") for f in FEATURES.glob("*.feature"))
    assert len(ids) == eg_tables > 10, (len(ids), eg_tables, proc.stdout[-2000:])
    assert all("[eg" in i for i in ids), ids


def test_readiness_report_is_danish_self_contained_and_masks_cpr(eg_run: Run) -> None:
    html = (eg_run.report / "readiness.html").read_text(encoding="utf-8")
    assert '<html lang="da">' in html and "Klar" in html
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert not re.search(r"<(link|img)\b", html)
    assert "Det oplever borgerne" in html and "<svg" in html
    for label in ("Forsinkede opdateringer", "Dannelse af fordring", "Rykkere og inddrivelse"):
        assert label in html
    # The figures were measured: a number of hours for EG, not "ikke målt".
    assert re.search(r"\d+,\d timer", html), html[:2000]
    # No CPR number, masked or not, beyond the masked form (DDMMYY-****).
    assert not re.search(r"\b\d{6}-?\d{4}\b", html)


def test_breaking_a_profile_behaviour_fails_the_matching_scenario(tmp_path: Path) -> None:
    """Mutation: Opus's nightly callbacks run every night (not only after weekdays)."""
    config = tmp_path / "kommune.toml"
    config.write_text(
        'kommune = "147"\nsystem = "opus"\n\n[profile]\n"callbacks.weekdays_only" = false\n',
        encoding="utf-8",
    )
    run = run_scenarios(
        tmp_path / "report", "--config", str(config), "-k", "ses_i_fbs_først_efter_weekenden"
    )
    assert run.rc == 1, run.out[-3000:]
    expected = "forventet tirsdag 13.01.2026 kl. 02:00, fik søndag 11.01.2026 kl. 02:00"
    assert expected in run.out, run.out[-3000:]
    html = (run.report / "readiness.html").read_text(encoding="utf-8")
    assert "Ikke klar" in html and expected in html
    assert "Forsinkede opdateringer" in html


# -- the readiness report's wording, from synthetic runs (no scenario subprocess) -----------


def _result(system: str | None, outcome: str, name: str, message: str = "") -> dict[str, str]:
    r = {"feature": "Dannelse af fordring", "scenario": name, "outcome": outcome}
    if system:
        r["system"] = system
    if message:
        r["message"] = message
    return r


def _render(results: list[dict[str, str]], sim_url: str | None = None) -> str:
    from datetime import UTC, datetime

    from debitorsim.report.readiness import Run, render

    run = Run(
        results={f"t{i}": r for i, r in enumerate(results)},
        kommuner={"eg": "157", "opus": "101"},  # as the registry has them
        sim_url=sim_url,
    )
    return render(run, generated=datetime(2026, 7, 1, 10, 5, tzinfo=UTC))


def _text(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:div|dd|table)>', html, re.S)
    assert found is not None, element_id
    return re.sub(r"<[^>]+>", " ", found.group(1))


def _system_row(html: str, system: str) -> str:
    found = re.search(rf'<tr data-system="{system}">(.*?)</tr>', html, re.S)
    assert found is not None, system
    return re.sub(r"<[^>]+>", " ", found.group(1))


def test_report_names_what_was_tested_where_and_when_in_danish_time() -> None:
    html = _render([_result("eg", "passed", "Gebyr oprettes")])
    # 10:05 UTC on 1 July is 12:05 in Copenhagen (summer time).
    assert "01.07.2026 kl. 12:05 (dansk tid)" in _text(html, "koert")
    assert "debitorsims egne simulerede" in _text(html, "under-test")
    assert "Gentofte (157) på EG ØS Indsigt" in html
    real = _render([_result("eg", "passed", "Gebyr oprettes")], "https://u:hemmelig@eg.test/sp")
    assert "debitorsystemet på https://eg.test/sp" in _text(real, "under-test")
    assert "hemmelig" not in real


def test_klar_says_it_covers_only_the_tested_scenarios_and_lists_the_rest() -> None:
    html = _render(
        [
            _result("eg", "passed", "Gebyr oprettes"),
            _result("eg", "skipped", "Kontrol af kvittering", "kræver simulatorens kontrol"),
        ]
    )
    verdict = _text(html, "dom")
    assert "Klar (for de testede scenarier)" in verdict
    assert "1 scenarier blev ikke afprøvet" in verdict
    assert "Ikke med i kørslen: KMD Opus, Fujitsu Prisme 2015, Fujitsu Prisme 2009" in verdict
    assert "Klar (for de testede scenarier)" in _system_row(html, "eg")
    for untested in ("opus", "prisme2015", "prisme2009"):
        row = _system_row(html, untested)
        assert "Ikke testet (ikke med i kørslen)" in row and "Klar" not in row
    assert "Frederiksberg" not in _system_row(html, "opus")  # not tested: no municipality
    scenarios = _text(html, "scenarier")
    assert "Gebyr oprettes" in scenarios and "bestået" in scenarios
    assert "Kontrol af kvittering" in scenarios and "kræver simulatorens kontrol" in scenarios


def test_a_system_with_only_skipped_scenarios_is_not_tested_never_klar() -> None:
    html = _render(
        [
            _result("eg", "skipped", "Kontrol A", "ikke mod et rigtigt system"),
            _result("eg", "skipped", "Kontrol B", "ikke mod et rigtigt system"),
        ],
        "https://eg.test/sp",
    )
    assert "Ikke testet" in _text(html, "dom")
    assert "Klar" not in html.replace("Klar til go-live?", "")
    assert "Ikke testet" in _system_row(html, "eg")


def test_a_failure_anywhere_is_ikke_klar_for_the_run_and_that_system() -> None:
    html = _render(
        [
            _result("eg", "passed", "Gebyr oprettes"),
            _result("opus", "failed", "Betaling meldes", "forventet tirsdag"),
        ]
    )
    assert "Ikke klar" in _text(html, "dom")
    assert "Ikke klar" in _system_row(html, "opus")
    assert "København (101)" in _system_row(html, "opus")
    assert "Klar (for de testede scenarier)" in _system_row(html, "eg")
    assert "forventet tirsdag" in _text(html, "scenarier")
