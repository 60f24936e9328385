"""tests/simulators/test_call_replay.py, every test, on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulators import SimConfig
from tests.simulators.test_call_replay import *  # noqa: F403


@pytest.fixture
def sim_config(tmp_path: Path, pg_url: str) -> SimConfig:
    """The simulators on a fresh PostgreSQL database."""
    return SimConfig(data_dir=tmp_path, database_url=pg_url)
