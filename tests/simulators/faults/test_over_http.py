"""Fault injection over real HTTP: each kind happens as configured, scoped, counted, journalled.

No test sleeps: delays are the server's, and the tests see them through client timeouts.
"""

from __future__ import annotations

import random
import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
import requests

from oeir import model, soap
from oeir.faults import OeirFault
from oeir.services import DEBITOR_FORESPOERGSEL, DEBITOR_REGISTRERING
from simulators import SimConfig, create_app, simulator_of
from simulators.clock import TZ, VirtualClock
from simulators.faults import FaultInjector, FaultRuleError, parse_rule
from simulators.faults.rules import Window
from simulators.journal import Journal
from tests.conftest import HttpSim
from tests.simulators.helpers import hent, opret


def answer_of(r: requests.Response) -> object:
    """The HentDebitorkonto answer; a SOAP Fault raises `OeirFault`."""
    return soap.read_response(r.content, model.HentDebitorkontoSvar)


def claims(http_sim: HttpSim) -> int:
    """Claims in the ledger."""
    return int(http_sim.sim.stats()["claims"])


# -- the admin API ---------------------------------------------------------------------


def test_admin_add_list_get_delete_clear_and_refusals(http_sim: HttpSim) -> None:
    rule = http_sim.fault(kind="http_503", kommunekode="101", count=2, retry_after_s=5)
    assert rule["id"] > 0 and rule["remaining"] == 2 and rule["retry_after_s"] == 5
    assert [r["id"] for r in http_sim.admin("GET", "/faults")["rules"]] == [rule["id"]]
    assert http_sim.admin("GET", f"/faults/{rule['id']}")["kind"] == "http_503"
    assert http_sim.admin("DELETE", f"/faults/{rule['id']}") == {"removed": 1}
    assert http_sim.admin("GET", f"/faults/{rule['id']}", expect=404)["error"]
    http_sim.fault(kind="http_500")
    http_sim.fault(kind="latency", fixed_ms=1)
    assert http_sim.admin("DELETE", "/faults") == {"removed": 2}
    assert http_sim.admin("GET", "/faults")["rules"] == []
    for bad in (
        {"kind": "meteor"},
        {"kind": "latency"},
        {"kind": "latency", "fixed_ms": -1},
        {"kind": "latency", "min_ms": 10, "max_ms": 5},
        {"kind": "http_500", "probability": 1.5},
        {"kind": "http_500", "count": 0},
        {"kind": "http_500", "kommunekode": "1"},
        {"kind": "http_500", "nonsense": 1},
        {"kind": "business_fault"},
        {"kind": "business_fault", "fejlkode": "IkkeEnKode"},
        {"kind": "maintenance", "start": "25:00", "end": "03:00"},
        {"kind": "maintenance", "start": "01:00", "end": "03:00", "count": 1},
        {"kind": "callback_drop", "operation": "OpretFordring"},
    ):
        assert "error" in http_sim.admin("POST", "/faults", expect=400, json=bad), bad
    assert http_sim.admin("POST", "/faults", expect=400, data="nope")["error"]
    assert http_sim.admin("GET", "/faults")["rules"] == []


def test_rules_from_the_configuration_are_active_at_start(tmp_path: Path) -> None:
    config = SimConfig(
        data_dir=tmp_path,
        synchronous="OFF",
        faults=({"kind": "business_fault", "fejlkode": "TjenesteUtilgaengelig", "count": 1},),
    )
    app = create_app(config)
    try:
        client = app.test_client()
        r = client.post(DEBITOR_FORESPOERGSEL.path, data=hent("101"))
        with pytest.raises(OeirFault) as err:
            soap.read_response(r.data, model.HentDebitorkontoSvar)
        assert err.value.kode == "TjenesteUtilgaengelig"
        r = client.post(DEBITOR_FORESPOERGSEL.path, data=hent("101"))
        with pytest.raises(OeirFault) as err:
            soap.read_response(r.data, model.HentDebitorkontoSvar)
        assert err.value.kode != "TjenesteUtilgaengelig"  # count 1: only the first call
    finally:
        simulator_of(app).close()


# -- triggers and scope ------------------------------------------------------------------


def _pattern(seed: int, n: int = 40) -> list[bool]:
    injector = FaultInjector(VirtualClock(), Journal.__new__(Journal))
    injector.add({"kind": "http_500", "probability": 0.3, "seed": seed})
    return [injector.decide("101", "OpretFordring").fault is not None for _ in range(n)]


