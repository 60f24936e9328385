"""The README's first session runs as written, against a test bed started as `make run` does.

The commands are read from README.md itself (so the two cannot drift): the first code block
of "A first session" must be `make run`, which this test replaces by `debitorsim up` on free
ports; each command of the next block runs as written (curl in a shell, the CLI as the venv's
`debitorsim`), with the ports swapped for the test bed's, and its answer is checked. The
browser line is not run: its URL is fetched instead. Then the "start fresh" block.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

REPO = Path(__file__).resolve().parents[3]
README = REPO / "README.md"
CORE_PORT, SIM_PORT = "8080", "8081"
"""The ports the README's commands use (`debitorsim up`'s defaults)."""

pytestmark = pytest.mark.skipif(
    shutil.which("curl") is None, reason="curl is not installed (the README's commands use it)"
)


# -- reading the README ------------------------------------------------------------------


def section(title: str) -> str:
    """The README text under `## title`, up to the next `## ` heading."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def sh_blocks(text: str) -> list[str]:
    """The ```sh code blocks of `text`, in order."""
    return re.findall(r"^```sh\n(.*?)^```$", text, re.M | re.S)


def commands(block: str) -> list[str]:
    """The shell commands of a code block: comment lines dropped, continued lines joined.

    A command ends where its line does not end in a backslash and no quote is left open
    (the fee's JSON spans two lines inside single quotes).
    """
    out: list[str] = []
    pending = ""
    for line in block.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line + "\n"
        if line.endswith("\\"):
            continue
        try:
            shlex.split(pending, comments=True)
        except ValueError:  # an open quote: the command goes on
            continue
        out.append(pending.rstrip("\n"))
        pending = ""
    assert not pending, f"unterminated command in the README: {pending!r}"
    return out


# -- the test bed ------------------------------------------------------------------------


def venv_debitorsim() -> list[str]:
    """The venv's `debitorsim` (the one `make run` installs), as an argv prefix."""
    script = Path(sys.executable).parent / "debitorsim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "debitorsim.cli"]


