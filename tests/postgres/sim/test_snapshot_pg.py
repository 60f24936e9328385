"""tests/simulators/test_snapshot.py, every test, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators import SimConfig
from tests.postgres.server import fresh_database
from tests.simulators.test_snapshot import *  # noqa: F403


@pytest.fixture
def sim_config(tmp_path: Path, pg_url: str) -> SimConfig:
    """The simulators on a fresh PostgreSQL database."""
    return SimConfig(data_dir=tmp_path, database_url=pg_url)


@pytest.fixture
def other_config(tmp_path: Path, pg_server: str) -> Iterator[SimConfig]:
    """A second, fresh PostgreSQL database."""
    with fresh_database(pg_server) as url:
        yield SimConfig(data_dir=tmp_path / "other", database_url=url)
