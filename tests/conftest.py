"""Fixtures every test folder may use: the database a store runs on (`backend`), the
PostgreSQL server behind it (`pg_server`, `pg_url`), seeded test data (`fake`), a
simulator served on a loopback port per module (`served`), and one on a frozen clock
handed in, called over HTTP with admin helpers (`frozen_served` per module; `http_sim`,
the same with no fault rules before and after each test)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from flask import Flask

from oeir import testdata
from oeir.services import Service
from simulators import SimConfig, create_app, simulator_of
from simulators.clock import VirtualClock
from simulators.engine import Simulator
from tests.backends import backend
from tests.postgres.server import pg_server, pg_url
from wsgiserve import ServerThread

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


@dataclass
class HttpSim(Served):
    """A served simulator on a clock the test holds, and helpers to call it over HTTP."""

    clock: VirtualClock
    http: requests.Session

    def admin(self, method: str, path: str, expect: int | None = None, **kw: Any) -> Any:
        """Call the admin API; the JSON answer (asserting `expect`, else a 2xx)."""
        r = self.http.request(method, f"{self.base_url}/admin{path}", timeout=10, **kw)
        if expect is None:
            assert r.status_code < 300, (r.status_code, r.text)
        else:
            assert r.status_code == expect, (r.status_code, r.text)
        return r.json()

    def fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule; its JSON."""
        found: dict[str, Any] = self.admin("POST", "/faults", json=rule)
        return found

    def post(
        self, service: Service, body: bytes, timeout: float = 10, **kw: Any
    ) -> requests.Response:
        """POST raw bytes to a SOAP endpoint (fresh connection)."""
        return requests.post(
            self.base_url + service.path,
            data=body,
            headers={"Content-Type": "text/xml; charset=utf-8"},
            timeout=timeout,
            **kw,
        )


@pytest.fixture(scope="module")
def frozen_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpSim]:
    """One simulator per module (frozen clock), served on a free loopback port."""
    clock = VirtualClock()
    data_dir = tmp_path_factory.mktemp("sim")
    app = create_app(SimConfig(data_dir=data_dir, clock=clock, synchronous="OFF"))
    with ServerThread(app) as server, requests.Session() as http:
        yield HttpSim(app, server, simulator_of(app), clock, http)
        simulator_of(app).faults.clear()
    simulator_of(app).close()


@pytest.fixture
def http_sim(frozen_served: HttpSim) -> Iterator[HttpSim]:
    """The module's frozen-clock simulator with no fault rules before and after the test."""
    frozen_served.sim.faults.clear()
    yield frozen_served
    frozen_served.sim.faults.clear()
