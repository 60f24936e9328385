"""The shared hostile corpus over real HTTP, against every SOAP endpoint of both servers.

Each case must get its documented FejlKode in a SOAP Fault with HTTP 500 (the oversized
body too, refused before parsing; 401 never), the server must keep
answering, and the stored state must be exactly as before: a checksum of the
simulator's ledger tables and of the core's fees, outbox and events.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from integration.config import CoreConfig
from integration.web.app import create_app as create_core
from oeir import model, soap
from oeir.faults import OeirFault
from oeir.services import DAEKNING_AFSKRIVNING, Service
from simulators.web.sp import SERVED
from tests.conftest import HttpSim
from tests.corpus.hostile import HostileCase, cases_for, valid_envelope
from tests.hardening.checksums import row_counts, sqlite_checksum
from tests.simulators.helpers import opret
from wsgiserve import ServerThread


def send(base_url: str, service: Service, case: HostileCase) -> requests.Response:
    """POST one case with the SOAPAction it carries (none when it carries none)."""
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    if case.soap_action is not None:
        headers["SOAPAction"] = case.soap_action
    return requests.post(base_url + service.path, data=case.data, headers=headers, timeout=30)


def fault_of(r: requests.Response) -> OeirFault:
    """The SOAP Fault in an answer (fails when there is none)."""
    assert r.headers["Content-Type"].startswith("text/xml"), r.headers
    with pytest.raises(OeirFault) as err:
        soap.read_response(r.content, model.HentDebitorkontoSvar)
    return err.value


def expect(case: HostileCase, r: requests.Response) -> None:
    """The documented answer of a case."""
    assert r.status_code == 500, (case, r.status_code)
    assert fault_of(r).kode == case.kode, case


def control(base_url: str, service: Service) -> int:
    """The valid request of a service still gets a SOAP answer (not a dead server)."""
    op = next(iter(service.operations.values()))
    r = requests.post(
        base_url + service.path,
        data=valid_envelope(service),
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": op.soap_action},
        timeout=30,
    )
    assert r.status_code in (200, 500) and b"Envelope" in r.content
    return r.status_code


@pytest.mark.parametrize("service", SERVED, ids=lambda s: s.name)
def test_simulator_endpoints_refuse_the_corpus_and_change_nothing(
    http_sim: HttpSim, service: Service
) -> None:
    http_sim.post(SERVED[0], opret("101", f"HOSTILE-STATE-{service.name}"))
    db = http_sim.sim.config.database_path
    before = sqlite_checksum(db)
    assert row_counts(db)["claims"] > 0  # the checksum covers a non-empty ledger
    cases = cases_for(service)
    assert len(cases) >= 27
    for case in cases:
        expect(case, send(http_sim.base_url, service, case))
    control(http_sim.base_url, service)
    assert sqlite_checksum(db) == before


@pytest.fixture(scope="module")
def core_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The integration core served on loopback, with a fee in its outbox."""
    db = tmp_path_factory.mktemp("core") / "core.db"
    app = create_core(CoreConfig(db_path=str(db)))
    with ServerThread(app) as server:
        r = requests.post(
            server.base_url + "/harness/fees",
            json={
                "agencyId": "DK-710100",
                "amount": 30,
                "patron": {"cpr": "0101901234", "name": "Test Person"},
            },
            timeout=10,
        )
        assert r.status_code == 201, r.text
        yield server.base_url, db


def test_core_callback_receiver_refuses_the_corpus_and_changes_nothing(
    core_server: tuple[str, Path],
) -> None:
    base_url, db = core_server
    before = sqlite_checksum(db)
    counts = row_counts(db)
    assert sum(counts.values()) > 0, counts
    for case in cases_for(DAEKNING_AFSKRIVNING):
        expect(case, send(base_url, DAEKNING_AFSKRIVNING, case))
    assert sqlite_checksum(db) == before
    assert control(base_url, DAEKNING_AFSKRIVNING) == 200  # still up, and the valid one passes
