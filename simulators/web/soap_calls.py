"""The SOAP calls themselves (a POST on a served service's path), answered in plain WSGI.

A call is the simulator's hot path. Flask around it (request object and context, URL
adapter and routing, session, hooks, response object) cost 12 % of an OpretFordring's
instructions while adding nothing a call uses, so `SoapCalls` sits in
front of the Flask app and answers those POSTs itself; every other request (the WSDL on
GET, the XSDs, admin API, dashboard, payment pages, wrong methods and paths) goes on to
Flask. The middleware around the app (same-origin guard, clock refresh, fault injection,
work slots) wraps both alike.

Its answers are the ones the Flask view gave, byte for byte: the body read as Flask's
request stream gave it (`read_body`), the status line as werkzeug
spells it, an error Flask's handlers would have turned into a SOAP Fault (or an HTML
page) turned into the same one. A POST werkzeug's routing refuses before any view
(a WebSocket upgrade, a Host it cannot encode) still goes to Flask, which answers 400.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import ClientDisconnected, HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wsgi import get_content_length, get_host

from oeir.faults import MessageTooLarge, OeirFault
from oeir.services import Service
from simulators import platform
from simulators.engine import Simulator

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]

XML = "text/xml; charset=utf-8"

_HOSTS_REMEMBERED = 64


def journal(sim: Simulator, service: Service, outcome: platform.Outcome, data: bytes) -> None:
    """Record an outcome in `sim`'s request journal."""
    f = outcome.fault
    sim.journal.record(
        service=service.name,
        operation=outcome.operation,
        kommunekode=outcome.kommunekode,
        verdict="fault" if f else "ok",
        fejlkode=f.kode if f else None,
        felt=f.felt if f else None,
        http_status=outcome.http_status,
        request=data,
        detail=f.tekst_en if f else None,
        response=outcome.body,
        near_miss=outcome.near_miss,
    )


def status_line(code: int) -> str:
    """The status line werkzeug's `Response` sends for `code` (``500 INTERNAL SERVER ERROR``)."""
    reason = HTTP_STATUS_CODES.get(code)
    return f"{code} {reason.upper() if reason else 'UNKNOWN'}"


class SoapCalls:
    """WSGI app: a POST on a path of `services` answered here (see the module), anything
    else passed on to `app` (the Flask app's own WSGI callable).

    An unexpected error is logged on `logger` and answered with an ``InternFejl`` Fault,
    as the Flask app's error handler did.
    """

    def __init__(
        self, app: WsgiApp, sim: Simulator, services: Iterable[Service], logger: logging.Logger
    ) -> None:
        self.app = app
        self.sim = sim
        self.by_path = {service.path: service for service in services}
        self.logger = logger
        self.max_bytes = sim.config.max_request_bytes
        self._encodable_hosts: set[str] = set()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        service = self.by_path.get(environ.get("PATH_INFO", ""))
        if (
            service is None
            or environ.get("REQUEST_METHOD", "").upper() != "POST"
            or self._refused_by_routing(environ)
        ):
            return self.app(environ, start_response)
        try:
            status, body = self._call(service, environ)
        except HTTPException as err:
            if err.code != 413:
                return err(environ, start_response)
            # Flask stopped reading at its limit: a SOAP Fault all the same (HTTP 500).
            status, body = 500, platform.fault_outcome(MessageTooLarge("request body")).body
        except Exception:
            self.logger.exception("unhandled error")
            status, body = 500, platform.fault_outcome(OeirFault(kode="InternFejl")).body
        start_response(
            status_line(status), [("Content-Type", XML), ("Content-Length", str(len(body)))]
        )
        return [body]

    def _refused_by_routing(self, environ: Environ) -> bool:
        """Whether werkzeug's routing refuses the request before any view: a WebSocket
        upgrade (no route takes one), or a Host it cannot IDNA-encode. A Host found
        encodable is remembered (a few of them: clients name the server the same way)."""
        if _upgrades_to_websocket(environ):
            return True
        host = environ.get("HTTP_HOST")
        if host is not None and host in self._encodable_hosts:
            return False
        if not _encodable_host(environ):
            return True
        if host is not None and len(self._encodable_hosts) < _HOSTS_REMEMBERED:
            self._encodable_hosts.add(host)
        return False

    def _call(self, service: Service, environ: Environ) -> tuple[int, bytes]:
        """Read, answer and journal one call: its HTTP status and body."""
        sim, limit = self.sim, self.max_bytes
        size = get_content_length(environ)
        if size is not None and size > limit:
            return self._too_large(service, size)
        try:
            data = read_body(environ, size, limit)
        except MessageTooLarge:  # a chunked body without Content-Length
            return self._too_large(service, None)
        outcome = platform.handle(sim, service, data, environ.get("HTTP_SOAPACTION"), environ)
        journal(sim, service, outcome, data)
        return outcome.http_status, outcome.body

    def _too_large(self, service: Service, size: int | None) -> tuple[int, bytes]:
        """A SOAP Fault (HTTP 500, as SOAP 1.1 answers every Fault), before anything is parsed."""
        outcome = platform.fault_outcome(
            MessageTooLarge(f"{size if size is not None else 'more than'} > {self.max_bytes} bytes")
        )
        journal(self.sim, service, outcome, b"")
        return outcome.http_status, outcome.body


def read_body(environ: Environ, size: int | None, limit: int) -> bytes:
    """The request body as the Flask view read it (`safexml.read_at_most` on Flask's request
    stream, `werkzeug.wsgi.get_input_stream` with Flask's limit one byte above `limit`),
    without the 64 KiB buffer each read of that stream allocated.

    `size` is the Content-Length (`werkzeug.wsgi.get_content_length`), at most `limit`.
    When the server terminates the input (``wsgi.input_terminated``), everything up to its
    end; `MessageTooLarge` past `limit`. Otherwise exactly `size` bytes (none without a
    Content-Length), `ClientDisconnected` (400) when fewer arrive. A failing read is
    `ClientDisconnected` too.
    """
    stream = environ["wsgi.input"]
    if "wsgi.input_terminated" in environ:
        bound, exact = limit + 1, False
    elif size is None:
        return b""
    else:
        bound, exact = size, True
    parts: list[bytes] = []
    got = 0
    while got < bound:
        try:
            chunk = stream.read(bound - got)
        except (OSError, ValueError):
            raise ClientDisconnected() from None
        if not chunk:
            if exact:
                raise ClientDisconnected()
            break
        parts.append(chunk)
        got += len(chunk)
    if got > limit:
        raise MessageTooLarge(f"more than {limit} bytes")
    return b"".join(parts)


def _upgrades_to_websocket(environ: Environ) -> bool:
    """A WebSocket upgrade, as `werkzeug.routing.Map.bind_to_environ` tells one."""
    upgrade = environ.get("HTTP_UPGRADE")
    if upgrade is None or upgrade.lower() != "websocket":
        return False
    connection = environ.get("HTTP_CONNECTION", "").lower().split(",")
    return any(v.strip(" \t") == "upgrade" for v in connection)


def _encodable_host(environ: Environ) -> bool:
    """Whether werkzeug's routing can IDNA-encode the request's host (else: BadHost)."""
    try:
        get_host(environ).lower().partition(":")[0].encode("idna")
    except UnicodeError:
        return False
    return True