class Bed:
    """A `debitorsim up` on free ports in its own data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.proc = subprocess.Popen(
            [
                *venv_debitorsim(),
                "up",
                "--sim-port",
                "0",
                "--core-port",
                "0",
                "--data-dir",
                str(data_dir),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        lines = []
        for line in self.proc.stdout:  # blocks until the banner is out: no sleeping
            lines.append(line)
            if "Ctrl-C" in line:
                break
        banner = "".join(lines)
        urls = dict(re.findall(r"^\s+(.+?)\s{2,}(https?://\S+)$", banner, re.M))
        assert "core: FBS harness (index)" in urls and "simulator: dashboard" in urls, banner
        self.core = urls["core: FBS harness (index)"].rstrip("/")
        self.sim = urls["simulator: dashboard"].rstrip("/")

    def localize(self, command: str) -> str:
        """`command` aimed at this test bed: its ports, the venv's CLI with its URLs."""
        core_port = self.core.rsplit(":", 1)[1]
        sim_port = self.sim.rsplit(":", 1)[1]
        command = re.sub(
            rf"(127\.0\.0\.1|localhost):{CORE_PORT}\b", f"127.0.0.1:{core_port}", command
        )
        command = re.sub(
            rf"(127\.0\.0\.1|localhost):{SIM_PORT}\b", f"127.0.0.1:{sim_port}", command
        )
        if command.startswith(".venv/bin/debitorsim "):
            argv = shlex.split(command, comments=True)
            options = cli_help(argv[1])
            extra = []
            if "--sim-url" in options:
                extra += ["--sim-url", self.sim]
            if "--core-url" in options:
                extra += ["--core-url", self.core]
            command = shlex.join([*venv_debitorsim(), *argv[1:], *extra])
        return command

    def run(self, command: str) -> subprocess.CompletedProcess[str]:
        """Run one README command (localized) in a shell from the repository folder."""
        return subprocess.run(
            ["bash", "-c", self.localize(command)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def get(self, path: str) -> Any:
        r = requests.get(path if path.startswith("http") else self.core + path, timeout=10)
        r.raise_for_status()
        return r.json()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()


def cli_help(command: str) -> str:
    """`debitorsim COMMAND --help` (empty when there is no such command)."""
    done = subprocess.run(
        [*venv_debitorsim(), command, "--help"], capture_output=True, text=True, timeout=60
    )
    return done.stdout if done.returncode == 0 else ""


def eventually(fetch: Callable[[], Any], ok: Callable[[Any], bool], what: str) -> Any:
    """`fetch()` again until `ok` (the background worker may hold the message a moment).

    No sleeping: each try is a real request. The deadline only bounds a broken run.
    """
    deadline = time.monotonic() + 30
    while True:
        value = fetch()
        if ok(value):
            return value
        assert time.monotonic() < deadline, f"{what}: still {value!r}"


@pytest.fixture
def bed(tmp_path: Path) -> Iterator[Bed]:
    b = Bed(tmp_path / "data")
    try:
        yield b
    finally:
        b.stop()


# -- the session ---------------------------------------------------------------------------


def test_the_first_session_runs_as_written(bed: Bed) -> None:
    blocks = sh_blocks(section("A first session"))
    assert len(blocks) >= 3, "expected: make run; the session; starting fresh"
    assert commands(blocks[0]) == ["make run"]
    assert "$(BIN)/debitorsim up" in (REPO / "Makefile").read_text(), "make run is debitorsim up"
    session = commands(blocks[1])
    assert len(session) == 4, session
    create, deliver, advance, browse = session

    # 1. The fee for a patron in København, on KMD Opus.
    assert "/harness/fees" in create and "DK-710100" in create
    tenant = bed.get(f"{bed.sim}/admin/tenants/101")
    assert (tenant["navn"], tenant["system"], tenant["assignment"]) == (
        "København",
        "opus",
        "public",
    )
    done = bed.run(create)
    assert done.returncode == 0, done.stderr
    fee = json.loads(done.stdout)
    assert fee["fordringId"] == f"FBS-710100-{fee['feeId']}"
    assert (fee["status"], fee["amount"], fee["kommunekode"]) == ("open", 30, "101")

    # 2. Delivered: by this drain or by the worker, and the debtor system has the claim.
    assert deliver.startswith("curl") and "/harness/outbox/run" in deliver
    done = bed.run(deliver)
    assert done.returncode == 0, done.stderr
    drained = json.loads(done.stdout)
    assert set(drained) == {"sent", "retried", "parked"} and drained["sent"] in (0, 1)
    assert (drained["retried"], drained["parked"]) == (0, 0)
    counts = eventually(
        lambda: bed.get("/harness/outbox")["counts"], lambda c: c["pending"] == 0, "outbox"
    )
    assert (counts["sent"], counts["parked"]) == (1, 0)
    assert bed.get(f"/harness/fees/{fee['feeId']}")["handedOver"] is True
    claim = bed.get(f"{bed.sim}/admin/claims/101/{fee['fordringId']}")
    assert claim["saldo"] == 3000

    # 3. The clock moves three days, and the command says where it is now.
    assert advance.startswith(".venv/bin/debitorsim clock advance P3D")
    before = datetime.fromisoformat(bed.get(f"{bed.sim}/admin/clock")["now"])
    done = bed.run(advance)
    assert done.returncode == 0, done.stdout + done.stderr
    after = datetime.fromisoformat(bed.get(f"{bed.sim}/admin/clock")["now"])
    assert after - before == timedelta(days=3)
    assert after.date().isoformat() in done.stdout

    # 4. The dashboard URL answers and shows København's claim (the browser is not opened).
    argv = shlex.split(browse, comments=True)
    assert argv[:3] == ["python3", "-m", "webbrowser"] and len(argv) == 4, browse
    page = requests.get(bed.localize(argv[3]), timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "København" in page.text and "KMD Opus" in page.text
    assert fee["fordringId"] in page.text

    # Start fresh: the reset commands empty what the session made.
    fresh = commands(blocks[2])
    reset_cli = next(c for c in fresh if c.startswith(".venv/bin/debitorsim reset"))
    reset_sim = next(c for c in fresh if "/admin/reset" in c)
    assert "make clean" in [shlex.join(shlex.split(c, comments=True)) for c in fresh]
    clean = re.search(r"^clean:\n\t(.*)$", (REPO / "Makefile").read_text(), re.M)
    assert clean and {"$(VENV)", ".debitorsim", "reports"} <= set(clean.group(1).split())
    assert "VENV   ?= .venv" in (REPO / "Makefile").read_text()
    done = bed.run(reset_sim)
    assert done.returncode == 0 and json.loads(done.stdout)["claims"] == 0, done.stderr
    page = requests.get(bed.localize(argv[3]), timeout=10)
    assert page.status_code == 200 and fee["fordringId"] not in page.text
    if cli_help("reset"):  # `debitorsim reset` also empties the core
        done = bed.run(reset_cli)
        assert done.returncode == 0, done.stdout + done.stderr
        assert not any(bed.get("/harness/outbox")["counts"].values())
        r = requests.get(f"{bed.core}/harness/fees/{fee['feeId']}", timeout=10)
        assert r.status_code == 404
    assert datetime.fromisoformat(bed.get(f"{bed.sim}/admin/clock")["now"]) == after


def test_the_readme_names_every_place_a_report_is_written() -> None:
    text = section("A first session")
    for place in (
        ".debitorsim/sim.sqlite3",
        ".debitorsim/core.sqlite3",
        "reports/scenarios/readiness.html",
        "reports/load-P.html",
        "reports/bench.json",
        "source .venv/bin/activate",
        ".venv/bin/debitorsim",
        "Ctrl-C",
    ):
        assert place in text, place
    assert "\nopen " not in text, "macOS-only `open`"
