"""Fixtures of the hardening tests: a served simulator on a frozen clock, SOAP over real HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from debitorsim.serving import ServerThread
from oeir import kommuner, model, soap
from oeir.services import DEBITOR_FORESPOERGSEL, DEBITOR_REGISTRERING, Service
from simulators import SimConfig, create_app, simulator_of
from simulators.clock import VirtualClock
from simulators.engine import Simulator
from tests.simulators.helpers import fordring

CPR = "1502851111"


@dataclass
class Sim:
    """A served simulator and helpers to call it."""

    app: Flask
    server: ServerThread
    sim: Simulator
    clock: VirtualClock
    http: requests.Session

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return self.server.base_url

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


def header(kode: str, service: Service) -> model.SpHeader:
    """The Serviceplatformen headers FBS sends to municipality `kode`."""
    k = kommuner.by_kode()[kode]
    return model.SpHeader(
        invocation_context=model.InvocationContext(
            service_agreement_uuid=k.service_agreement_uuid,
            user_system_uuid=kommuner.FBS_USER_SYSTEM_UUID,
            user_uuid="00000000-0000-4000-8000-00000000f8b5",
            service_uuid=kommuner.service_uuid(service.name),
            callers_service_call_identifier=f"call-{uuid.uuid4()}",
        ),
        authority_context=model.AuthorityContext(municipality_cvr=k.cvr),
    )


def opret(kode: str, fid: str, cpr: str = CPR) -> bytes:
    """An OpretFordring envelope for municipality `kode`."""
    msg = model.OpretFordring(fordring=fordring(fid, kommunekode=kode, cpr=cpr))
    return soap.request_envelope(msg, header(kode, DEBITOR_REGISTRERING))


def hent(kode: str, konto: str = "KK-DEB-999001") -> bytes:
    """A HentDebitorkonto envelope for municipality `kode`."""
    msg = model.HentDebitorkonto(kommunekode=kode, debitorkontonummer=konto)
    return soap.request_envelope(msg, header(kode, DEBITOR_FORESPOERGSEL))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    """One simulator per module (frozen clock), served on a free loopback port."""
    clock = VirtualClock()
    data_dir: Path = tmp_path_factory.mktemp("sim")
    app = create_app(SimConfig(data_dir=data_dir, clock=clock, synchronous="OFF"))
    with ServerThread(app) as server, requests.Session() as http:
        yield Sim(app, server, simulator_of(app), clock, http)
        simulator_of(app).faults.clear()
    simulator_of(app).close()


@pytest.fixture
def sim(served: Sim) -> Iterator[Sim]:
    """The module's simulator with no fault rules before and after the test."""
    served.sim.faults.clear()
    yield served
    served.sim.faults.clear()
