"""Real Locust runs (subprocesses) against a real test bed: the smoke profile, the gate, workers.

Kept short (seconds per run); the whole folder stays well under a minute and a half.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from load.support.testbed import TestBed
from tests.load.conftest import run_load

SOAP_TYPES = {"OpretDebitorkonto", "OpretFordring", "HentDebitorkonto"}
CORE_TYPES = {"fbs: opret gebyr"}


def test_smoke_profile_passes_against_a_test_bed_it_starts(tmp_path: Path) -> None:
    run = run_load(tmp_path, "--profile", "smoke", "--duration", "8")
    assert run.summary is not None, run.output[-3000:]
    assert run.code == 0, run.output[-3000:]
    assert run.summary["passed"] and run.summary["breaches"] == []
    per = run.summary["per_request"]
    assert set(per) >= SOAP_TYPES | CORE_TYPES, per
    assert all(r["failures"] == 0 for r in per.values())
    assert run.summary["requests"] >= 20
    # Locust's own CSV and HTML reports land under --reports
    assert (tmp_path / "load-smoke_stats.csv").read_text().count("\n") > 3
    assert (tmp_path / "load-smoke.html").stat().st_size > 1000
    assert "test bed: simulator http://127.0.0.1:" in run.output
    html = (tmp_path / "load-smoke.html").resolve()
    assert f"the HTML report will be {html}" in run.output  # said before the run starts
    assert f"HTML report: {html}" in run.output


def test_an_impossible_threshold_fails_the_run(tmp_path: Path, bed: TestBed) -> None:
    strict = tmp_path / "strict.toml"
    strict.write_text("[gate]\nmax_failure_ratio = 0.0\n[requests.default]\np99_ms = 0\n")
    run = run_load(
        tmp_path,
        "--profile",
        "smoke",
        "--duration",
        "5",
        "--host",
        bed.sim_url,
        "--core-host",
        bed.core_url,
        "--thresholds",
        str(strict),
    )
    assert run.summary is not None, run.output[-3000:]
    assert run.code != 0
    assert not run.summary["passed"]
    assert any("p99" in b and "> 0 ms" in b for b in run.summary["breaches"]), run.summary
    assert "FAILED" in run.output


def test_master_and_two_workers_both_report(tmp_path: Path, bed: TestBed) -> None:
    run = run_load(
        tmp_path,
        "--profile",
        "smoke",
        "--duration",
        "6",
        "--workers",
        "2",
        "--host",
        bed.sim_url,
        "--core-host",
        bed.core_url,
    )
    assert run.summary is not None, run.output[-3000:]
    assert run.code == 0, run.output[-3000:]
    assert len(run.summary["workers_reported"]) == 2, run.summary
    assert run.summary["requests"] >= 20
    # the fees went end to end: the core's outbox delivered them to the simulator
    with urllib.request.urlopen(bed.core_url + "/harness/outbox?limit=1") as resp:
        counts = json.load(resp)["counts"]
    assert counts["sent"] > 0 and counts["parked"] == 0, counts
