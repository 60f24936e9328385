"""Fixtures for the integration core's unit tests: a settable clock and a core on SQLite."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from integration.clock import SettableClock
from integration.config import CoreConfig, MunicipalityRules, OutboxSettings
from integration.core import Core
from integration.domain.model import FeeType, Material
from integration.fbs.service import NewFee
from tests.backends import Backend

SP = "http://sp.test"
AGENCY = "DK-710100"  # København, kommune 101


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
def lease_clock() -> SettableClock:
    """The real-time source of outbox leases, moved by hand (another start than `clock`)."""
    return SettableClock(datetime(2026, 12, 2, 7, 0, tzinfo=UTC))


@pytest.fixture
def config(
    backend: Backend, tmp_path: Path, clock: SettableClock, lease_clock: SettableClock
) -> CoreConfig:
    """The core's settings, its store on SQLite (or PostgreSQL on `backend` postgres)."""
    base = CoreConfig(
        db_path=str(tmp_path / "core.sqlite"),
        clock=clock,
        lease_clock=lease_clock,
        sp_url=SP,
        default_rules=MunicipalityRules(block_threshold_oere=10_000),
        municipalities={
            "101": MunicipalityRules(
                block_threshold_oere=10_000,
                due_days=30,
                timely_days=5,
                payment_url="https://betal.kk.dk/",
                max_text_length=40,
            )
        },
        outbox=OutboxSettings(backoff_base_s=10, backoff_cap_s=600, jitter=0.0, batch_size=20),
    )
    return base.with_(database_url=backend.url) if backend.url else base


@pytest.fixture
def core(config: CoreConfig) -> Core:
    c = Core.build(config)
    c.worker.rng = random.Random(1)
    yield c
    c.store.close()


def new_fee(
    fake, amount: int = 3000, kind: FeeType = FeeType.FEE, cpr: str | None = None, **kw
) -> NewFee:
    """A harness fee request for a (new or given) patron of agency DK-710100."""
    return NewFee(
        agency_id=kw.pop("agency_id", AGENCY),
        type=kind,
        reason_message=kw.pop("reason_message", "Gebyr (for sent)"),
        amount=amount,
        cpr=cpr or fake.cpr(),
        name=kw.pop("name", "Test Person"),
        materials=(Material(material_item_number="3846990827", record_id="870970-basis:29630364"),),
        **kw,
    )
