"""The database under a store-level test: SQLite, or a fresh PostgreSQL database.

`backend` is one fixture for both sides (the simulators' store and the core's store): the
store fixtures (`store` and `sim_config` in tests/simulators, `config` in tests/integration)
build their store from it. Unparametrised it is SQLite; a module whose tests must hold on both
databases says so once, with ``pytestmark = each_backend``, and each of its tests then runs as
``[sqlite]`` and ``[postgres]``. The PostgreSQL run skips, with the one-line reason of
`tests.postgres.server.pg_server`, when no server can be had.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import pytest

from tests.postgres.server import fresh_database

BACKENDS = ("sqlite", "postgres")


@dataclass(frozen=True)
class Backend:
    """Which database a test runs on, and (for PostgreSQL) where."""

    name: str
    """``"sqlite"`` or ``"postgres"``."""
    url: str | None = None
    """A fresh PostgreSQL database for this test; None on SQLite (the store is a file)."""
    server: str | None = None
    """The PostgreSQL server, for a second fresh database; None on SQLite."""

    def another_database(self) -> AbstractContextManager[str | None]:
        """A second fresh database on the same server (dropped on exit); None on SQLite."""
        return fresh_database(self.server) if self.server else nullcontext(None)


on_each_backend = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
"""Test mark: the test (which uses `backend`, directly or through a store fixture) on both."""

each_backend = [pytest.mark.usefixtures("backend"), on_each_backend]
"""Module mark (``pytestmark = each_backend``): every test in the module on both."""


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """SQLite, or (parametrised to ``"postgres"``) a fresh PostgreSQL database."""
    name = getattr(request, "param", "sqlite")
    if name == "sqlite":
        yield Backend(name)
        return
    if name != "postgres":
        raise ValueError(f"unknown backend {name!r}; one of {BACKENDS}")
    server: str = request.getfixturevalue("pg_server")
    with fresh_database(server) as url:
        yield Backend(name, url, server)
