"""Shared fixtures of the simulator tests: a store on a temp dir, a frozen clock, a ledger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators.clock import VirtualClock
from simulators.ledger import Ledger
from simulators.store import SqliteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    """A fresh SQLite store in WAL mode."""
    s = SqliteStore(tmp_path / "sim.sqlite3", synchronous="OFF")
    yield s
    s.close()


@pytest.fixture
def clock() -> VirtualClock:
    """A frozen clock at its default start (Monday 5 January 2026, 08:00)."""
    return VirtualClock()


@pytest.fixture
def ledger(store: SqliteStore, clock: VirtualClock) -> Ledger:
    """A ledger over the fresh store."""
    return Ledger(store, clock)
