"""The simulators' store fixture on a fresh PostgreSQL database (clock, ledger and the app as
for SQLite; a module gives the app its database by overriding `sim_config`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.store.postgres import PgStore
from tests.simulators.conftest import app, client, clock, ledger, sim

__all__ = ["app", "client", "clock", "ledger", "sim", "store"]


@pytest.fixture
def store(pg_url: str) -> Iterator[PgStore]:
    """A fresh simulators' store on PostgreSQL."""
    s = PgStore(pg_url)
    yield s
    s.close()
