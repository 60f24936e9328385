"""The verify API (/admin/requests/count, /find) and `debitorsim verify`, over real HTTP.

One simulator per module gets six known calls (two days on the virtual clock, two
municipalities, ok / fault / injected); each matcher test checks that the matcher
narrows the count (so ignoring the matcher would fail it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from debitorsim.cli import main
from oeir import model, soap
from oeir.services import DEBITOR_FORESPOERGSEL, DEBITOR_REGISTRERING, Service
from simulators import SimConfig, create_app, simulator_of
from simulators.engine import Simulator
from simulators.store import SqliteStore
from tests.simulators.conftest import sp_header
from tests.simulators.helpers import fordring
from wsgiserve import ServerThread


@dataclass
class Seeded:
    """A served simulator with the six calls of `seeded` journaled."""

    base_url: str
    sim: Simulator
    day2: str
    """The virtual time of the first call on the second day (ISO 8601)."""

    def count(self, matcher: dict[str, Any]) -> int:
        """POST /admin/requests/count."""
        r = requests.post(f"{self.base_url}/admin/requests/count", json=matcher, timeout=10)
        assert r.status_code == 200, r.text
        return int(r.json()["count"])

    def find(self, matcher: dict[str, Any]) -> dict[str, Any]:
        """POST /admin/requests/find."""
        r = requests.post(f"{self.base_url}/admin/requests/find", json=matcher, timeout=10)
        assert r.status_code == 200, r.text
        found: dict[str, Any] = r.json()
        return found


def _post(base: str, service: Service, body: bytes) -> int:
    return requests.post(base + service.path, data=body, timeout=10).status_code


def _opret(sim: Simulator, kode: str, fordring_id: str, hovedstol: int = 5000) -> bytes:
    message = model.OpretFordring(fordring=fordring(fordring_id, hovedstol, kommunekode=kode))
    return soap.request_envelope(message, sp_header(sim.tenants.get(kode)))


def _hent(sim: Simulator, kode: str, konto: str) -> bytes:
    message = model.HentDebitorkonto(kommunekode=kode, debitorkontonummer=konto)
    return soap.request_envelope(
        message, sp_header(sim.tenants.get(kode), DEBITOR_FORESPOERGSEL.name)
    )


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """Day 1: two OpretFordring for 101 (50 and 200 kr.), a HentDebitorkonto of no account
    (fault). Day 2: an OpretFordring for 147, an injected fault, a HentDebitorkonto (ok)."""
    app = create_app(SimConfig(data_dir=tmp_path_factory.mktemp("verify"), synchronous="OFF"))
    sim = simulator_of(app)
    with ServerThread(app) as server:
        base = server.base_url
        assert _post(base, DEBITOR_REGISTRERING, _opret(sim, "101", "FBS-101-7")) == 200
        assert _post(base, DEBITOR_REGISTRERING, _opret(sim, "101", "FBS-101-8", 20000)) == 200
        assert _post(base, DEBITOR_FORESPOERGSEL, _hent(sim, "101", "101-99999999")) == 500
        sim.set_time(sim.clock.now() + timedelta(days=1))
        day2 = sim.clock.now().isoformat()
        assert _post(base, DEBITOR_REGISTRERING, _opret(sim, "147", "FBS-147-1")) == 200
        rule = {"kind": "business_fault", "fejlkode": "TjenesteUtilgaengelig", "count": 1}
        assert requests.post(f"{base}/admin/faults", json=rule, timeout=10).status_code == 201
        assert _post(base, DEBITOR_FORESPOERGSEL, _hent(sim, "101", "101-00000001")) == 500
        assert _post(base, DEBITOR_FORESPOERGSEL, _hent(sim, "101", "101-00000001")) == 200
        yield Seeded(base, sim, day2)
    sim.close()


def test_every_call_is_counted_without_a_matcher(seeded: Seeded) -> None:
    assert seeded.count({}) == 6
    r = requests.post(f"{seeded.base_url}/admin/requests/count", timeout=10)  # no body at all
    assert r.status_code == 200 and r.json() == {"count": 6}


def test_service_matcher(seeded: Seeded) -> None:
    assert seeded.count({"service": "DebitorForespoergsel"}) == 3
    assert seeded.count({"service": "DebitorRegistreringAfsend"}) == 3


def test_operation_matcher(seeded: Seeded) -> None:
    assert seeded.count({"operation": "OpretFordring"}) == 3
    assert seeded.count({"operation": "HentDebitorkonto"}) == 3


def test_municipality_matcher(seeded: Seeded) -> None:
    assert seeded.count({"kommunekode": "147"}) == 1
    assert seeded.count({"kommunekode": "101"}) == 5


def test_verdict_matcher(seeded: Seeded) -> None:
    assert seeded.count({"verdict": "ok"}) == 4
    assert seeded.count({"verdict": "fault"}) == 1
    assert seeded.count({"verdict": "injected"}) == 1


def test_fejlkode_matcher(seeded: Seeded) -> None:
    refused = seeded.find({"verdict": "fault"})["requests"][0]["fejlkode"]
    assert refused and refused != "TjenesteUtilgaengelig"
    assert seeded.count({"fejlkode": refused}) == 1
    assert seeded.count({"fejlkode": "TjenesteUtilgaengelig"}) == 1
    assert seeded.count({"fejlkode": "FordringIdAlleredeBrugt"}) == 0


def test_time_window_on_the_virtual_clock_from_inclusive_to_exclusive(seeded: Seeded) -> None:
    assert seeded.count({"from": seeded.day2}) == 3
    assert seeded.count({"to": seeded.day2}) == 3
    assert seeded.count({"from": "2026-01-01T00:00:00", "to": "2026-01-05T08:00:01"}) == 3
    assert seeded.count({"from": "2030-01-01T00:00:00Z"}) == 0


def test_element_matcher_the_ci_assertion(seeded: Seeded) -> None:
    exactly = {"operation": "OpretFordring", "elements": {"FordringId": "FBS-101-7"}}
    assert seeded.count(exactly) == 1
    assert seeded.count({"elements": {"Kommunekode": "101"}}) == 5  # the Hent bodies name it too
    both = {"elements": {"FordringId": "FBS-101-7", "Hovedstol": "200.00"}}
    assert seeded.count(both) == 0  # every element must match


def test_element_matcher_on_a_cpr_needs_the_masked_form(seeded: Seeded) -> None:
    assert seeded.count({"elements": {"CPRNummer": "0101901234"}}) == 0
    assert seeded.count({"elements": {"CPRNummer": "010190-****"}}) == 3


def test_xpath_matcher(seeded: Seeded) -> None:
    assert seeded.count({"xpath": "//o:Fordring[o:Hovedstol > 100]"}) == 1
    cvr = seeded.sim.tenants.get("147").cvr
    assert seeded.count({"xpath": f"//ac:MunicipalityCVR = '{cvr}'"}) == 1
    assert seeded.count({"xpath": "count(//sp:ServiceAgreementUUID) = 1"}) == 6
    assert seeded.count({"xpath": "/soap:Envelope/soap:Body/o:HentDebitorkonto"}) == 3


def test_find_answers_rows_newest_first_with_limit_and_the_total(seeded: Seeded) -> None:
    found = seeded.find({"operation": "OpretFordring", "limit": 2})
    assert found["count"] == 3 and len(found["requests"]) == 2
    ids = [r["id"] for r in found["requests"]]
    assert ids == sorted(ids, reverse=True)
    assert "FBS-147-1" in found["requests"][0]["request"]
    body = seeded.find({"elements": {"FordringId": "FBS-101-8"}, "limit": 1})
    assert body["count"] == 1 and "FBS-101-8" in body["requests"][0]["request"]


def test_the_response_is_kept_with_its_status_and_cpr_masked(seeded: Seeded) -> None:
    (ok,) = seeded.find({"operation": "HentDebitorkonto", "verdict": "ok"})["requests"]
    assert ok["http_status"] == 200 and "HentDebitorkontoSvar" in ok["response"]
    assert "010190-****" in ok["response"] and "0101901234" not in ok["response"]
    (refused,) = seeded.find({"verdict": "fault"})["requests"]
    assert refused["http_status"] == 500 and refused["fejlkode"] in refused["response"]
    (injected,) = seeded.find({"verdict": "injected"})["requests"]
    assert "TjenesteUtilgaengelig" in injected["response"] and "Fault" in injected["response"]


@pytest.mark.parametrize(
    ("matcher", "says"),
    [
        ({"operaton": "OpretFordring"}, "unknown field(s) operaton"),
        ({"operation": "OpretFordrin"}, "did you mean OpretFordring"),
        ({"verdict": "refused"}, "verdict"),
        ({"fejlkode": "NoSuchCode"}, "fejlkode"),
        ({"kommunekode": 101}, "kommunekode"),
        ({"from": "yesterday"}, "ISO 8601"),
        ({"from": "2026-01-06T00:00:00", "to": "2026-01-05T00:00:00"}, "to must be after"),
        ({"elements": ["FordringId"]}, "elements must be an object"),
        ({"elements": {"o:FordringId": "x"}}, "local name"),
        ({"xpath": "//o:Fordring["}, "xpath"),
        ({"xpath": "//nope:Fordring"}, "prefixes"),
        ({"xpath": "//o:Fordring\x00"}, "XML cannot carry"),
        ({"limit": 0}, "limit"),
        (["OpretFordring"], "JSON object"),
    ],
)
def test_a_bad_matcher_is_a_400_saying_what_is_wrong(
    seeded: Seeded, matcher: Any, says: str
) -> None:
    for path in ("count", "find"):
        r = requests.post(f"{seeded.base_url}/admin/requests/{path}", json=matcher, timeout=10)
        assert r.status_code == 400, r.text
        assert says in r.json()["error"]


# -- debitorsim verify -------------------------------------------------------------------------


def _verify(seeded: Seeded, *args: str) -> int:
    return main(["verify", "--sim-url", seeded.base_url, *args])


def test_cli_exit_0_when_the_count_holds(
    seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--operation", "OpretFordring", "--element", "FordringId=FBS-101-7")
    assert _verify(seeded, *args, "--count", "1") == 0
    assert "1 call match" in capsys.readouterr().out
    assert _verify(seeded, "--kommune", "147", "--from", seeded.day2, "--at-most", "1") == 0
    assert _verify(seeded, "--verdict", "injected") == 0  # default: at least one


def test_cli_exit_1_when_the_count_differs(
    seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--operation", "OpretFordring", "--element", "FordringId=FBS-101-7")
    assert _verify(seeded, *args, "--count", "2") == 1
    assert "expected exactly 2: NO" in capsys.readouterr().out
    assert _verify(seeded, "--operation", "OpretFordring", "--at-least", "4") == 1
    assert _verify(seeded, "--xpath", "//o:Fordring[o:Hovedstol > 100]", "--at-most", "0") == 1
    assert _verify(seeded, "--fejlkode", "FordringIdAlleredeBrugt") == 1


def test_cli_show_lists_the_matching_calls(
    seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _verify(seeded, "--operation", "OpretFordring", "--show", "--count", "3") == 0
    out = capsys.readouterr().out
    assert out.count("DebitorRegistreringAfsend/OpretFordring") == 3 and "kommune 147" in out


def test_cli_exit_2_on_an_error(seeded: Seeded, capsys: pytest.CaptureFixture[str]) -> None:
    assert _verify(seeded, "--operation", "OpretFordrin", "--count", "1") == 2
    assert "did you mean OpretFordring" in capsys.readouterr().err
    assert _verify(seeded, "--element", "FordringId") == 2
    assert main(["verify", "--sim-url", "http://127.0.0.1:9", "--count", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "not running" in err  # one line per failure


# -- journal switched off; an old database -------------------------------------------------------


def test_verify_with_the_journal_off_is_refused_not_zero(tmp_path: Path) -> None:
    app = create_app(SimConfig(data_dir=tmp_path, journal_enabled=False))
    with app.test_client() as client:
        r = client.post("/admin/requests/count", json={})
    assert r.status_code == 409 and "journal is switched off" in r.get_json()["error"]
    simulator_of(app).close()


def test_a_journal_table_from_before_gets_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE journal (id INTEGER PRIMARY KEY, tidspunkt TEXT NOT NULL, service TEXT"
        " NOT NULL, operation TEXT, kommunekode TEXT, verdict TEXT NOT NULL, fejlkode TEXT,"
        " felt TEXT, http_status INTEGER NOT NULL, request TEXT NOT NULL, detail TEXT)"
    )
    conn.execute(
        "INSERT INTO journal (tidspunkt, service, verdict, http_status, request)"
        " VALUES ('2026-01-05T08:00:00+01:00', 'DebitorForespoergsel', 'fault', 500, '<x/>')"
    )
    conn.commit()
    conn.close()
    store = SqliteStore(path)
    with store.read() as tx:
        (old,) = tx.journal(
            kommunekode=None, operation=None, verdict=None, fejlkode=None, before=None, limit=5
        )
    assert old.response is None and old.near_miss is None and old.request == "<x/>"
    store.close()
