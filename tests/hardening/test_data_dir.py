"""A data directory the command cannot write stops `up`, `sim` and `core` with ONE clear line.

Issue 13 (13d): a read-only data dir used to end start-up in a traceback from deep in
the store (``sqlite3.OperationalError: unable to open database file``). Each case runs
the real console script in a subprocess. As root, permissions do not bind: the
command then runs without the capabilities that bypass them (``setpriv``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

DEBITORSIM = str(Path(sys.executable).with_name("debitorsim"))
COMMANDS = {
    "sim": ["sim", "--port", "0"],
    "core": ["core", "--port", "0", "--no-worker"],
    "up": ["up", "--sim-port", "0", "--core-port", "0"],
}
NO_OVERRIDE = "-dac_override,-dac_read_search"


def _as_unprivileged() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be made to bind")
    return ["setpriv", "--bounding-set", NO_OVERRIDE, "--inh-caps", NO_OVERRIDE]


def run(command: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """The console script on `data_dir` (bounded: a start that passes would serve forever)."""
    env = {k: v for k, v in os.environ.items() if k != "DEBITORSIM_DATABASE_URL"}
    return subprocess.run(
        [*_as_unprivileged(), DEBITORSIM, *COMMANDS[command], "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """An empty directory nobody may write."""
    where = tmp_path / "ro"
    where.mkdir()
    where.chmod(stat.S_IRUSR | stat.S_IXUSR)
    yield where
    where.chmod(stat.S_IRWXU)


def assert_one_clear_line(done: subprocess.CompletedProcess[str], command: str, where: Path) -> str:
    """Exit 1, no traceback, one line on stderr saying what, where and how to fix."""
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    [line] = lines
    assert line.startswith(f"debitorsim {command}: cannot write to the data directory {where}")
    assert "Permission denied" in line and "--data-dir" in line and "chmod" in line
    return line


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_read_only_data_dir_stops_the_start_with_one_clear_line(
    command: str, read_only: Path
) -> None:
    assert_one_clear_line(run(command, read_only), command, read_only)
    assert list(read_only.iterdir()) == []


@pytest.mark.parametrize("command", ["sim", "core"])
def test_a_missing_data_dir_under_a_read_only_parent_is_reported_too(
    command: str, read_only: Path
) -> None:
    where = read_only / "data"
    assert_one_clear_line(run(command, where), command, where)


def test_a_read_only_database_file_is_named(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "sim.sqlite3").close()
    (tmp_path / "sim.sqlite3").chmod(stat.S_IRUSR)
    line = assert_one_clear_line(run("sim", tmp_path), "sim", tmp_path)
    assert "(file sim.sqlite3)" in line
