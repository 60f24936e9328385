"""Slow-headers denial of service: clients that send half a request and hold the connection.

The simulator runs under real gunicorn as production serves it (`debitorsim.wsgi`,
2 workers × 8 threads here), and the test bed's werkzeug servers (`debitorsim up`) are
checked the same way. Everything is loopback; no test sleeps: waits are socket timeouts.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests

from debitorsim.gworker import Limits, request_complete
from load.support.runner import Gunicorn
from oeir.services import DEBITOR_FORESPOERGSEL
from tests.simulators.helpers import hent
from wsgiserve import ServerThread

SLOW_CLIENTS = 450
HALF_A_REQUEST = f"POST {DEBITOR_FORESPOERGSEL.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Sl".encode()
FULL_GET = b"GET /favicon.ico HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def start(workdir: Path, request_timeout: float) -> Gunicorn:
    """The simulator under gunicorn with production's settings, 2 workers × 8 threads."""
    env = {
        "DEBITORSIM_SIM_DB": str(workdir / "simulator.db"),
        "DEBITORSIM_CORE_URL": "",
        "DEBITORSIM_JOURNAL": "off",
        "DEBITORSIM_CLOCK_MODE": "frozen",
        "DEBITORSIM_FAULTS": json.dumps([]),
        "DEBITORSIM_REQUEST_TIMEOUT": str(request_timeout),
    }
    server = Gunicorn(
        "debitorsim.wsgi:simulator()",
        workers=2,
        threads=8,
        env=env,
        log_file=workdir / "gunicorn.log",
    )
    server.start().wait_ready("/admin/faults")
    return server


@pytest.fixture(scope="module")
def gunicorn_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    """One served simulator for the module (requests must be complete within 2 s)."""
    server = start(tmp_path_factory.mktemp("slow"), request_timeout=2.0)
    try:
        yield server
    finally:
        server.stop()


def port_of(url: str) -> int:
    """The port of ``http://127.0.0.1:<port>``."""
    return int(url.rsplit(":", 1)[1])


def hold_slow_clients(stack: ExitStack, port: int, n: int) -> list[socket.socket]:
    """`n` connections that each sent half a request (a third after a whole one first)."""
    held = []
    for i in range(n):
        sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
        if i % 3 == 1:  # kept alive after a whole request, then slow on the next one
            sock.sendall(FULL_GET)
            assert sock.recv(4096).startswith(b"HTTP/1.")
            sock.sendall(HALF_A_REQUEST)
        elif i % 3 == 2:  # a whole request and half of the next in one go (read ahead)
            sock.sendall(FULL_GET + HALF_A_REQUEST)
        else:
            sock.sendall(HALF_A_REQUEST)
        held.append(sock)
    return held


def normal_request(base_url: str) -> requests.Response:
    """HentDebitorkonto on a fresh connection (an unknown account: a SOAP Fault)."""
    return requests.post(
        base_url + DEBITOR_FORESPOERGSEL.path,
        data=hent("101"),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=5,
    )


def test_450_slow_header_clients_do_not_stop_normal_requests(gunicorn_sim: Gunicorn) -> None:
    with ExitStack() as stack:
        hold_slow_clients(stack, port_of(gunicorn_sim.url), SLOW_CLIENTS)
        answers = [normal_request(gunicorn_sim.url) for _ in range(3)]
    assert [r.status_code for r in answers] == [500] * 3  # answered: the Fault, not a timeout
    assert all(b"Envelope" in r.content for r in answers)


def test_a_request_not_complete_in_time_is_closed(gunicorn_sim: Gunicorn) -> None:
    with socket.create_connection(("127.0.0.1", port_of(gunicorn_sim.url)), timeout=10) as s:
        s.sendall(HALF_A_REQUEST)
        assert s.recv(4096) == b""  # closed by the server at its 2 s deadline, not at 10 s


def test_a_slow_but_complete_request_is_served(gunicorn_sim: Gunicorn) -> None:
    body = hent("101")
    head = (
        f"POST {DEBITOR_FORESPOERGSEL.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port_of(gunicorn_sim.url)), timeout=10) as s:
        for piece in (head[:10], head[10:], body[:100], body[100:]):
            s.sendall(piece)
        answer = b"".join(iter(lambda: s.recv(65536), b""))
    assert answer.startswith(b"HTTP/1.1 500") and b"Envelope" in answer


def test_request_complete_knows_heads_and_bodies() -> None:
    limits = Limits(preread_bytes=10, head_bytes=100)
    assert not request_complete(b"GET / HTTP/1.1\r\nHost: x\r\n", limits)
    assert request_complete(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", limits)
    post = b"POST / HTTP/1.1\r\ncontent-LENGTH: 4\r\n\r\n"
    assert not request_complete(post + b"abc", limits)
    assert request_complete(post + b"abcd", limits)
    assert request_complete(b"POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits)  # too big
    assert request_complete(b"GET /" + b"x" * 100, limits)  # the parser refuses a huge head


# -- the test bed's own servers (debitorsim up, sim, core) ---------------------------------


def test_werkzeug_test_bed_server_closes_a_slow_client_and_keeps_serving() -> None:
    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
        return [b"ok"]

    bounded = ServerThread(app, request_timeout=1.0, max_connections=SLOW_CLIENTS + 50)
    with bounded as server, ExitStack() as stack:
        held = hold_slow_clients(stack, server.port, SLOW_CLIENTS)
        answers = [requests.get(server.base_url, timeout=5) for _ in range(3)]
        assert [r.text for r in answers] == ["ok"] * 3
        assert held[0].recv(4096) == b""  # closed at the 1 s deadline, not at 10 s


def test_a_burst_of_connections_waits_in_the_backlog_not_refused() -> None:
    # make_server binds its own socket; socketserver's default backlog of 5 made bursts of
    # concurrent clients wait for SYN retransmits or fail ("connection reset by peer").
    from wsgiserve import make_server

    server = make_server("127.0.0.1", 0, lambda environ, start: [])  # bound, not yet accepting
    try:
        with ExitStack() as stack:
            for _ in range(60):
                stack.enter_context(
                    socket.create_connection(("127.0.0.1", server.server_port), timeout=2)
                )
    finally:
        server.server_close()
