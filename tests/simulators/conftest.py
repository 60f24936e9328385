"""Shared fixtures of the simulator tests: a store on a temp dir, a frozen clock, a ledger."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from oeir import kommuner, model
from simulators import SimConfig, create_app, simulator_of
from simulators.clock import VirtualClock
from simulators.engine import Simulator
from simulators.ledger import Ledger
from simulators.store import SqliteStore
from simulators.store.base import Store
from simulators.store.postgres import PgStore
from simulators.tenants import Tenant
from tests.backends import Backend


@pytest.fixture
def store(backend: Backend, tmp_path: Path) -> Iterator[Store]:
    """A fresh store: SQLite in WAL mode, or PostgreSQL when the test runs on `backend` postgres."""
    s: Store = (
        PgStore(backend.url)
        if backend.url
        else SqliteStore(tmp_path / "sim.sqlite3", synchronous="OFF")
    )
    yield s
    s.close()


@pytest.fixture
def clock() -> VirtualClock:
    """A frozen clock at its default start (Monday 5 January 2026, 08:00)."""
    return VirtualClock()


@pytest.fixture
def ledger(store: Store, clock: VirtualClock) -> Ledger:
    """A ledger over the fresh store."""
    return Ledger(store, clock)


def tenant_for(sim: Simulator, system: str) -> Tenant:
    """A municipality running `system`: the public one where there is one, else the first."""
    tenants = sim.tenants.for_system(system)
    public = [t for t in tenants if not t.illustrative]
    return (public or tenants)[0]


def sp_header(tenant: Tenant, service: str = "DebitorRegistreringAfsend") -> model.SpHeader:
    """The Serviceplatformen headers FBS sends for `tenant`."""
    return model.SpHeader(
        invocation_context=model.InvocationContext(
            service_agreement_uuid=tenant.service_agreement_uuid,
            user_system_uuid=kommuner.FBS_USER_SYSTEM_UUID,
            user_uuid="00000000-0000-4000-8000-00000000f8b5",
            service_uuid=kommuner.service_uuid(service),
            callers_service_call_identifier=f"call-{uuid.uuid4()}",
        ),
        authority_context=model.AuthorityContext(municipality_cvr=tenant.cvr),
    )


# The app on a fresh database (SQLite, or PostgreSQL on `backend` postgres), per test.
@pytest.fixture
def sim_config(backend: Backend, tmp_path: Path) -> SimConfig:
    """The simulators on a fresh database."""
    if backend.url:
        return SimConfig(data_dir=tmp_path, database_url=backend.url)
    return SimConfig(data_dir=tmp_path, synchronous="OFF")


@pytest.fixture
def app(sim_config: SimConfig) -> Iterator[Flask]:
    """The simulators' app."""
    app = create_app(sim_config)
    yield app
    simulator_of(app).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An HTTP client of the app."""
    return app.test_client()


@pytest.fixture
def sim(app: Flask) -> Simulator:
    """The app's `Simulator`."""
    return simulator_of(app)