def test_same_seed_same_sequence_other_seed_other_sequence() -> None:
    a, b, c = _pattern(7), _pattern(7), _pattern(8)
    assert a == b
    assert a != c
    assert 0 < sum(a) < len(a)
    expected = [random.Random(7).random() < 0.3]  # the rule's own RNG, first draw
    assert a[:1] == expected


def test_seeded_probability_over_http_replays_exactly(http_sim: HttpSim) -> None:
    def run() -> list[int]:
        http_sim.admin("DELETE", "/faults")
        http_sim.fault(kind="http_503", probability=0.5, seed=1234)
        return [http_sim.post(DEBITOR_FORESPOERGSEL, hent("101")).status_code for _ in range(16)]

    first, second = run(), run()
    assert first == second
    assert set(first) == {500, 503}  # 500: the SOAP Fault for an unknown account


def test_next_n_calls_then_normal(http_sim: HttpSim) -> None:
    rule = http_sim.fault(kind="http_500", count=2, operation="HentDebitorkonto")
    statuses = [http_sim.post(DEBITOR_FORESPOERGSEL, hent("101")) for _ in range(3)]
    assert [r.headers["Content-Type"].split(";")[0] for r in statuses] == [
        "text/html",
        "text/html",
        "text/xml",
    ]
    listed = http_sim.admin("GET", f"/faults/{rule['id']}")
    assert (listed["fired"], listed["remaining"]) == (2, 0)


def test_scope_by_municipality_and_operation(http_sim: HttpSim) -> None:
    http_sim.fault(kind="http_503", kommunekode="147", operation="HentDebitorkonto")
    assert http_sim.post(DEBITOR_FORESPOERGSEL, hent("147")).status_code == 503
    assert http_sim.post(DEBITOR_FORESPOERGSEL, hent("101")).status_code == 500  # a SOAP Fault
    before = claims(http_sim)
    r = http_sim.post(DEBITOR_REGISTRERING, opret("147", "FBS-147-SCOPE-1"))
    assert r.status_code == 200, r.text  # another operation of 147: untouched
    assert claims(http_sim) == before + 1


# -- the fault kinds ---------------------------------------------------------------------


def test_http_500_and_503_are_plain_http_errors(http_sim: HttpSim) -> None:
    http_sim.fault(kind="http_500", count=1)
    http_sim.fault(kind="http_503", count=1, retry_after_s=7)
    r500 = http_sim.post(DEBITOR_FORESPOERGSEL, hent("101"))
    r503 = http_sim.post(DEBITOR_FORESPOERGSEL, hent("101"))
    assert (r500.status_code, r503.status_code) == (500, 503)
    assert b"Fault" not in r500.content and b"Fault" not in r503.content
    assert r503.headers["Retry-After"] == "7"


def test_soap_server_fault_and_business_fault(http_sim: HttpSim) -> None:
    http_sim.fault(kind="soap_server_fault", count=1)
    http_sim.fault(kind="business_fault", fejlkode="FordringFindesIkke", felt="FordringId", count=1)
    before = claims(http_sim)
    with pytest.raises(OeirFault) as server:
        soap.read_response(
            http_sim.post(DEBITOR_REGISTRERING, opret("101", "FBS-101-F1")).content,
            model.OpretFordringSvar,
        )
    with pytest.raises(OeirFault) as business:
        soap.read_response(
            http_sim.post(DEBITOR_REGISTRERING, opret("101", "FBS-101-F2")).content,
            model.OpretFordringSvar,
        )
    assert (server.value.kode, server.value.faultcode) == ("TjenesteUtilgaengelig", "Server")
    assert (business.value.kode, business.value.felt) == ("FordringFindesIkke", "FordringId")
    assert business.value.faultcode == "Client"
    assert claims(http_sim) == before  # the call never reached the ledger


def test_connection_reset_before_and_after_executing(http_sim: HttpSim) -> None:
    before = claims(http_sim)
    http_sim.fault(kind="connection_reset", count=1)
    with pytest.raises(requests.ConnectionError):
        http_sim.post(DEBITOR_REGISTRERING, opret("101", "FBS-101-R1"))
    assert claims(http_sim) == before
    http_sim.fault(kind="connection_reset", count=1, execute=True)
    with pytest.raises(requests.ConnectionError):
        http_sim.post(DEBITOR_REGISTRERING, opret("101", "FBS-101-R2"))
    assert claims(http_sim) == before + 1  # done, but the answer never came: the client must retry
    assert http_sim.post(DEBITOR_FORESPOERGSEL, hent("101")).status_code == 500  # server still up


