"""`debitorsim scenarios`: the three report files, -m per system, and a profile mutation."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.scenarios.conftest import REPO, Run, run_scenarios

FEATURES = REPO / "features"


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
            "tests/steps",
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
