"""At most N SOAP calls of a process do their work at once; the others wait their turn.

Why: the work is CPU-bound Python. Threads beyond the cores only take turns on the GIL,
and every hand-over is a context switch. Measured on the 2-core machine under gunicorn
(HentDebitorkonto, 100,000 claims, c=32): 2 workers x 8 busy threads served 1,353 req/s
with a server p99 of 32 ms, 2 x 2 served 1,756 req/s with 5.9 ms; one slot per worker
gave the best OpretFordring figures (docs/load.md, *Tuning*). But a server still
needs many threads to *hold* calls the fault injector delays (c=200 at 100 ms needs 200),
so it keeps them, and a delayed call waits outside its slot (this middleware sits inside
the fault middleware). The body is read before the slot is taken, so a client that
sends slowly holds its own thread, not everybody's slot.

Each answer says how long its work took, from getting the slot to the status line, in a
``Server-Timing: app;dur=<ms>`` header (the benchmarks log it).
"""

from __future__ import annotations

import io
import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable
from typing import Any

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


class FairSlots:
    """A counting semaphore that serves waiters in arrival order.

    `threading.Semaphore` lets a newly arrived thread take a freed slot before the one
    woken for it runs, so under load some calls wait many turns (a p99 of ~100 ms at
    c=32); here a released slot passes straight to the longest waiter.
    """

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError(f"work slots must be at least 1, not {slots}")
        self._free = slots
        self._lock = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()

    def __enter__(self) -> None:
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by __exit__ of the call before us: the slot is ours

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._free += 1


class WorkSlots:
    """WSGI middleware: SOAP POSTs to `paths` run at most `slots` at a time per process."""

    def __init__(
        self, app: WsgiApp, slots: int, paths: Collection[str], max_body: int = 1024 * 1024
    ) -> None:
        self.app = app
        self.paths = frozenset(paths)
        self.max_body = max_body
        self._slots = FairSlots(slots)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") not in self.paths:
            return self.app(environ, start_response)
        length = environ.get("CONTENT_LENGTH")
        if length and length.isdigit() and int(length) <= self.max_body:
            # Larger or unannounced bodies are the app's to refuse (BeskedForStor) as it reads.
            environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(int(length)))
        with self._slots:
            started = time.perf_counter()

            def timed(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                took = (time.perf_counter() - started) * 1000
                timing = ("Server-Timing", f"app;dur={took:.2f}")
                return start_response(status, [*headers, timing], exc_info)  # never the app's list

            return self.app(environ, timed)