def test_empty_and_truncated_responses(http_sim: HttpSim) -> None:
    http_sim.fault(kind="empty_response", count=1)
    http_sim.fault(kind="truncated_response", keep_fraction=0.5, count=1)
    empty = http_sim.post(DEBITOR_FORESPOERGSEL, hent("101"))
    assert (empty.status_code, empty.content) == (200, b"")
    cut = http_sim.post(DEBITOR_FORESPOERGSEL, hent("101"))
    whole = http_sim.post(DEBITOR_FORESPOERGSEL, hent("101"))
    assert cut.status_code == whole.status_code
    assert len(cut.content) == len(whole.content) // 2
    assert whole.content.startswith(cut.content[:38])  # same XML prolog/envelope start
    with pytest.raises(OeirFault) as err:
        answer_of(cut)
    assert err.value.kode == "MisdannetXml"


def test_slow_body_dribbles_the_real_answer(http_sim: HttpSim) -> None:
    whole = http_sim.post(DEBITOR_FORESPOERGSEL, hent("101")).content
    http_sim.fault(kind="slow_body", chunk_bytes=len(whole) // 3 + 1, interval_ms=1000, count=1)
    host, port = http_sim.base_url.removeprefix("http://").split(":")
    body = hent("101")
    request = (
        f"POST {DEBITOR_FORESPOERGSEL.path} HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(request)
        got = b""
        while b"\r\n\r\n" not in got:
            got += s.recv(65536)
        head_len = got.index(b"\r\n\r\n") + 4
        s.settimeout(0.05)
        with pytest.raises(TimeoutError):  # the rest is not there yet: it dribbles
            while chunk := s.recv(65536):
                got += chunk
        assert len(got) - head_len < len(whole)
        s.settimeout(10)
        while chunk := s.recv(65536):
            got += chunk
    head, _, answer = got.partition(b"\r\n\r\n")
    assert answer == whole
    assert f"Content-Length: {len(whole)}".encode() in head


def test_timeout_holds_past_the_clients_deadline(http_sim: HttpSim) -> None:
    before = claims(http_sim)
    http_sim.fault(kind="timeout", hold_ms=20_000, count=1)
    with pytest.raises(requests.ReadTimeout):
        http_sim.post(DEBITOR_REGISTRERING, opret("101", "FBS-101-T1"), timeout=0.3)
    http_sim.admin("DELETE", "/faults")  # releases the held request
    assert claims(http_sim) == before
    assert http_sim.post(DEBITOR_FORESPOERGSEL, hent("101")).status_code == 500


def test_latency_delays_beyond_a_short_client_deadline(http_sim: HttpSim) -> None:
    http_sim.fault(kind="latency", fixed_ms=1500, count=1)
    with pytest.raises(requests.ReadTimeout):
        http_sim.post(DEBITOR_FORESPOERGSEL, hent("101"), timeout=0.2)
    assert http_sim.post(DEBITOR_FORESPOERGSEL, hent("101"), timeout=10).status_code == 500


def test_latency_distributions_within_bounds_and_seeded() -> None:
    def samples(rule: dict[str, object]) -> list[float]:
        r = parse_rule({"kind": "latency", "seed": 3, **rule}, 1)
        assert r.latency is not None
        return [r.latency.sample_ms(r.rng) for _ in range(2000)]

    assert set(samples({"fixed_ms": 100})) == {100.0}
    uniform = samples({"min_ms": 50, "max_ms": 150})
    assert min(uniform) >= 50 and max(uniform) <= 150 and max(uniform) - min(uniform) > 90
    logn = samples({"median_ms": 100, "sigma": 0.5, "max_ms": 400})
    assert max(logn) <= 400
    assert 90 < sorted(logn)[len(logn) // 2] < 110  # the median
    assert samples({"median_ms": 100, "sigma": 0.5}) == samples({"median_ms": 100, "sigma": 0.5})


def test_concurrent_calls_with_latency_all_answer(http_sim: HttpSim) -> None:
    """50 calls at once, each held 300 ms by the server: every one is answered."""
    http_sim.fault(kind="latency", fixed_ms=300)

    def call(_: int) -> int:
        return requests.post(
            http_sim.base_url + DEBITOR_FORESPOERGSEL.path, data=hent("101"), timeout=30
        ).status_code

    with ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(call, range(50)))
    assert statuses == [500] * 50  # the SOAP Fault for the unknown account, every time
    assert http_sim.admin("GET", "/faults")["rules"][0]["fired"] == 50


def test_maintenance_window_on_the_virtual_clock(http_sim: HttpSim) -> None:
    http_sim.clock.set(datetime(2026, 3, 10, 0, 59, tzinfo=TZ))
    http_sim.fault(kind="maintenance", start="01:00", end="03:00")
    assert http_sim.post(DEBITOR_FORESPOERGSEL, hent("101")).status_code == 500
    http_sim.clock.set(datetime(2026, 3, 10, 1, 0, tzinfo=TZ))
    down = http_sim.post(DEBITOR_FORESPOERGSEL, hent("101"))
    assert down.status_code == 503
    with pytest.raises(OeirFault) as err:
        answer_of(down)
    assert err.value.kode == "TjenesteUtilgaengelig" and "01:00-03:00" in err.value.tekst_en
    http_sim.clock.set(datetime(2026, 3, 10, 3, 0, tzinfo=TZ))
    assert http_sim.post(DEBITOR_FORESPOERGSEL, hent("101")).status_code == 500


def test_window_across_midnight_and_weekdays() -> None:
    w = Window(datetime(2026, 1, 1, 23).time(), datetime(2026, 1, 1, 1).time(), frozenset({4}))
    friday_late = datetime(2026, 1, 9, 23, 30, tzinfo=TZ)
    saturday_early = datetime(2026, 1, 10, 0, 30, tzinfo=TZ)
    saturday_late = datetime(2026, 1, 10, 23, 30, tzinfo=TZ)
    sunday_early = datetime(2026, 1, 11, 0, 30, tzinfo=TZ)
    assert w.contains(friday_late) and w.contains(saturday_early)
    assert not w.contains(saturday_late) and not w.contains(sunday_early)
    with pytest.raises(FaultRuleError):
        parse_rule({"kind": "maintenance", "start": "02:00", "end": "02:00"}, 1)


def test_every_injected_fault_is_in_the_journal(http_sim: HttpSim) -> None:
    newest = http_sim.admin("GET", "/journal?limit=1")["entries"]
    after = newest[0]["id"] if newest else 0
    latency = http_sim.fault(kind="latency", fixed_ms=1, count=1, kommunekode="101")
    fault = http_sim.fault(kind="business_fault", fejlkode="DebitorkontoFindesIkke", count=1)
    http_sim.post(DEBITOR_FORESPOERGSEL, hent("101"))
    assert http_sim.sim.faults.flush()
    entries = [
        e
        for e in http_sim.admin("GET", "/journal?verdict=injected&limit=50")["entries"]
        if e["id"] > after
    ]
    assert len(entries) == 1  # one record per call: the fault, and the latency before it
    assert entries[0]["detail"].startswith(f"fault rule {fault['id']}: business_fault")
    assert f"1 ms latency, rule {latency['id']}" in entries[0]["detail"]
    assert all(e["operation"] == "HentDebitorkonto" and e["kommunekode"] == "101" for e in entries)
    assert entries[0]["fejlkode"] == "DebitorkontoFindesIkke"
    http_sim.post(DEBITOR_FORESPOERGSEL, hent("101"))  # latency alone is recorded too
    http_sim.fault(kind="latency", fixed_ms=1, count=1)
    http_sim.post(DEBITOR_FORESPOERGSEL, hent("101"))
    assert http_sim.sim.faults.flush()
    newest = http_sim.admin("GET", "/journal?verdict=injected&limit=1")["entries"][0]
    assert newest["detail"].startswith("fault rule") and ": latency" in newest["detail"]


def test_fault_rules_from_a_toml_file_for_debitorsim_sim(tmp_path: Path) -> None:
    from debitorsim.commands.sim import load_faults

    path = tmp_path / "faults.toml"
    path.write_text(
        '[[fault]]\nkind = "maintenance"\nstart = "01:00"\nend = "03:00"\n\n'
        '[[fault]]\nkind = "latency"\nkommunekode = "101"\nmedian_ms = 80\nsigma = 0.4\n'
        "max_ms = 2000\nprobability = 0.2\nseed = 42\n",
        encoding="utf-8",
    )
    rules = load_faults(str(path))
    app = create_app(SimConfig(data_dir=tmp_path, synchronous="OFF", faults=rules))
    try:
        listed = app.test_client().get("/admin/faults").get_json()["rules"]
    finally:
        simulator_of(app).close()
    assert [(r["kind"], r.get("distribution")) for r in listed] == [
        ("maintenance", None),
        ("latency", "lognormal"),
    ]
    assert listed[1]["seed"] == 42 and listed[1]["kommunekode"] == "101"
    with pytest.raises(FaultRuleError):
        create_app(SimConfig(data_dir=tmp_path / "x", faults=({"kind": "nope"},)))
