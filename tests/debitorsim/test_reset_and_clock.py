"""`debitorsim reset` and `debitorsim clock` against a running test bed."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from debitorsim.cli import main
from debitorsim.commands.clock import summary
from tests.debitorsim.conftest import Bed


def test_reset_empties_simulator_faults_and_core_and_keeps_the_clock(
    bed: Bed, capsys: pytest.CaptureFixture[str]
) -> None:
    fee = bed.create_fee("101", "0101901234", 30)
    bed.testbed.drain()
    bed.admin("POST", "/faults", json={"kind": "latency", "fixed_ms": 1})
    bed.admin("POST", "/clock", json={"advance": "P2D"})
    now = bed.admin("GET", "/clock")["now"]
    urls = ["--sim-url", bed.sim_url, "--core-url", bed.core_url]
    assert main(["reset", *urls]) == 0
    out = capsys.readouterr().out
    assert "fault rules removed: 1" in out and "1 fees" in out and "1 patrons" in out
    assert bed.admin("GET", "/stats")["claims"] == 0
    assert bed.admin("GET", "/faults")["rules"] == []
    assert (
        bed.http.get(f"{bed.core_url}/harness/fees/{fee['feeId']}", timeout=10).status_code == 404
    )
    assert bed.harness("GET", "/outbox")["messages"] == []
    assert bed.admin("GET", "/clock")["now"] == now and now in out
    # A fresh start: the same patron and fee can be made again and reconcile clean.
    bed.create_fee("101", "0101901234", 30)
    bed.testbed.drain()
    assert bed.harness("GET", "/reconcile/101")["differences"] == []


def test_core_reset_is_guarded_like_other_harness_writes(bed: Bed) -> None:
    r = bed.http.post(
        f"{bed.core_url}/harness/reset", headers={"Origin": "http://evil.example"}, timeout=10
    )
    assert r.status_code == 403
    bed.create_fee("101", "0101901234", 30)
    assert bed.harness("POST", "/reset")["removed"]["fees"] == 1


def test_reset_without_a_test_bed_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reset", "--sim-url", "http://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not running" in err[0] and "debitorsim up" in err[0]


def test_clock_advance_prints_a_summary_and_verbose_lists_jobs(
    bed: Bed, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = bed.testbed.sim
    assert sim is not None
    for hour in (10, 11, 12):
        sim.scheduler.register("cli-test", lambda ctx: None)
        sim.scheduler.schedule("cli-test", sim.clock.now().replace(hour=hour))
    url = ["--sim-url", bed.sim_url]
    assert main(["clock", "advance", "P1D", *url]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "cli-test" in line]
    assert len(lines) == 1 and lines[0].split()[-1] == "3"  # one line per kind, with the count
    assert "callback deliveries run:" in out and out.splitlines()[-1].startswith("now ")
    sim.scheduler.schedule("cli-test", sim.clock.now().replace(hour=23))
    assert main(["clock", "advance", "P1D", "--verbose", *url]) == 0
    assert len([x for x in capsys.readouterr().out.splitlines() if "cli-test" in x]) == 2


def test_clock_set_backwards_warns(bed: Bed, capsys: pytest.CaptureFixture[str]) -> None:
    url = ["--sim-url", bed.sim_url]
    assert main(["clock", "set", "2026-03-02T09:00:00+01:00", *url]) == 0
    assert "warning" not in capsys.readouterr().err
    assert main(["clock", "set", "2026-03-01T09:00:00+01:00", *url]) == 0
    err = capsys.readouterr().err
    assert "warning: the clock went BACK" in err and "2026-03-02T09:00:00+01:00" in err


def test_summary_counts_failures_per_kind() -> None:
    runs = [
        {"name": "callbacks.deliver", "status": "done", "due": "d1", "error": None},
        {"name": "callbacks.deliver", "status": "failed", "due": "d2", "error": "boom"},
        {"name": "bank.settle", "status": "done", "due": "d3", "error": None},
    ]
    lines = summary(runs)
    assert lines[0] == "ran   3 job(s), 1 failed"
    assert any("callbacks.deliver" in x and "(1 failed)" in x for x in lines)
    assert "callback deliveries run: 1" in "\n".join(lines)
    assert any("failed: d2" in x and "boom" in x for x in lines)


def test_clock_into_a_closed_pipe_is_no_traceback(bed: Bed) -> None:
    sim = bed.testbed.sim
    assert sim is not None
    sim.scheduler.register("cli-test", lambda ctx: None)
    for day in range(1, 29):
        sim.scheduler.schedule("cli-test", sim.clock.now() + timedelta(days=day))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "debitorsim.cli",
            "clock",
            "advance",
            "P30D",
            "--verbose",
            "--sim-url",
            bed.sim_url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head -0`: the reader is gone before the command writes
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err
