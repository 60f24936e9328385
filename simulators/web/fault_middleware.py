"""The WSGI middleware that makes the simulator misbehave on its SOAP endpoints.

It sits in front of the Flask app, so it can do what a view cannot: hold a
request, drop the connection without an answer, or dribble the body. Without
rules it only looks at the method and path. With rules it reads the body (up to
the request limit; larger bodies pass untouched to get their BeskedForStor Fault), takes the
operation from the SOAPAction header and the municipality from
AuthorityContext/MunicipalityCVR (a byte search, nothing is parsed), asks the
injector, and records every fault it applies in the journal.

Delays here are real time on purpose: they are the server misbehaving. Each
request waits on its own server thread (or greenlet), so a slow call never holds
up another one; the serving set-up must have enough threads (docs/faults.md).
"""

from __future__ import annotations

import errno
import io
import re
import socket
import struct
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from oeir import soap
from oeir.faults import OeirFault
from oeir.services import Service
from simulators.faults.injector import FaultInjector
from simulators.faults.rules import MAX_DRIBBLE_MS, FaultRule

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]

_CVR = re.compile(rb"MunicipalityCVR>\s*(\d{8})\s*<")
_FIRST_IN_BODY = re.compile(rb"Body(?:\s[^>]*)?>\s*<(?:[\w.-]+:)?([A-Za-z]+)")
_XML = "text/xml; charset=utf-8"
_REASONS = {200: "OK", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


class FaultMiddleware:
    """Wraps a WSGI app; applies the injector's faults to POSTs on the served SOAP paths."""

    def __init__(
        self,
        app: WsgiApp,
        injector: FaultInjector,
        services: Iterable[Service],
        kommune_of_cvr: Callable[[str], str | None],
        max_bytes: int,
    ) -> None:
        self.app = app
        self.injector = injector
        self.services = {s.path: s for s in services}
        self.kommune_of_cvr = kommune_of_cvr
        self.max_bytes = max_bytes

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        service = self.services.get(environ.get("PATH_INFO", ""))
        if service is None or environ.get("REQUEST_METHOD") != "POST" or not self.injector.active():
            return self.app(environ, start_response)
        body = self._peek(environ)
        operation = _operation(service, environ.get("HTTP_SOAPACTION"), body)
        found = _CVR.search(body) if body else None
        kommunekode = self.kommune_of_cvr(found.group(1).decode()) if found else None
        decision = self.injector.decide(kommunekode, operation)

        # One journal record per call: the fault applied, with any latency before it.
        delayed = (
            f"after {decision.delay_ms:.0f} ms latency, rule "
            + ", ".join(str(r.id) for r in decision.latencies)
            if decision.latencies
            else None
        )

        def log(
            rule: FaultRule,
            status: int,
            detail: str | None = None,
            keep: bool = True,
            answer: bytes | None = None,
        ) -> None:
            self.injector.record(
                rule,
                service=service.name,
                operation=operation,
                kommunekode=kommunekode,
                http_status=status,
                request=(body or b"") if keep else b"",
                detail="; ".join(d for d in (detail, delayed) if d) or None,
                response=answer,
            )

        if decision.latencies and decision.fault is None:
            log(decision.latencies[0], 0, keep=False)  # the app journals the request itself
        if decision.delay_ms > 0:
            self.injector.hold(decision.delay_ms / 1000)  # clearing the rules cuts it short
        rule = decision.fault
        if rule is None:
            return self.app(environ, start_response)
        return self._apply(rule, environ, start_response, log)

    def _peek(self, environ: Environ) -> bytes | None:
        """The body, put back for the app; None when too large or of unknown length."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            return None
        if length < 0 or length > self.max_bytes:
            return None
        data = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        return data

    def _apply(
        self,
        rule: FaultRule,
        environ: Environ,
        start_response: StartResponse,
        log: Callable[..., None],
    ) -> Iterable[bytes]:
        kind, p = rule.kind, rule.params
        if kind in ("http_500", "http_503"):
            status = 500 if kind == "http_500" else 503
            page = f"<html><body><h1>{status} {_REASONS[status]}</h1></body></html>\n".encode()
            log(rule, status, None, answer=page)
            headers = [("Content-Type", "text/html; charset=utf-8")]
            if status == 503:
                headers.append(("Retry-After", str(p["retry_after_s"])))
            return _answer(start_response, status, headers, page)
        if kind in ("soap_server_fault", "business_fault", "maintenance"):
            kode = p.get("fejlkode", "TjenesteUtilgaengelig")
            detalje = (
                f"vedligeholdelse {rule.window.start:%H:%M}-{rule.window.end:%H:%M}"
                if rule.window is not None
                else rule.description or "fault injection"
            )
            fault = OeirFault(detalje, kode=kode, felt=p.get("felt"))
            status = 503 if kind == "maintenance" else 500
            envelope = soap.fault_envelope(fault)
            log(rule, status, kode, answer=envelope)
            return _answer(start_response, status, [("Content-Type", _XML)], envelope)
        if kind == "empty_response":
            log(rule, p["status"], None, answer=b"")
            return _answer(start_response, p["status"], [("Content-Type", _XML)], b"")
        if kind == "connection_reset":
            if p["execute"]:
                _run(self.app, environ)
            log(rule, 0, "executed, then dropped" if p["execute"] else "dropped unanswered")
            return _drop(environ)
        if kind == "timeout":
            if p["execute"]:
                _run(self.app, environ)
            log(rule, 0, f"held {p['hold_ms']} ms, then dropped")
            self.injector.hold(p["hold_ms"] / 1000)
            return _drop(environ)
        status, headers, answer = _run(self.app, environ)
        code = int(status.split()[0])
        if kind == "truncated_response":
            cut = answer[: int(len(answer) * p["keep_fraction"])]
            log(rule, code, f"{len(cut)} of {len(answer)} bytes", answer=cut)
            return _answer(start_response, code, _without_length(headers), cut, status)
        # slow_body: the real answer, `chunk_bytes` at a time, `interval_ms` apart.
        log(
            rule,
            code,
            f"{len(answer)} bytes, {p['chunk_bytes']} every {p['interval_ms']} ms",
            answer=answer,
        )
        start_response(status, [*_without_length(headers), ("Content-Length", str(len(answer)))])
        return _dribble(answer, p["chunk_bytes"], p["interval_ms"] / 1000, self.injector.hold)


def _operation(service: Service, soap_action: str | None, body: bytes | None) -> str | None:
    """The operation named by SOAPAction, else by the first element of the Body."""
    action = (soap_action or "").strip().strip('"')
    for name, op in service.operations.items():
        if op.soap_action == action:
            return name
    found = _FIRST_IN_BODY.search(body) if body and not action else None
    if found is not None and found.group(1).decode() in service.operations:
        return found.group(1).decode()
    return None


def _answer(
    start_response: StartResponse,
    code: int,
    headers: list[tuple[str, str]],
    body: bytes,
    status: str | None = None,
) -> list[bytes]:
    start_response(
        status or f"{code} {_REASONS.get(code, 'Fault')}",
        [*headers, ("Content-Length", str(len(body)))],
    )
    return [body]


def _without_length(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.lower() != "content-length"]


def _run(app: WsgiApp, environ: Environ) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run the wrapped app to the end; its status line, headers and whole body."""
    got: dict[str, Any] = {}

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        got["status"], got["headers"] = status, headers
        return lambda data: None

    result = app(environ, start)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return got["status"], got["headers"], body


def _dribble(
    body: bytes, chunk: int, interval: float, hold: Callable[[float], bool]
) -> Iterator[bytes]:
    total = 0.0
    for i in range(0, len(body), chunk):
        if i:
            step = min(interval, max(0.0, MAX_DRIBBLE_MS / 1000 - total))
            hold(step)
            total += step
        yield body[i : i + chunk]


def _drop(environ: Environ) -> Iterable[bytes]:
    """Close the connection without an answer (a reset where the server allows it)."""
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    # Servers treat a connection error from the app as a dropped client: nothing is written.
    raise ConnectionResetError(errno.ECONNRESET, "connection reset by fault injection")
