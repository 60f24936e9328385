"""Fixtures of the time-behaviour tests: a served simulator with `SimTime`, a test FBS endpoint.

The test FBS endpoint is a small Flask app on its own loopback port. It reads each
callback with `oeir.soap.read_request` (so XSD and SP headers are checked), records
what it receives at which *virtual* time, deduplicates on HaendelseId (answering
``Dublet`` to a repeat, as FBS does) and can be down on demand: answering 503,
recording but losing the answer, or stopped altogether.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask, Response, request

from oeir import model, soap
from oeir.faults import OeirFault
from oeir.services import DAEKNING_AFSKRIVNING
from simulators import SimConfig, create_app, sim_time_of, simulator_of
from simulators.clock import TZ, VirtualClock
from simulators.engine import Simulator
from simulators.sim_time import SimTime
from simulators.tenants import Tenant
from wsgiserve import ServerThread


@dataclass
class Received:
    """One callback message as the test endpoint got it."""

    at: datetime
    municipality_cvr: str
    haendelser: tuple[model.Haendelse, ...]
    answered: str  # "ok" | "503" | "lost"


@dataclass
class TestFbs:
    """A test FBS callback endpoint that records and deduplicates."""

    clock: VirtualClock
    mode: str = "up"  # up | down (503) | lose (record, answer lost once) | reject (Client fault)
    received: list[Received] = field(default_factory=list)
    new: list[model.Haendelse] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    server: ServerThread | None = None
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    __test__ = False

    @property
    def url(self) -> str:
        """The callback URL to register."""
        return f"http://127.0.0.1:{self.port}{DAEKNING_AFSKRIVNING.path}"

    def app(self) -> Flask:
        """The endpoint's Flask app."""
        app = Flask("test_fbs")

        @app.post(DAEKNING_AFSKRIVNING.path)
        def callback() -> Response:
            data = request.get_data()
            try:
                req = soap.read_request(
                    data, DAEKNING_AFSKRIVNING, soap_action=request.headers.get("SOAPAction")
                )
            except OeirFault as fault:
                return Response(soap.fault_envelope(fault), 500, content_type="text/xml")
            msg: model.RegistrerDaekningAfskrivning = req.message
            with self._lock:
                mode = self.mode
                if mode == "down":
                    self.received.append(
                        Received(
                            self.clock.now(),
                            req.header.authority_context.municipality_cvr,
                            (),
                            "503",
                        )
                    )
                    return Response("nede", 503)
                if mode == "reject":
                    self.received.append(
                        Received(
                            self.clock.now(),
                            req.header.authority_context.municipality_cvr,
                            (),
                            "fault",
                        )
                    )
                    refusal = OeirFault("test FBS refuses", kode="FordringFindesIkke")
                    return Response(soap.fault_envelope(refusal), 500, content_type="text/xml")
                receipts = []
                for h in msg.haendelser:
                    if any(n.haendelse_id == h.haendelse_id for n in self.new):
                        self.duplicates.append(h.haendelse_id)
                        status = model.KvitteringStatus.DUBLET
                    else:
                        self.new.append(h)
                        status = model.KvitteringStatus.MODTAGET
                    receipts.append(
                        model.HaendelseKvittering(haendelse_id=h.haendelse_id, status=status)
                    )
                self.received.append(
                    Received(
                        self.clock.now(),
                        req.header.authority_context.municipality_cvr,
                        msg.haendelser,
                        "lost" if mode == "lose" else "ok",
                    )
                )
                if mode == "lose":
                    self.mode = "up"  # the answer is lost once
                    return Response("gateway timeout", 504)
            svar = model.RegistrerDaekningAfskrivningSvar(kvitteringer=tuple(receipts))
            return Response(soap.response_envelope(svar), content_type="text/xml; charset=utf-8")

        return app

    def start(self) -> None:
        """Serve (again, on the same port once it had one)."""
        self.server = ServerThread(self.app(), port=self.port).start()
        self.port = self.server.port

    def stop(self) -> None:
        """Stop serving: connections are refused."""
        if self.server is not None:
            self.server.stop()
            self.server = None

    def delivered(self) -> list[Received]:
        """Messages answered (or recorded) with events."""
        return [r for r in self.received if r.haendelser]


@dataclass
class World:
    """A served simulator with the time behaviour, a test FBS, and helpers over real HTTP."""

    app: Flask
    server: ServerThread
    sim: Simulator
    time: SimTime
    fbs: TestFbs
    http: requests.Session

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` of the simulator."""
        return self.server.base_url

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the admin API; return the JSON (asserting a 2xx)."""
        r = self.http.request(method, f"{self.base_url}/admin{path}", **kwargs)
        assert r.status_code < 300, (r.status_code, r.text)
        return r.json()

    def set_clock(self, when: datetime) -> Any:
        """Set the virtual clock forward through the admin API (runs due jobs)."""
        return self.admin("POST", "/clock", json={"set": when.isoformat()})

    def register(self, tenant: Tenant) -> None:
        """Register the test FBS as the municipality's callback URL (admin API)."""
        self.admin("PATCH", f"/tenants/{tenant.kode}", json={"callback_url": self.fbs.url})


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """A fresh simulator (frozen clock, Monday 5 January 2026 08:00) and a test FBS."""
    clock = VirtualClock()
    app = create_app(SimConfig(data_dir=tmp_path, clock=clock, synchronous="OFF"))
    sim_time = sim_time_of(app)
    fbs = TestFbs(clock)
    fbs.start()
    server = ServerThread(app).start()
    with requests.Session() as http:
        yield World(app, server, simulator_of(app), sim_time, fbs, http)
    # Both servers poll for shutdown every 0.5 s: stop them side by side.
    stoppers = [threading.Thread(target=fbs.stop), threading.Thread(target=server.stop)]
    for t in stoppers:
        t.start()
    for t in stoppers:
        t.join()
    simulator_of(app).close()


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A Copenhagen time."""
    return datetime(y, m, d, hh, mm, tzinfo=TZ)
