"""The simulators' store fixture on a fresh PostgreSQL database (clock and ledger as for SQLite)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.store.postgres import PgStore
from tests.simulators.conftest import clock, ledger

__all__ = ["clock", "ledger", "store"]


@pytest.fixture
def store(pg_url: str) -> Iterator[PgStore]:
    """A fresh simulators' store on PostgreSQL."""
    s = PgStore(pg_url)
    yield s
    s.close()
