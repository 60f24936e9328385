"""CSRF and DNS rebinding over real HTTP: state-changing requests from a browser page on
another site (a foreign or ``null`` Origin), or addressed to a foreign name (Host), are
refused on every route of both servers and change nothing; clients without an Origin
(SOAP adapters, requests, Locust) that use a known name keep working.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from integration.config import CoreConfig
from integration.web.app import create_app as create_core
from oeir import same_origin, soap
from oeir.faults import OeirFault
from oeir.model import HentDebitorkontoSvar
from oeir.services import DAEKNING_AFSKRIVNING, DEBITOR_REGISTRERING
from simulators import SimConfig, create_app, simulator_of
from tests.conftest import HttpSim
from tests.corpus.hostile import valid_envelope
from tests.hardening.checksums import sqlite_checksum
from tests.simulators.helpers import opret
from wsgiserve import ServerThread

EVIL = "http://evil.example"
REBOUND = {"Host": "evil.example:8081", "Origin": "http://evil.example:8081"}
"""DNS rebinding: the attacker's name now points at 127.0.0.1; the page posts to itself."""

FAULT_FORM = {"kind": "http_503", "operation": "HentDebitorkonto"}


def rules(http_sim: HttpSim) -> list[object]:
    """The simulator's fault rules."""
    return list(http_sim.sim.faults.rules())


def refused_with_adgang_naegtet(r: requests.Response) -> None:
    """HTTP 403 naming FejlKode AdgangNaegtet (JSON, or a SOAP Fault for SOAP)."""
    assert r.status_code == 403, (r.status_code, r.text)
    if r.headers["Content-Type"].startswith("text/xml"):
        with pytest.raises(OeirFault) as err:
            soap.read_response(r.content, HentDebitorkontoSvar)
        assert err.value.kode == "AdgangNaegtet"
    else:
        assert r.json()["fejlkode"] == "AdgangNaegtet", r.text


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "null"}, {"Origin": EVIL}, REBOUND, {"Host": "evil.example"}],
    ids=["origin-null", "origin-foreign", "dns-rebinding", "host-foreign"],
)
def test_dashboard_fault_form_from_a_foreign_page_adds_no_rule(
    http_sim: HttpSim, headers: dict[str, str]
) -> None:
    r = requests.post(
        f"{http_sim.base_url}/fejl",
        data=FAULT_FORM,
        headers=headers,
        timeout=10,
        allow_redirects=False,
    )
    refused_with_adgang_naegtet(r)
    assert rules(http_sim) == []


def test_dashboard_form_from_its_own_page_and_clients_without_origin_still_work(
    http_sim: HttpSim,
) -> None:
    own = {"Origin": http_sim.base_url}
    r = requests.post(
        f"{http_sim.base_url}/fejl", data=FAULT_FORM, headers=own, timeout=10, allow_redirects=False
    )
    assert r.status_code == 303, r.text
    localhost = http_sim.base_url.replace("127.0.0.1", "localhost")
    http_sim.fault(kind="http_500", operation="OpretFordring")  # requests: no Origin
    r = requests.post(f"{localhost}/admin/faults", json={"kind": "http_503"}, timeout=10)
    assert r.status_code == 201, r.text
    assert len(rules(http_sim)) == 3


@pytest.mark.parametrize("headers", [{"Origin": "null"}, REBOUND], ids=["null", "rebinding"])
def test_every_state_changing_simulator_route_refuses_a_foreign_page(
    http_sim: HttpSim, headers: dict[str, str]
) -> None:
    http_sim.post(DEBITOR_REGISTRERING, opret("101", "SAME-ORIGIN-1"))
    db = http_sim.sim.config.database_path
    before = sqlite_checksum(db)
    clock = http_sim.clock.now()
    base = http_sim.base_url
    attacks = [
        ("POST", "/admin/faults", {"json": {"kind": "http_503"}}),
        ("DELETE", "/admin/faults", {}),
        ("POST", "/admin/clock", {"json": {"advance": "P1D"}}),
        ("POST", "/admin/reset", {}),
        ("POST", "/ur", {"data": {"handling": "dag"}}),
        ("POST", "/fejl/ryd", {}),
        ("POST", "/betaling/101/login", {"data": {"cpr": "1502851111"}}),
        ("POST", "/betaling/101/betal", {"data": {}}),
        (
            "POST",
            DEBITOR_REGISTRERING.path,
            {
                "data": opret("101", "SAME-ORIGIN-2"),
                "headers": {"Content-Type": "text/xml; charset=utf-8"},
            },
        ),
    ]
    for method, path, kw in attacks:
        extra = kw.pop("headers", {})
        r = requests.request(method, base + path, headers={**extra, **headers}, timeout=10, **kw)
        refused_with_adgang_naegtet(r)
    assert sqlite_checksum(db) == before  # ledger, sessions and rules untouched
    assert http_sim.clock.now() == clock


