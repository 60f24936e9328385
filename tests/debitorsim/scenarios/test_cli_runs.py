"""`debitorsim scenarios` in the terminal: progress per scenario, the verdict, its own report folder."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from debitorsim.cli import main
from debitorsim.commands.scenarios import report_dir, verdict
from simulators.tenants import representative_kommuner
from tests.debitorsim.scenarios.conftest import Run

ONE = "gebyr_og_et_erstatningskrav"


def test_progress_lines_name_each_scenario_and_its_system_and_the_verdict_ends(
    eg_run: Run,
) -> None:
    lines = re.findall(
        r"^\[\s*(\d+)/(\d+)\] (\S+)\s+(.+?)  (bestået|FEJLET|ikke afprøvet)$", eg_run.out, re.M
    )
    assert lines, eg_run.out[-2000:]
    total = int(lines[0][1])
    assert [int(n) for n, *_ in lines] == list(range(1, total + 1))
    assert {system for _, _, system, *_ in lines} <= {"eg", "alle"} and "eg" in {
        x[2] for x in lines
    }
    assert f"{total} scenarie(r) at køre" in eg_run.out
    assert re.search(
        r"^verdict:\s+KLAR \(FOR DE TESTEDE SCENARIER\): \d+ bestået, 0 fejlet", eg_run.out, re.M
    ), eg_run.out[-800:]
    eg = representative_kommuner()["eg"]
    assert f"KLIK scenarios: eg ({eg}) against the simulators" in eg_run.out


@pytest.mark.parametrize(
    ("outcomes", "word"),
    [
        (["skipped", "skipped"], "IKKE TESTET"),
        (["passed", "failed"], "IKKE KLAR"),
        (["passed", "skipped"], "KLAR (FOR DE TESTEDE SCENARIER)"),
    ],
)
def test_the_terminal_verdict_is_the_reports_never_klar_untested(
    tmp_path: Path, outcomes: list[str], word: str
) -> None:
    results = {
        f"t{i}": {"feature": "F", "scenario": f"S{i}", "outcome": o, "system": "eg"}
        for i, o in enumerate(outcomes)
    }
    (tmp_path / "results.json").write_text(json.dumps({"results": results}), encoding="utf-8")
    assert verdict(tmp_path).split(":", 1)[1].strip().startswith(f"{word}:")


def test_report_folders_of_partial_runs_are_their_own() -> None:
    assert report_dir(None, None, None) == Path("reports/scenarios")
    assert report_dir(None, "all", None) == Path("reports/scenarios")
    assert report_dir(None, "eg", None) == Path("reports/scenarios/system-eg")
    assert report_dir(None, None, "561") == Path("reports/scenarios/kommune-561")
    assert report_dir("out", None, "561") == Path("out")


def test_kommune_run_writes_its_own_folder_and_leaves_the_full_report(tmp_path: Path) -> None:
    full = tmp_path / "reports" / "scenarios"
    full.mkdir(parents=True)
    (full / "readiness.html").write_text("the all-systems report", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "debitorsim.cli", "scenarios", "--kommune", "561", "-k", ONE],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert (full / "kommune-561" / "readiness.html").stat().st_size > 0
    assert (full / "readiness.html").read_text(encoding="utf-8") == "the all-systems report"
    assert "prisme2009 (561)" in proc.stdout


def test_unknown_kommune_says_where_the_list_is(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "--kommune", "999"]) == 1
    err = capsys.readouterr().err
    assert "unknown kommunekode 999" in err and "debitorsim kommuner" in err


def test_sim_url_where_nothing_answers_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "--system", "eg", "--sim-url", "http://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nothing answers at http://127.0.0.1:9" in err[0]


def test_kommuner_lists_codes_names_and_systems(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kommuner", "--system", "prisme2009"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^561\s+Esbjerg\s+prisme2009$", out, re.M), out
    assert " opus" not in out and " eg" not in out
