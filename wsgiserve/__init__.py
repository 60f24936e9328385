"""Serve a WSGI app on loopback in a background thread, bounded in read time and connections.

A package of its own, below every other: the CLI (`debitorsim up`, `sim`, `core`), the
benchmarks in `load` and the tests all serve apps this way, and none of them may import
the other to get it. It imports only werkzeug.

The servers are werkzeug's threaded server, a thread per connection, bounded
(`make_server`): a connection is closed when one read of its request (or one write of the
answer) waits longer than `request_timeout` seconds, so a client that sends half a request
and holds cannot keep its thread, and beyond `max_connections` open connections a new one
gets HTTP 503 and is closed. Both are read from DEBITORSIM_REQUEST_TIMEOUT and
DEBITORSIM_MAX_CONNECTIONS when not given.

With an `ssl.SSLContext` the server speaks HTTPS. The TLS handshake runs in the
connection's own thread under the same read timeout (werkzeug's own TLS would run it in
the accepting thread, where one silent client stops every other from being accepted);
the verified client certificate reaches the app as ``SSL_CLIENT_CERT`` (PEM) in the
WSGI environ, as werkzeug's request handler puts it there.
"""

from __future__ import annotations

import os
import socket
import ssl
import threading
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer, WSGIRequestHandler

__all__ = ["MAX_CONNECTIONS", "REQUEST_TIMEOUT", "ServerThread", "make_server"]

REQUEST_TIMEOUT = 10.0
"""Seconds one read of a request may wait (DEBITORSIM_REQUEST_TIMEOUT)."""
MAX_CONNECTIONS = 1024
"""Open connections (each holds a thread) before new ones get 503 (DEBITORSIM_MAX_CONNECTIONS)."""
_BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class _BoundedServer(ThreadedWSGIServer):
    """werkzeug's threaded server with at most `max_connections` connections at once."""

    def __init__(
        self,
        *args: Any,
        max_connections: int,
        tls: ssl.SSLContext | None = None,
        handshake_timeout: float = REQUEST_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._slots = threading.BoundedSemaphore(max_connections)
        self._tls = tls
        self._handshake_timeout = handshake_timeout
        # Read by werkzeug's handler: wsgi.url_scheme is "https" when this is set.
        self.ssl_context = tls

    def process_request(self, request: Any, client_address: Any) -> None:
        """A thread for the connection, or 503 and close when all slots are taken."""
        if not self._slots.acquire(blocking=False):
            try:
                request.setblocking(False)
                request.send(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Serve the connection (after the TLS handshake, with TLS), then give its slot back."""
        try:
            if self._tls is not None:
                request.settimeout(self._handshake_timeout)
                try:
                    request = self._tls.wrap_socket(request, server_side=True)
                except (OSError, ValueError):  # no or a foreign client certificate, or silence
                    return  # wrap_socket has closed the connection
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def make_server(
    host: str,
    port: int,
    app: Any,
    request_timeout: float | None = None,
    max_connections: int | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> BaseWSGIServer:
    """A threaded werkzeug server bounded in read time and connections (see the module);
    HTTPS with `ssl_context`."""
    timeout = request_timeout or float(
        os.environ.get("DEBITORSIM_REQUEST_TIMEOUT", REQUEST_TIMEOUT)
    )
    limit = max_connections or int(os.environ.get("DEBITORSIM_MAX_CONNECTIONS", MAX_CONNECTIONS))
    handler = type("TimedRequestHandler", (WSGIRequestHandler,), {"timeout": timeout})
    # Bound here, not by werkzeug: it prints and exits on a port in use, and the
    # commands want the OSError to say which flag moves the port.
    with _bind(host, port) as sock:
        server = _BoundedServer(
            host,
            port,
            app,
            handler,
            max_connections=limit,
            tls=ssl_context,
            handshake_timeout=timeout,
            fd=sock.fileno(),
        )
    # What HTTPServer.server_bind would have set (werkzeug skips it for a given socket).
    server.server_name, server.server_port = str(server.server_address[0]), server.port
    return server


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port), as werkzeug would open it; OSError when taken."""
    from werkzeug.serving import LISTEN_QUEUE, get_sockaddr, select_address_family

    family = select_address_family(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(get_sockaddr(host, int(port), family))
        # werkzeug's backlog (128), not socketserver's 5: werkzeug does not listen() again on a
        # socket it is given, and a backlog of 5 resets bursts of concurrent clients.
        sock.listen(LISTEN_QUEUE)
    except BaseException:
        sock.close()
        raise
    return sock


class ServerThread:
    """A threaded werkzeug server in a daemon thread; port 0 picks a free port.

    Use as a context manager, or call `start()` and `stop()`.
    """

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        request_timeout: float | None = None,
        max_connections: int | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._server = make_server(host, port, app, request_timeout, max_connections, ssl_context)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The port actually bound."""
        return self._server.server_port

    @property
    def base_url(self) -> str:
        """``http(s)://host:port`` of the running server."""
        scheme = "http" if self._server.ssl_context is None else "https"
        return f"{scheme}://{self._server.host}:{self.port}"

    def start(self) -> ServerThread:
        """Start serving in the background; returns self."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Release the port of a server that was never started."""
        self._server.server_close()

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