def test_a_configured_public_name_is_allowed(tmp_path: Path) -> None:
    app = create_app(
        SimConfig(data_dir=tmp_path, synchronous="OFF", allowed_hosts=("debitorsim.example",))
    )
    try:
        with ServerThread(app) as server:
            url = f"{server.base_url}/admin/faults"
            named = {"Host": "debitorsim.example:8081", "Origin": "https://debitorsim.example:8081"}
            assert requests.post(url, json={"kind": "http_503"}, headers=named).status_code == 201
            other = {"Host": "other.example"}
            r = requests.post(url, json={"kind": "http_503"}, headers=other)
            assert r.status_code == 403
            assert len(simulator_of(app).faults.rules()) == 1
    finally:
        simulator_of(app).close()


# -- the integration core -------------------------------------------------------------------


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The integration core served on loopback."""
    db = tmp_path_factory.mktemp("core") / "core.db"
    app = create_core(CoreConfig(db_path=str(db)))
    with ServerThread(app) as server:
        yield server.base_url, db


FEE = {
    "agencyId": "DK-710100",
    "amount": 30,
    "patron": {"cpr": "0101901234", "name": "Test Person"},
}


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "null"}, {"Origin": EVIL}, REBOUND, {"Host": "evil.example"}],
    ids=["origin-null", "origin-foreign", "dns-rebinding", "host-foreign"],
)
def test_core_harness_and_callbacks_refuse_a_foreign_page(
    core: tuple[str, Path], headers: dict[str, str]
) -> None:
    base, db = core
    before = sqlite_checksum(db)
    r = requests.post(f"{base}/harness/fees", json=FEE, headers=headers, timeout=10)
    refused_with_adgang_naegtet(r)
    r = requests.post(f"{base}/harness/outbox/run", headers=headers, timeout=10)
    refused_with_adgang_naegtet(r)
    r = requests.post(
        base + DAEKNING_AFSKRIVNING.path,
        data=valid_envelope(DAEKNING_AFSKRIVNING),
        headers={"Content-Type": "text/xml; charset=utf-8", **headers},
        timeout=10,
    )
    refused_with_adgang_naegtet(r)
    assert sqlite_checksum(db) == before  # fees, outbox and events untouched


def test_core_clients_without_origin_and_its_own_pages_still_work(core: tuple[str, Path]) -> None:
    base, _ = core
    assert requests.post(f"{base}/harness/fees", json=FEE, timeout=10).status_code == 201
    own = {"Origin": base}
    assert requests.post(f"{base}/harness/fees", json=FEE, headers=own).status_code == 201


# -- the rule itself ------------------------------------------------------------------------


def test_the_rule_reads_host_names_with_ports_and_brackets() -> None:
    allowed = same_origin.allowed_hosts("0.0.0.0", ["Debitorsim.Example."])
    assert allowed == {"127.0.0.1", "::1", "localhost", "debitorsim.example"}
    assert same_origin.refusal("POST", "[::1]:8081", "http://[::1]:8081", allowed) is None
    assert same_origin.refusal("GET", "evil.example", "null", allowed) is None  # not a change
    assert same_origin.refusal("PUT", "localhost:1", "https://localhost:2", allowed)
    assert same_origin.refusal("POST", "localhost:1", "file://localhost:1", allowed)
    assert same_origin.parse_hosts(" a.example, ,b.example ") == ("a.example", "b.example")
