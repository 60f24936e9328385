"""Work slots: SOAP calls take turns in arrival order; other paths never wait for a slot."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import requests

from oeir import model, soap
from oeir.services import DEBITOR_FORESPOERGSEL
from simulators import SimConfig, create_app, simulator_of
from simulators.web.work_slots import FairSlots, WorkSlots
from tests.simulators.conftest import sp_header, tenant_for
from wsgiserve import ServerThread

SOAP_PATH = DEBITOR_FORESPOERGSEL.path


def _wait_until(condition: Callable[[], bool]) -> None:
    """Spin (no sleep) until `condition` holds; fail after 10 s."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "condition never held"


def _ok(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def _call(app: WorkSlots, path: str, method: str = "POST") -> tuple[str, dict[str, str]]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    b"".join(app({"REQUEST_METHOD": method, "PATH_INFO": path}, start_response))
    return seen["status"], seen["headers"]


def test_a_freed_slot_goes_to_the_longest_waiter() -> None:
    slots = FairSlots(1)
    order: list[int] = []
    slots.__enter__()  # the test holds the only slot
    threads = []
    for i in range(4):

        def work(i: int = i) -> None:
            with slots:
                order.append(i)

        th = threading.Thread(target=work)
        th.start()
        threads.append(th)
        _wait_until(lambda i=i: len(slots._waiters) == i + 1)  # arrived in this order
    slots.__exit__()
    for th in threads:
        th.join(10)
    assert order == [0, 1, 2, 3]


def test_no_more_than_the_slots_work_at_once() -> None:
    slots = FairSlots(2)
    inside, release = threading.Semaphore(0), threading.Event()
    working = []

    def work() -> None:
        with slots:
            working.append(1)
            inside.release()
            release.wait(10)
            working.pop()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for th in threads:
        th.start()
    assert inside.acquire(timeout=10) and inside.acquire(timeout=10)
    _wait_until(lambda: len(slots._waiters) == 1)  # the third waits
    assert len(working) == 2
    release.set()
    assert inside.acquire(timeout=10)  # and gets a slot once one is free
    for th in threads:
        th.join(10)
    assert not working


def test_other_paths_and_methods_never_wait_for_a_slot() -> None:
    app = WorkSlots(_ok, 1, [SOAP_PATH])
    app._slots.__enter__()  # every slot taken
    try:
        assert _call(app, "/admin/clock")[0] == "200 OK"
        assert _call(app, SOAP_PATH, method="GET")[0] == "200 OK"  # ?wsdl
    finally:
        app._slots.__exit__()


def test_the_body_is_read_before_the_slot_is_taken() -> None:
    """A slow sender must not hold the slot: the body is in memory when the work starts."""
    read_in_slot: list[bytes] = []

    class Body(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            assert slotted._slots._free != 0, "body read while holding the slot"
            return super().read(size)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        read_in_slot.append(environ["wsgi.input"].read())
        start_response("200 OK", [])
        return [b""]

    slotted = WorkSlots(app, 1, [SOAP_PATH], max_body=100)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": SOAP_PATH,
        "CONTENT_LENGTH": "5",
        "wsgi.input": Body(b"hello"),
    }
    slotted(environ, lambda *a: None)
    assert read_in_slot == [b"hello"]


def test_a_soap_answer_says_how_long_its_work_took() -> None:
    status, headers = _call(WorkSlots(_ok, 1, [SOAP_PATH]), SOAP_PATH)
    assert status == "200 OK"
    name, dur = headers["Server-Timing"].split(";dur=")
    assert name == "app" and float(dur) >= 0


def test_the_apps_own_header_list_is_left_alone() -> None:
    shared = [("Content-Type", "text/plain")]  # e.g. a module-level constant

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", shared)
        return [b"ok"]

    slotted = WorkSlots(app, 1, [SOAP_PATH])
    for _ in range(3):
        _call(slotted, SOAP_PATH)
    assert shared == [("Content-Type", "text/plain")]


def test_zero_slots_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        FairSlots(0)


@pytest.mark.parametrize("slots", [None, 2])
def test_the_simulator_app_uses_slots_when_configured(tmp_path: Path, slots: int | None) -> None:
    app = create_app(SimConfig(data_dir=tmp_path, synchronous="OFF", work_slots=slots))
    sim = simulator_of(app)
    tenant = tenant_for(sim, "opus")
    hent = model.HentDebitorkonto(kommunekode=tenant.kode, debitorkontonummer="999999")
    body = soap.request_envelope(hent, sp_header(tenant, DEBITOR_FORESPOERGSEL.name))
    try:
        with ServerThread(app) as server:
            r = requests.post(server.base_url + SOAP_PATH, data=body, timeout=10)
    finally:
        sim.close()
    assert r.status_code == 500  # no such account: a SOAP Fault, still timed
    assert ("Server-Timing" in r.headers) is (slots is not None)
