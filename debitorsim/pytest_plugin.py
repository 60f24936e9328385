"""debitorsim's pytest plugin: a simulator as fixtures in a vendor's own test suite.

Registered by the ``pytest11`` entry point, so ``pip install debitorsim`` is all it takes.
It only adds options and fixtures (no autouse fixture, no collection hook): a suite that
uses none of them runs exactly as before, and nothing starts until a test asks.

Fixtures (docs/vendors.md):

- ``debitorsim_sim``: the simulator, back at the session's starting state before the test
  (reset, or the snapshot given); its URLs, Serviceplatformen values, faults, snapshots;
- ``debitorsim_clock``: the virtual clock (`now`, `advance`, `set`, `next_nightly_run`);
- ``debitorsim_verify``: what the simulator received, as counts and assertions;
- ``debitorsim_core``: the integration core (the FBS side) beside the simulator;
- ``debitorsim_server``: the session's server itself (`debitorsim.testkit.TestServer`).

Options (command line, or the ini key in brackets): ``--debitorsim-url`` (a simulator
already running; nothing is started), ``--debitorsim-core-url``, ``--debitorsim-token``,
``--debitorsim-data-dir``, ``--debitorsim-database-url``, ``--debitorsim-clock-start``,
``--debitorsim-snapshot``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from debitorsim.testkit import Clock, Core, Sim, TestServer, Verify

OPTIONS = (
    ("url", "a debitorsim simulator already running (e.g. http://127.0.0.1:8081): use it, "
     "start nothing; every test resets it"),
    ("core-url", "with --debitorsim-url: its integration core (for debitorsim_core)"),
    ("token", "admin Bearer token of that simulator (default: $DEBITORSIM_ADMIN_TOKEN)"),
    ("data-dir", "where the simulator started here keeps its files (default: a temp dir)"),
    ("database-url", "postgresql://... for the stores of the servers started here"),
    ("clock-start", "virtual start time (ISO 8601) of the simulator started here"),
    ("snapshot", "a snapshot file (`debitorsim snapshot save`) every test starts from"),
)  # fmt: skip


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--debitorsim-*`` options, each also an ini key ``debitorsim_*``."""
    group = parser.getgroup("debitorsim", "debitorsim simulator fixtures")
    for name, help_text in OPTIONS:
        group.addoption(f"--debitorsim-{name}", default=None, help=help_text)
        parser.addini(f"debitorsim_{name.replace('-', '_')}", help_text, default=None)


def _option(config: pytest.Config, name: str) -> str | None:
    value = config.getoption(f"--debitorsim-{name}")
    if value is None:
        value = config.getini(f"debitorsim_{name.replace('-', '_')}")
    return str(value) if value else None


def _path(config: pytest.Config, name: str) -> Path | None:
    """A path option; one from the ini file is relative to that file's folder."""
    value = config.getoption(f"--debitorsim-{name}")
    if value:
        return Path(value)
    value = config.getini(f"debitorsim_{name.replace('-', '_')}")
    if not value:
        return None
    path = Path(str(value))
    return path if path.is_absolute() or config.inipath is None else config.inipath.parent / path


@pytest.fixture(scope="session")
def debitorsim_server(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestServer]:
    """The session's simulator (and core): started here on free ports, or the one given by
    ``--debitorsim-url``. Tests use `debitorsim_sim`, which resets it first."""
    from debitorsim.testkit import ServerOptions, TestServer

    start = _option(pytestconfig, "clock-start")
    options = ServerOptions(
        url=_option(pytestconfig, "url"),
        core_url=_option(pytestconfig, "core-url"),
        token=_option(pytestconfig, "token") or os.environ.get("DEBITORSIM_ADMIN_TOKEN"),
        data_dir=_path(pytestconfig, "data-dir") or tmp_path_factory.mktemp("debitorsim"),
        database_url=_option(pytestconfig, "database-url"),
        clock_start=datetime.fromisoformat(start) if start else None,
        snapshot=_path(pytestconfig, "snapshot"),
    )
    server = TestServer(options).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def debitorsim_sim(debitorsim_server: TestServer) -> Sim:
    """The simulator, reset to the session's starting state for this test: no claims, no
    fault rules, no journaled calls, the clock at the start time (or the snapshot given)."""
    debitorsim_server.reset()
    return debitorsim_server.sim


@pytest.fixture
def debitorsim_clock(debitorsim_sim: Sim) -> Clock:
    """The simulator's virtual clock: ``now()``, ``advance("P3D")``, ``set(iso)``,
    ``next_nightly_run(kode)``, ``to_next_nightly_run(kode)``."""
    return debitorsim_sim.clock


@pytest.fixture
def debitorsim_verify(debitorsim_sim: Sim) -> Verify:
    """What the simulator received: ``count(...)``, ``find(...)``, ``assert_called(...)``."""
    return debitorsim_sim.verify


@pytest.fixture
def debitorsim_core(debitorsim_server: TestServer, debitorsim_sim: Sim) -> Core:
    """The integration core (FBS side) beside the simulator, reset with it."""
    core = debitorsim_server.core
    if core is None:
        pytest.fail(
            "debitorsim_core: no integration core; with --debitorsim-url give "
            "--debitorsim-core-url too",
            pytrace=False,
        )
    return core
