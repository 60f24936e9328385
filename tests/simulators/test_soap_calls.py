"""The SOAP calls are answered in front of Flask, with the answers Flask gave them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, request, request_started
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder, run_wsgi_app

from oeir import model, soap
from oeir.faults import OeirFault
from oeir.services import DEBITOR_REGISTRERING
from simulators import SimConfig, create_app, simulator_of
from simulators.engine import Simulator

PATH = DEBITOR_REGISTRERING.path
XML = {"Content-Type": "text/xml; charset=utf-8"}


def fejlkode(body: bytes) -> str:
    """The FejlKode of a SOAP Fault."""
    with pytest.raises(OeirFault) as err:
        soap.read_response(body, model.OpretFordringSvar)
    return err.value.kode


@pytest.fixture
def through_flask(app: Flask) -> Iterator[list[str]]:
    """The paths of the requests Flask itself handled (its `request_started` signal)."""
    seen: list[str] = []

    def started(sender: Flask, **extra: object) -> None:
        seen.append(f"{request.method} {request.path}")

    request_started.connect(started, app)
    yield seen
    request_started.disconnect(started, app)


def test_a_soap_call_never_enters_flask_and_everything_else_does(
    client: FlaskClient, through_flask: list[str]
) -> None:
    r = client.post(PATH, data=b"<not xml", headers=XML)
    assert r.status_code == 500 and fejlkode(r.data) == "MisdannetXml"
    assert through_flask == []
    assert client.get(PATH + "?wsdl").status_code == 200
    assert client.put(PATH, data=b"<x/>", headers=XML).status_code == 405
    assert client.post(PATH + "/", data=b"<x/>", headers=XML).status_code == 404
    assert through_flask == [f"GET {PATH}", f"PUT {PATH}", f"POST {PATH}/"]


def test_other_methods_are_refused_as_before(client: FlaskClient) -> None:
    r = client.put(PATH, data=b"<x/>", headers=XML)
    assert r.status_code == 405
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert client.get(PATH).status_code == 405  # no ?wsdl: POST here


@pytest.mark.parametrize(
    ("headers", "host"),
    [
        ({"Connection": "Upgrade", "Upgrade": "websocket"}, "127.0.0.1"),  # no route takes one
        ({}, "localhost.."),  # allowed by the same-origin rule, not IDNA-encodable
    ],
)
def test_a_call_werkzeugs_routing_refuses_is_still_a_400(
    client: FlaskClient, sim: Simulator, headers: dict[str, str], host: str
) -> None:
    r = client.post(
        PATH, data=b"<x/>", headers={**XML, **headers}, environ_overrides={"HTTP_HOST": host}
    )
    assert r.status_code == 400 and r.content_type == "text/html; charset=utf-8"
    assert sim.journal.query() == []


def test_an_unexpected_error_is_logged_and_an_intern_fejl_fault(
    client: FlaskClient,
    sim: Simulator,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def journal_down(**entry: object) -> None:
        raise RuntimeError("journal down")

    monkeypatch.setattr(sim.journal, "record", journal_down)
    r = client.post(PATH, data=b"<not xml", headers=XML)
    assert r.status_code == 500 and r.content_type == XML["Content-Type"]
    assert fejlkode(r.data) == "InternFejl"
    assert [(m.name, m.getMessage()) for m in caplog.records] == [
        ("simulators.app", "unhandled error")
    ]


class _Dribble:
    """A WSGI input that gives at most 7 bytes a read (or fails every read)."""

    def __init__(self, data: bytes, error: Exception | None = None) -> None:
        self.data, self.error = io.BytesIO(data), error

    def read(self, size: int = -1) -> bytes:
        if self.error is not None:
            raise self.error
        return self.data.read(min(7, size) if size >= 0 else 7)


@pytest.mark.parametrize(
    ("length", "terminated", "stream", "answer"),
    [
        ("20", False, _Dribble(b"<not xml"), 400),  # fewer bytes than announced
        ("20", True, _Dribble(b"<not xml"), "MisdannetXml"),  # the server ends the input
        (None, False, _Dribble(b"<not xml"), "MisdannetXml"),  # no length: nothing read
        (None, True, _Dribble(b"<a>" + b"x" * 2_000 + b"</a>"), "BeskedForStor"),
        ("abc", True, _Dribble(b"<not xml"), "MisdannetXml"),  # read to the input's end
        ("8", False, _Dribble(b"", OSError("reset")), 400),
        ("8", True, _Dribble(b"", ValueError("closed")), 400),
    ],
)
def test_the_body_is_read_as_flasks_request_stream_read_it(
    tmp_path: Path,
    length: str | None,
    terminated: bool,
    stream: _Dribble,
    answer: int | str,
) -> None:
    app = create_app(SimConfig(data_dir=tmp_path, synchronous="OFF", max_request_bytes=1_000))
    try:
        environ = EnvironBuilder(path=PATH, method="POST", headers=XML).get_environ()
        environ["wsgi.input"] = stream
        environ.pop("wsgi.input_terminated", None)
        environ.pop("CONTENT_LENGTH", None)
        if terminated:
            environ["wsgi.input_terminated"] = True
        if length is not None:
            environ["CONTENT_LENGTH"] = length
        body, status, _ = run_wsgi_app(app, environ, buffered=True)
        body = b"".join(body)
        if isinstance(answer, int):
            assert int(status.split()[0]) == answer and body.startswith(b"<!doctype html>")
        else:
            assert status == "500 INTERNAL SERVER ERROR" and fejlkode(body) == answer
    finally:
        simulator_of(app).close()
