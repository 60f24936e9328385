"""The core's unit-test fixtures, with the store on a fresh PostgreSQL database."""

from __future__ import annotations

from pathlib import Path

import pytest

from integration.clock import SettableClock
from integration.config import CoreConfig
from tests.integration import conftest as on_sqlite
from tests.integration.conftest import clock, core, fake, lease_clock

__all__ = ["clock", "config", "core", "fake", "lease_clock"]


@pytest.fixture
def config(
    tmp_path: Path, clock: SettableClock, lease_clock: SettableClock, pg_url: str
) -> CoreConfig:
    """The SQLite tests' config, pointed at PostgreSQL."""
    base: CoreConfig = on_sqlite.config.__wrapped__(tmp_path, clock, lease_clock)  # type: ignore[attr-defined]
    return base.with_(database_url=pg_url)
