"""`debitorsim up`'s banner tells what an earlier run left; a port in use is named with its flag."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests


@contextmanager
def up(data_dir: Path, *ports: str) -> Iterator[tuple[str, dict[str, str]]]:
    """`debitorsim up` as a real process; yields its banner and URLs, stops it with SIGTERM."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "debitorsim.cli", "up", "--data-dir", str(data_dir), *ports],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:  # blocks until the banner is out: no sleeping
            lines.append(line)
            if line.startswith("Ctrl-C"):
                break
        out = "".join(lines)
        assert out, proc.stderr.read() if proc.stderr else ""
        yield out, dict(re.findall(r"^\s+(.+?)\s{2,}(http://\S+)$", out, re.M))
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "debitorsim.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_banner_says_fresh_then_what_was_kept_and_ports_in_use_are_explained(
    tmp_path: Path,
) -> None:
    free = ("--sim-port", "0", "--core-port", "0")
    with up(tmp_path, *free) as (out, urls):
        assert "fresh: nothing kept from an earlier run" in out
        sim = urls["simulator: admin API"].rstrip("/").removesuffix("/admin")
        core = urls["core: FBS harness (index)"].rstrip("/")
        fee = {
            "agencyId": "DK-756100",
            "type": "fee",
            "reasonMessage": "Gebyr (for sent)",
            "amount": 30,
            "patron": {"cpr": "0101901234", "name": "Ane Testsen"},
            "materials": [{"materialItemNumber": "1", "recordId": "870970-basis:1"}],
        }
        assert requests.post(f"{core}/harness/fees", json=fee, timeout=10).status_code == 201
        # `up` runs the outbox worker too: it may send the fee before (or while) we ask.
        deadline = time.monotonic() + 30
        while requests.get(f"{core}/harness/outbox", timeout=10).json()["counts"]["sent"] != 1:
            assert time.monotonic() < deadline, "the fee was never sent"
            requests.post(f"{core}/harness/outbox/run", timeout=30)
        rule = {"kind": "latency", "fixed_ms": 1}
        assert requests.post(f"{sim}/admin/faults", json=rule, timeout=10).status_code == 201

        sim_port, core_port = sim.rsplit(":", 1)[1], core.rsplit(":", 1)[1]
        taken = _run("up", "--data-dir", str(tmp_path / "b"), "--sim-port", sim_port)
        assert taken.returncode == 1 and "Traceback" not in taken.stderr
        assert f"port {sim_port}" in taken.stderr and "--sim-port" in taken.stderr
        assert "a debitorsim simulator already runs there" in taken.stderr
        taken = _run(
            "up", "--data-dir", str(tmp_path / "c"), "--sim-port", "0", "--core-port", core_port
        )
        assert taken.returncode == 1 and "--core-port" in taken.stderr
        assert "a debitorsim integration core already runs there" in taken.stderr
        taken = _run("sim", "--data-dir", str(tmp_path / "d"), "--port", core_port)
        assert taken.returncode == 1 and "--port" in taken.stderr
        assert "integration core already runs there" in taken.stderr

    with up(tmp_path, *free) as (out, _):
        line = next(x for x in out.splitlines() if x.strip().startswith("state"))
        assert "KEPT from the last run" in line
        assert "1 claim(s) on 1 account(s)" in line and "1 FBS fee(s) in the core" in line
        assert "1 fault rule(s) still active" in line and "debitorsim reset" in line


def test_a_port_held_by_another_program_is_not_called_a_debitorsim(tmp_path: Path) -> None:
    import socket

    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = str(other.getsockname()[1])
        taken = _run("core", "--data-dir", str(tmp_path), "--port", port)
    assert taken.returncode == 1 and "Traceback" not in taken.stderr
    assert "another program uses it" in taken.stderr and "--port" in taken.stderr


def _sim_banner(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "debitorsim.cli", "sim", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:  # the banner ends with the state line: no sleeping
        lines.append(line)
        if line.strip().startswith("state"):
            break
    return proc, "".join(lines)


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)


def test_sim_banner_says_fault_rules_are_kept(tmp_path: Path) -> None:
    proc, out = _sim_banner(tmp_path)
    try:
        assert "fresh: nothing kept from an earlier run" in out, out
        base = re.search(r"listening on (http://\S+)", out)
        assert base is not None
        rule = {"kind": "latency", "fixed_ms": 1}
        r = requests.post(f"{base.group(1)}/admin/faults", json=rule, timeout=10)
        assert r.status_code == 201
    finally:
        _stop(proc)
    proc, out = _sim_banner(tmp_path)
    try:
        assert "KEPT from the last run: 1 fault rule(s) still active" in out, out
    finally:
        _stop(proc)
