"""Shared fixtures of the load tests: a test bed under gunicorn, and running the CLI.

Locust (and gevent's monkeypatching) only ever runs in subprocesses: this pytest
process imports neither.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from load.support.testbed import TestBed


@dataclass(frozen=True)
class LoadRun:
    """What one `debitorsim load` run left behind."""

    code: int
    output: str
    summary: dict[str, Any] | None
    reports: Path


def run_load(reports: Path, *args: str, timeout: float = 120) -> LoadRun:
    """`debitorsim load --reports <reports> ARGS` in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-m", "debitorsim.cli", "load", "--reports", str(reports), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    profile = args[args.index("--profile") + 1] if "--profile" in args else "smoke"
    summary_file = reports / f"load-{profile}.json"
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else None
    return LoadRun(proc.returncode, proc.stdout + proc.stderr, summary, reports)


@pytest.fixture(scope="package")
def bed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestBed]:
    """Simulator + core under gunicorn on ephemeral loopback ports, shared by the package."""
    with TestBed(tmp_path_factory.mktemp("bed"), sim_workers=1, sim_threads=8) as tb:
        yield tb
