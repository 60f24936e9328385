"""End-to-end test bed: the simulator and the integration core over real loopback HTTP.

Both apps are built through their public factories and meet only over HTTP/SOAP.
They share one virtual clock; nothing sleeps. The core's per-municipality rules
are read from the simulator's tenant registry over its admin API.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from integration.config import CoreConfig, MunicipalityRules, OutboxSettings
from integration.core import Core
from integration.web.app import create_app as create_core_app
from oeir import testdata
from oeir.services import DAEKNING_AFSKRIVNING
from simulators.app import create_app as create_sim_app
from simulators.clock import VirtualClock
from simulators.config import SimConfig
from simulators.tenants import representative_kommuner
from wsgiserve import ServerThread

SYSTEMS = representative_kommuner()
"""A municipality per debtor system, from the simulator's default registry (by system)."""


@dataclass
class Bed:
    """The running pair, and helpers that act as FBS staff and as the tester."""

    tmp: Path
    clock: VirtualClock
    sim_app: Any
    sim_server: ServerThread
    core: Core
    core_server: ServerThread
    http: requests.Session = field(default_factory=requests.Session)

    @property
    def sim_url(self) -> str:
        return self.sim_server.base_url

    @property
    def core_url(self) -> str:
        return self.core_server.base_url

    # -- simulator admin ---------------------------------------------------------
    def admin(self, method: str, path: str, **kw: Any) -> Any:
        resp = self.http.request(method, f"{self.sim_url}/admin{path}", timeout=10, **kw)
        resp.raise_for_status()
        return resp.json()

    def claim(self, kode: str, fordring_id: str) -> dict[str, Any] | None:
        resp = self.http.get(f"{self.sim_url}/admin/claims/{kode}/{fordring_id}", timeout=10)
        return resp.json() if resp.status_code == 200 else None

    def events(self, kode: str) -> list[dict[str, Any]]:
        return self.admin("GET", f"/events?kommunekode={kode}&limit=1000")["events"]

    def advance(self, duration: str) -> None:
        self.admin("POST", "/clock", json={"advance": duration})

    def stop_sim(self) -> int:
        port = self.sim_server.port
        self.sim_server.stop()
        return port

    def start_sim(self, port: int) -> None:
        self.sim_server = ServerThread(self.sim_app, port=port).start()

    # -- FBS harness ----------------------------------------------------------------
    def harness(self, method: str, path: str, **kw: Any) -> Any:
        resp = self.http.request(method, f"{self.core_url}/harness{path}", timeout=10, **kw)
        assert resp.status_code < 300, resp.text
        return resp.json()

    def create_fee(self, kode: str, cpr: str, **kw: Any) -> dict[str, Any]:
        body = {
            "agencyId": f"DK-7{kode}00",
            "type": "fee",
            "reasonMessage": "Gebyr (for sent)",
            "amount": 30,
            "patron": {"cpr": cpr, "name": "Ane Testsen"},
            "materials": [
                {"materialItemNumber": "3846990827", "recordId": "870970-basis:29630364"}
            ],
        }
        body.update(kw)
        return self.harness("POST", "/fees", json=body)

    def drain(self) -> Any:
        return self.core.worker.drain()


def _rules(bed_http: requests.Session, sim_url: str, kode: str) -> MunicipalityRules:
    tenant = bed_http.get(f"{sim_url}/admin/tenants/{kode}", timeout=10).json()
    profile = tenant["profile"]
    return MunicipalityRules(
        max_text_length=profile["text_max_length"]["value"],
        payment_url=f"{sim_url}/betaling/{kode}/" if tenant["payment_solution"] else None,
        due_days=14,
        block_threshold_oere=10_000,
    )


@pytest.fixture
def bed(tmp_path: Path) -> Iterator[Bed]:
    clock = VirtualClock()
    sim_app = create_sim_app(SimConfig(data_dir=tmp_path / "sim", clock=clock))
    sim_server = ServerThread(sim_app).start()
    http = requests.Session()
    config = CoreConfig(
        db_path=str(tmp_path / "core.sqlite"),
        clock=clock,
        sp_url=sim_server.base_url,
        municipalities={k: _rules(http, sim_server.base_url, k) for k in SYSTEMS.values()},
        outbox=OutboxSettings(backoff_base_s=30, backoff_cap_s=600, jitter=0.2, http_timeout_s=5),
    )
    core = Core.build(config)
    core.worker.rng = random.Random(5)
    core_server = ServerThread(create_core_app(core=core)).start()
    b = Bed(tmp_path, clock, sim_app, sim_server, core, core_server, http)
    callback = core_server.base_url + DAEKNING_AFSKRIVNING.path
    for kode in SYSTEMS.values():  # where the simulator sends its callbacks
        b.admin("PATCH", f"/tenants/{kode}", json={"callback_url": callback})
    yield b
    core_server.stop()
    b.sim_server.stop()
    core.store.close()


@pytest.fixture
def fake():
    return testdata.faker(21)
