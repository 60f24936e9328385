"""A simulator and an integration core on loopback, for SOAP clients we did not write."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from integration.config import CoreConfig, MunicipalityRules, OutboxSettings
from integration.core import Core
from integration.web.app import create_app as create_core_app
from simulators import SimConfig, create_app, simulator_of
from simulators.clock import VirtualClock
from simulators.engine import Simulator
from tests.clients.plan import Claim
from tests.simulators.conftest import tenant_for
from wsgiserve import ServerThread


@dataclass
class Pair:
    """The running simulator and core, and the municipality the clients call for."""

    sim: Simulator
    sim_url: str
    core: Core
    core_url: str
    kode: str

    def claim(self, cpr: str) -> tuple[str, Claim]:
        """A fee handed over to the debtor system: its fee id and the claim both sides hold."""
        body = {
            "agencyId": f"DK-7{self.kode}00",
            "type": "fee",
            "reasonMessage": "Gebyr (for sent)",
            "amount": 30,
            "patron": {"cpr": cpr, "name": "Ane Testsen"},
        }
        fee = requests.post(f"{self.core_url}/harness/fees", json=body, timeout=10).json()
        self.core.worker.drain()
        stored = self.sim.ledger.claim(self.kode, fee["fordringId"])
        assert stored is not None, fee
        return fee["feeId"], Claim(fee["fordringId"], stored.konto)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Both sides, sharing one virtual clock, for one municipality with every feature (Opus)."""
    tmp = tmp_path_factory.mktemp("clients")
    clock = VirtualClock()
    sim_app = create_app(SimConfig(data_dir=tmp / "sim", clock=clock, synchronous="OFF"))
    sim = simulator_of(sim_app)
    kode = tenant_for(sim, "opus").kode
    with ServerThread(sim_app) as sim_server:
        config = CoreConfig(
            db_path=str(tmp / "core.sqlite"),
            clock=clock,
            sp_url=sim_server.base_url,
            municipalities={kode: MunicipalityRules(block_threshold_oere=10_000)},
            outbox=OutboxSettings(http_timeout_s=5),
        )
        core = Core.build(config)
        with ServerThread(create_core_app(core=core)) as core_server:
            yield Pair(sim, sim_server.base_url, core, core_server.base_url, kode)
        core.store.close()
    sim.close()
