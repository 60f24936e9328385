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

Each slot has its own thread, which runs the work of every call that gets the slot while
the calling thread waits. Thread-local state then stays warm from one call to the next:
above all the store's SQLite connection (one per thread), whose page cache SQLite
discards whenever another connection committed since that connection last read; with a
connection per server thread nearly every call found it discarded. Measured in one
process on one slot (OpretFordring, 30 claims per account, busy 2-core machine): 1,868-
2,159 µs CPU per call with the calls spread over 8 server threads, 1,044-1,236 µs on one.
Under gunicorn (2 x 128, c=32): 660-727 OpretFordring/s with slot threads, 586-587 without.
Keeping the connection per slot but doing the work on the calling thread (no hand-over) was
no better (670-686/s; docs/load.md, *Correction*).

Each answer says how long its work took, from getting the slot to the status line, in a
``Server-Timing: app;dur=<ms>`` header (the benchmarks log it).
"""

from __future__ import annotations

import io
import os
import queue
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


class SlotThread:
    """A thread that runs, one at a time, the work handed to it; the caller waits.

    The work meets the same thread-local state every time (the store's connection, the
    XML parser). An exception raised by the work is raised in the caller.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], list[Any], threading.Lock]]
        self._jobs = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="work-slot", daemon=True)
        self._thread.start()

    def run(self, work: Callable[[], Any]) -> Any:
        """`work()` on this thread: its result, or its exception raised here."""
        done = threading.Lock()
        done.acquire()
        box: list[Any] = []
        self._jobs.put((work, box, done))
        done.acquire()  # released by the slot thread when the work is over
        result, error = box
        if error is not None:
            raise error
        return result

    def _serve(self) -> None:
        while True:
            work, box, done = self._jobs.get()
            try:
                box[:] = [work(), None]
            except BaseException as exc:  # the caller raises it
                box[:] = [None, exc]
            finally:
                del work
                done.release()


class WorkSlots:
    """WSGI middleware: SOAP POSTs to `paths` run at most `slots` at a time per process,
    each on its slot's own thread (see the module)."""

    def __init__(
        self, app: WsgiApp, slots: int, paths: Collection[str], max_body: int = 1024 * 1024
    ) -> None:
        self.app = app
        self.paths = frozenset(paths)
        self.max_body = max_body
        self._slots = FairSlots(slots)
        self._size = slots
        self._threads: list[SlotThread] = []
        self._pid = 0
        self._start_lock = threading.Lock()

    def _idle_thread(self) -> SlotThread:
        """A slot thread of this process for the slot just taken (started after a fork)."""
        if self._pid != os.getpid():
            with self._start_lock:
                if self._pid != os.getpid():
                    self._threads = [SlotThread() for _ in range(self._size)]
                    self._pid = os.getpid()
        return self._threads.pop()  # never empty: at most `slots` calls hold a slot

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") not in self.paths:
            return self.app(environ, start_response)
        length = environ.get("CONTENT_LENGTH")
        if length and length.isdigit() and int(length) <= self.max_body:
            # Larger or unannounced bodies are the app's to refuse (BeskedForStor) as it reads.
            environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(int(length)))
        with self._slots:
            thread = self._idle_thread()
            try:
                return thread.run(lambda: self._work(environ, start_response))  # type: ignore[no-any-return]
            finally:
                self._threads.append(thread)

    def _work(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        """The app's answer, complete (it is sent after the slot is given back)."""
        started = time.perf_counter()

        def timed(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            took = (time.perf_counter() - started) * 1000
            timing = ("Server-Timing", f"app;dur={took:.2f}")
            return start_response(status, [*headers, timing], exc_info)  # never the app's list

        answer = self.app(environ, timed)
        try:
            return list(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
