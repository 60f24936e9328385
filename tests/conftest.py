"""Fixtures every test folder may use: the database a store runs on (`backend`), the
PostgreSQL server behind it (`pg_server`, `pg_url`), seeded test data (`fake`), and a
simulator served on a loopback port per module (`served`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from debitorsim.serving import ServerThread
from oeir import testdata
from simulators import SimConfig, create_app, simulator_of
from simulators.engine import Simulator
from tests.backends import backend
from tests.postgres.server import pg_server, pg_url

__all__ = ["backend", "pg_server", "pg_url"]


@pytest.fixture
def fake() -> Any:
    """Danish test data (CPR numbers, names) from a fixed seed."""
    return testdata.faker(7)


@dataclass
class Served:
    """A running simulator: its app, server and `Simulator`."""

    app: Flask
    server: ServerThread
    sim: Simulator

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return self.server.base_url


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One simulator per test module, served on a free loopback port."""
    data_dir = tmp_path_factory.mktemp("sim")
    app = create_app(SimConfig(data_dir=data_dir, synchronous="OFF"))
    with ServerThread(app) as server:
        yield Served(app, server, simulator_of(app))
    simulator_of(app).close()
