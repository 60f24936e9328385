"""Runs of `debitorsim scenarios` as a real subprocess, shared by the report tests."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

# A quick subset: three KLIK areas and every scenario that measures the citizen's experience.
SUBSET = "gebyr_og_et_erstatningskrav or lørdag or spærret or rykkergebyr or modtaget"


@dataclass
class Run:
    """One finished `debitorsim scenarios` run."""

    rc: int
    out: str
    report: Path


def run_scenarios(report: Path, *args: str) -> Run:
    """`debitorsim scenarios ... --report DIR` in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-m", "debitorsim.cli", "scenarios", "--report", str(report), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return Run(proc.returncode, proc.stdout + proc.stderr, report)


@pytest.fixture(scope="session")
def eg_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The EG examples (and system-neutral scenarios) of a subset of the suite."""
    report = tmp_path_factory.mktemp("eg-report")
    return run_scenarios(report, "--system", "eg", "-k", SUBSET)
