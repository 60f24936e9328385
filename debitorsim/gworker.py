"""A gunicorn gthread worker that reads each request in its event loop before a thread sees it.

gunicorn's gthread worker hands a connection to a pool thread as soon as a byte is there,
and the thread then reads the request line, headers and body with blocking reads and no
deadline. A client that sends half a request line and holds the connection keeps that
thread forever: 2 × 8 such connections were enough to stop the simulator.

`GuardedThreadWorker` puts every connection, new or kept alive, in the worker's poller
first and reads without blocking until the request is complete: headers up to the blank
line, and a ``Content-Length`` body up to `Limits.preread_bytes` (a chunked or larger body
is left to the thread, and the app's own size limit). Only then is it handed to a thread,
with the bytes already read put back in front of gunicorn's parser. A request not complete
within `Limits.request_timeout` seconds of its first chance is closed; idle connections
cost no thread. Connections of one client address beyond `Limits.per_client` (per worker)
are closed on accept.

    gunicorn -c python:debitorsim.wsgi ...    (sets worker_class to this one)
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

_HEAD_END = re.compile(rb"\r?\n\r?\n")
_CONTENT_LENGTH = re.compile(rb"\r?\ncontent-length[ \t]*:[ \t]*(\d{1,19})[ \t]*\r?\n", re.I)
_RECV = 65536


@dataclass(frozen=True)
class Limits:
    """How long and how much a request may take before it gets a thread.

    Read from the environment (`from_env`): DEBITORSIM_REQUEST_TIMEOUT (seconds, default
    10), DEBITORSIM_MAX_CLIENT_CONNECTIONS (per worker and client address, default 1024),
    DEBITORSIM_PREREAD_BYTES (largest body read before the hand-over, default 1 MiB + 64 KiB).
    """

    request_timeout: float = 10.0
    per_client: int = 1024
    head_bytes: int = 64 * 1024
    preread_bytes: int = 1024 * 1024 + 64 * 1024

    @classmethod
    def from_env(cls) -> Limits:
        """The limits in DEBITORSIM_* variables, defaults where unset."""
        env = os.environ
        return cls(
            request_timeout=float(env.get("DEBITORSIM_REQUEST_TIMEOUT", cls.request_timeout)),
            per_client=int(env.get("DEBITORSIM_MAX_CLIENT_CONNECTIONS", cls.per_client)),
            preread_bytes=int(env.get("DEBITORSIM_PREREAD_BYTES", cls.preread_bytes)),
        )


def request_complete(data: bytes, limits: Limits) -> bool:
    """True when `data` holds a whole request head (and its Content-Length body), or
    enough that the thread must take over (an oversized head or body: gunicorn's parser
    and the app refuse those)."""
    end = _HEAD_END.search(data)
    if end is None:
        return len(data) > limits.head_bytes
    length = _CONTENT_LENGTH.search(data, 0, end.end())
    if length is None:
        return True
    size = int(length.group(1))
    return size > limits.preread_bytes or len(data) - end.end() >= size


class _Conn(TConn):  # type: ignore[misc]
    """A gthread connection with the bytes read for it so far and its client's count."""

    def __init__(self, *args: Any, release: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head = bytearray()
        self.ready = False
        self._release = release

    def close(self, graceful: bool = False) -> None:
        """Close the socket and give the client's connection back."""
        release, self._release = self._release, None
        if release is not None:
            release()
        super().close(graceful)


class GuardedThreadWorker(ThreadWorker):  # type: ignore[misc]
    """gthread with requests read in the event loop, under a deadline and a per-client cap."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = Limits.from_env()
        self.per_client: dict[str, int] = {}

    def accept(self, listener: Any) -> None:
        """Accept a connection; into the reading front, or closed over the client's cap."""
        try:
            sock, client = listener.accept()
        except BlockingIOError:
            return
        except (ConnectionAbortedError, InterruptedError):
            return
        address = client[0] if isinstance(client, tuple) else str(client)
        if self.per_client.get(address, 0) >= self.limits.per_client:
            self.log.warning("closing a connection of %s: over its connection limit", address)
            sock.close()
            return
        self.per_client[address] = self.per_client.get(address, 0) + 1
        self.nr_conns += 1
        conn = _Conn(
            self.cfg, sock, client, listener.getsockname(), release=partial(self._release, address)
        )
        self.enqueue_req(conn)

    def _release(self, address: str) -> None:
        left = self.per_client.get(address, 1) - 1
        if left > 0:
            self.per_client[address] = left
        else:
            self.per_client.pop(address, None)

    def enqueue_req(self, conn: Any) -> None:
        """The one gate to a thread: a complete request goes on, anything else is read first."""
        if getattr(conn, "ready", True):
            super().enqueue_req(conn)
            return
        if conn.parser is not None:  # bytes a previous request's body drain read ahead
            conn.head += conn.parser.unreader.take_buffered()
        if conn.head and request_complete(bytes(conn.head), self.limits):
            self._hand_over(conn)
            return
        conn.sock.setblocking(False)
        conn.timeout = time.monotonic() + self.limits.request_timeout
        self.pending_conns.append(conn)  # closed by murder_pending at the deadline
        self.poller.register(
            conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn)
        )

    def on_pending_socket_readable(self, conn: Any, client: Any) -> None:
        """Read what is there; hand the connection over once its request is complete."""
        try:
            data = conn.sock.recv(_RECV)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if data:
            conn.head += data
            if not request_complete(bytes(conn.head), self.limits):
                return
        self.poller.unregister(client)
        self.pending_conns.remove(conn)
        if not data:  # the client went away before sending a whole request
            self.nr_conns -= 1
            conn.close()
            return
        self._hand_over(conn)

    def on_client_socket_readable(self, conn: Any, client: Any) -> None:
        """A kept-alive connection has a new request coming: read it in the front too."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        conn.ready = False
        self.enqueue_req(conn)

    def _hand_over(self, conn: Any) -> None:
        conn.sock.setblocking(True)
        conn.init()
        conn.parser.unreader.unread(bytes(conn.head))
        conn.head = bytearray()
        conn.data_ready = True
        conn.ready = True
        super().enqueue_req(conn)

    def murder_keepalived(self, force: bool = False) -> None:
        """Close expired kept-alive connections; when stopping, unfinished requests too."""
        super().murder_keepalived(force)
        while not self.alive and self.pending_conns:  # a stopping worker serves no new request
            conn = self.pending_conns.popleft()
            with contextlib.suppress(OSError, KeyError, ValueError):
                self.poller.unregister(conn.sock)
            self.nr_conns -= 1
            conn.close()

    def finish_request(self, conn: Any, fs: Any) -> None:
        """After a request: the next one on the connection is read in the front again."""
        conn.ready = False
        super().finish_request(conn, fs)
