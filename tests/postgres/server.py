"""A PostgreSQL server for the tests, or one visible line saying why there is none.

`pg_server` (session): ``$DEBITORSIM_TEST_POSTGRES_URL`` if set; else a throwaway
server started by ``scripts/postgres.sh`` when Debian's binaries are installed
(``/usr/lib/postgresql/*/bin/initdb``); else the PostgreSQL tests skip, and the
end of the run says so in one line (a terminal-summary plugin registered on first use).
`pg_url` (function): a fresh, empty database on that server, dropped afterwards.
Import both into a test module or conftest to use them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "postgres.sh"
ENV_URL = "DEBITORSIM_TEST_POSTGRES_URL"


class _Summary:
    """Says at the end of the run whether the PostgreSQL tests ran, and against what."""

    def __init__(self) -> None:
        self.line = ""

    @pytest.hookimpl(wrapper=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> Iterator[None]:
        """One line after the short test summary (so it is not lost among the skips)."""
        yield
        if self.line:
            terminalreporter.write_line(self.line, yellow="NOT" in self.line, bold=True)


def _summary(config: pytest.Config) -> _Summary:
    plugin = config.pluginmanager.get_plugin("debitorsim-postgres-summary")
    if plugin is None:
        plugin = _Summary()
        config.pluginmanager.register(plugin, "debitorsim-postgres-summary")
    return plugin  # type: ignore[no-any-return]


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` instead."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _start_server() -> tuple[str | None, str, Path | None]:
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb") and not shutil.which("initdb"):
        return None, "no PostgreSQL binaries (apt-get install -y postgresql)", None
    workdir = Path(tempfile.mkdtemp(prefix="debitorsim-pg-"))
    workdir.chmod(0o755)  # under root the server runs as `postgres`, which must reach it
    try:
        done = subprocess.run(
            [str(SCRIPT), "start", str(workdir / "pg")],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"scripts/postgres.sh start failed: {exc}", workdir
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
        return None, f"scripts/postgres.sh start failed: {tail[0]}", workdir
    return done.stdout.strip().splitlines()[-1], "started by scripts/postgres.sh", workdir


_SERVER: dict[str, str | None] = {}
"""The session's one server (``url``, ``how``): the fixture is imported in several modules."""


def _server(config: pytest.Config) -> tuple[str | None, str]:
    if "how" not in _SERVER:
        url, workdir = os.environ.get(ENV_URL), None
        how = f"from ${ENV_URL}"
        if not url:
            url, how, workdir = _start_server()
        if workdir is not None:
            config.add_cleanup(lambda: _stop_server(workdir))
        _SERVER.update(url=url, how=how)
    return _SERVER["url"], _SERVER["how"] or ""


def _stop_server(workdir: Path) -> None:
    subprocess.run([str(SCRIPT), "stop", str(workdir / "pg")], check=False, timeout=120)
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server(request: pytest.FixtureRequest) -> str:
    """The URL of a PostgreSQL server (skips every PostgreSQL test when none can be had)."""
    summary = _summary(request.config)
    url, how = _server(request.config)
    if url is None:
        summary.line = f"PostgreSQL tests were NOT run: {how}; set ${ENV_URL} to run them."
        pytest.skip(f"PostgreSQL tests not run: {how}")
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=10).close()
    except psycopg.Error as exc:
        why = str(exc).strip().splitlines()[0]
        summary.line = f"PostgreSQL tests were NOT run: cannot connect ({how}): {why}"
        pytest.skip(f"PostgreSQL not reachable: {why}")
    shown = urlsplit(url)
    summary.line = f"PostgreSQL tests ran against {shown.hostname}:{shown.port} ({how})."
    return url


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new empty database on the server; dropped (connections and all) on exit."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(server_url, name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh database for one test."""
    with fresh_database(pg_server) as url:
        yield url
