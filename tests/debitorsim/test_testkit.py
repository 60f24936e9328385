"""debitorsim.testkit: what the pytest plugin's fixtures do, tested here directly.

The server's reset runs against a real in-process simulator and core; the verify
assertions' messages against a scripted verify API (``responses``), so what they say is
checked for exact counts the script gives.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from debitorsim.testkit import (
    Admin,
    DebitorsimError,
    ServerOptions,
    TestServer,
    Verify,
    matcher,
    read_snapshot,
)
from oeir import kommuner, model
from oeir.services import DEBITOR_REGISTRERING
from oeir.soap import request_envelope
from tests.simulators.helpers import fordring

BASE = "http://sim.test"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestServer]:
    """One in-process simulator and core for the module, as the plugin starts them."""
    options = ServerOptions(data_dir=tmp_path_factory.mktemp("testkit"))
    with TestServer(options) as started:
        yield started


def _send_claim(url: str, fordring_id: str) -> requests.Response:
    kommune = kommuner.by_kode()["101"]
    header = model.SpHeader(
        invocation_context=model.InvocationContext(
            service_agreement_uuid=kommune.service_agreement_uuid,
            user_system_uuid=kommuner.FBS_USER_SYSTEM_UUID,
            user_uuid="7c1e2f64-3b9a-4d5e-8f10-2a3b4c5d6e7f",
            service_uuid=kommuner.service_uuid(DEBITOR_REGISTRERING.name),
        ),
        authority_context=model.AuthorityContext(municipality_cvr=kommune.cvr),
    )
    body = request_envelope(model.OpretFordring(fordring=fordring(fordring_id)), header)
    return requests.post(
        f"{url}{DEBITOR_REGISTRERING.path}",
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=30,
    )


def test_reset_returns_to_the_starting_state(server: TestServer) -> None:
    server.reset()
    sim = server.sim
    start = sim.clock.now()
    assert _send_claim(sim.url, "FBS-101-1").status_code == 200
    sim.add_fault({"kind": "http_503"})
    sim.admin.call("PATCH", "/admin/tenants/101", {"system": "eg"})
    moved = sim.clock.advance("P3D")
    assert datetime.fromisoformat(moved["now"]) > start
    stats = sim.admin.get("/admin/stats")
    assert stats["claims"] == 1 and stats["journal"] >= 1

    server.reset()

    assert sim.admin.get("/admin/stats") == {
        "accounts": 0,
        "claims": 0,
        "events": 0,
        "jobs": 0,
        "journal": 0,
    }
    assert sim.admin.get("/admin/faults")["rules"] == []
    assert sim.clock.now() == start
    assert sim.admin.get("/admin/tenants/101")["system"] == "opus"
    assert _send_claim(sim.url, "FBS-101-1").status_code == 200  # the claim id is free again


def test_the_sp_values_are_the_simulators_own(server: TestServer) -> None:
    sp = server.sim.sp("561", "DebitorForespoergsel")
    esbjerg = kommuner.by_kode()["561"]
    assert sp.municipality_cvr == esbjerg.cvr
    assert sp.service_agreement_uuid == esbjerg.service_agreement_uuid
    assert sp.user_system_uuid == kommuner.FBS_USER_SYSTEM_UUID
    assert sp.service_uuid == kommuner.service_uuid("DebitorForespoergsel")
    assert server.sim.wsdl("DebitorForespoergsel").endswith("/DebitorForespoergsel/1?wsdl")
    with pytest.raises(KeyError, match="no service 'Nope'"):
        server.sim.endpoint("Nope")


def test_the_clock_helper_reaches_the_nightly_run(server: TestServer) -> None:
    server.reset()
    clock = server.sim.clock
    clock.set("2026-01-09T10:00:00+01:00")  # a Friday: the next run closes Friday, on Saturday
    run = clock.next_nightly_run("101")
    assert run.date().isoformat() == "2026-01-10" and run > clock.now()
    clock.to_next_nightly_run("101")
    assert clock.now() == run


def test_a_refusal_is_an_error_with_the_servers_reason(server: TestServer) -> None:
    with pytest.raises(DebitorsimError, match="HTTP 400: give exactly one of advance, set"):
        server.sim.admin.post("/admin/clock", {})
    with pytest.raises(DebitorsimError, match=r"nothing answers at http://127\.0\.0\.1:9/"):
        Admin("http://127.0.0.1:9").get("/")


def test_matcher_fields() -> None:
    at = datetime.fromisoformat("2026-01-05T08:00:00+01:00")
    assert matcher(operation="OpretFordring", from_=at, to=None, elements={"FordringId": "X"}) == {
        "operation": "OpretFordring",
        "from": "2026-01-05T08:00:00+01:00",
        "elements": {"FordringId": "X"},
    }
    with pytest.raises(TypeError, match="unknown matcher field 'operaton'"):
        matcher(operaton="OpretFordring")


def test_a_snapshot_file_of_another_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"format": "wiremock"}))
    with pytest.raises(DebitorsimError, match="is not a debitorsim snapshot"):
        read_snapshot(path)
    path.write_text("{")
    with pytest.raises(DebitorsimError, match="cannot read snapshot"):
        read_snapshot(path)


# -- the verify assertions, against a scripted verify API ----------------------------

SEEN = [
    {
        "id": 2,
        "tidspunkt": "2026-01-05T08:00:00+01:00",
        "service": "DebitorRegistreringAfsend",
        "operation": "OpretFordring",
        "kommunekode": "101",
        "verdict": "ok",
        "fejlkode": None,
        "request": "<o:Fordring><o:FordringId>FBS-101-7</o:FordringId></o:Fordring>",
    },
    {
        "id": 1,
        "tidspunkt": "2026-01-05T08:00:00+01:00",
        "service": "DebitorRegistreringAfsend",
        "operation": None,
        "kommunekode": None,
        "verdict": "fault",
        "fejlkode": "UkendtKommune",
        "detail": "MunicipalityCVR 12345678 names no municipality",
        "near_miss": {"kind": "municipality", "text": "CVR 12345678 is no municipality's"},
        "request": "<x/>",
    },
]


def _script(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Answer count by the matcher's fields (sorted, comma-joined); find with SEEN."""
    asked: list[dict[str, Any]] = []

    def count(request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        asked.append(body)
        return 200, {}, json.dumps({"count": counts[",".join(sorted(body))]})

    def find(request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        asked.append(body)
        return 200, {}, json.dumps({"count": len(SEEN), "requests": SEEN[: body.get("limit")]})

    responses.add_callback(responses.POST, f"{BASE}/admin/requests/count", callback=count)
    responses.add_callback(responses.POST, f"{BASE}/admin/requests/find", callback=find)
    return asked


@responses.activate
def test_assert_called_passes_and_returns_the_rows() -> None:
    asked = _script({"operation": 2})
    rows = Verify(Admin(BASE)).assert_called(operation="OpretFordring", at_least=2)
    assert rows == SEEN
    assert asked[0] == {"operation": "OpretFordring"}


@responses.activate
def test_a_count_that_differs_fails_with_the_near_misses_and_what_was_seen() -> None:
    asked = _script({"elements,operation": 0, "operation": 1, "elements": 0})
    verify = Verify(Admin(BASE))
    with pytest.raises(AssertionError) as failure:
        verify.assert_called(
            operation="OpretFordring", elements={"FordringId": "FBS-101-77"}, times=1
        )
    message = str(failure.value)
    lines = message.splitlines()
    assert lines[0] == (
        'expected exactly 1 SOAP call(s) matching {"elements": {"FordringId": "FBS-101-77"}, '
        '"operation": "OpretFordring"}, found 0.'
    )
    assert '  all but operation="OpretFordring": 0' in lines
    assert '  all but elements={"FordringId": "FBS-101-77"}: 1' in lines
    assert "Calls received (2; newest first):" in lines
    assert (
        "  2026-01-05T08:00:00+01:00  DebitorRegistreringAfsend/OpretFordring  kommune 101  "
        "ok  FordringId=FBS-101-7"
    ) in lines
    assert any(
        "kommune ?  fault  UkendtKommune  FordringId=(none)  - near miss: CVR 12345678 is" in line
        for line in lines
    ), message
    assert {"operation": "OpretFordring"} in asked  # the near miss was asked, not guessed


@responses.activate
def test_assert_not_called_and_at_most() -> None:
    _script({"verdict": 2})
    verify = Verify(Admin(BASE))
    with pytest.raises(AssertionError, match=r"expected exactly 0 SOAP call\(s\).*found 2"):
        verify.assert_not_called(verdict="fault")
    with pytest.raises(AssertionError, match="expected at most 1 "):
        verify.assert_called(verdict="fault", at_most=1)
    assert len(verify.assert_called(verdict="fault", at_most=2)) == 2
    with pytest.raises(TypeError, match="not both"):
        verify.assert_called(times=1, at_most=2)


def test_every_reset_returns_to_the_snapshot_file_given(
    server: TestServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    server.reset()
    assert _send_claim(server.sim.url, "FBS-101-5").status_code == 200
    server.sim.clock.advance("P1D")
    state = server.sim.save_snapshot(tmp_path_factory.mktemp("snap") / "state.json")
    options = ServerOptions(data_dir=tmp_path_factory.mktemp("from-snapshot"), snapshot=state)
    with TestServer(options) as other:
        other.reset()
        sim = other.sim
        assert sim.admin.get("/admin/stats")["claims"] == 1
        assert sim.clock.now() == server.sim.clock.now()
        assert _send_claim(sim.url, "FBS-101-6").status_code == 200
        assert sim.verify.count(operation="OpretFordring") == 1
        other.reset()
        assert sim.admin.get("/admin/stats")["claims"] == 1
        assert sim.verify.count() == 0  # the journal starts empty all the same
        assert sim.admin.get("/admin/claims/101/FBS-101-5")["hovedstol"] == 5000


def test_a_running_simulator_is_returned_to_the_state_it_had(server: TestServer) -> None:
    server.reset()
    assert _send_claim(server.sim.url, "FBS-101-3").status_code == 200
    with TestServer(ServerOptions(url=server.sim.url)) as reached:
        assert reached.core is None
        _send_claim(reached.sim.url, "FBS-101-4")
        reached.reset()
        claims = reached.sim.admin.get("/admin/stats")["claims"]
    assert claims == 1  # FBS-101-3, found at start, is kept; FBS-101-4 is gone
    server.sim.admin.get("/admin/claims/101/FBS-101-3")
