"""A sleeping middleware for the serving-only latency figure.

The simulator's own fault injection (`simulators/faults`, configured through
DEBITORSIM_FAULTS in `debitorsim.wsgi`) is what the latency benchmark measures.
This module answers a narrower question with no app work at all: does the serving
set-up (gunicorn worker class, workers, threads) let 200 slow calls overlap, or does
it serialise them? `delayed_static()` is the ceiling's static answer behind a fixed sleep.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

DELAY_ENV = "DEBITORSIM_BENCH_DELAY_MS"


def delayed_static() -> Any:
    """`load.bench.ceiling.static_app` behind a DEBITORSIM_BENCH_DELAY_MS (default 100) sleep per POST."""
    from load.bench.ceiling import static_app

    delay = int(os.environ.get(DELAY_ENV, "100")) / 1000

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST":
            time.sleep(delay)  # a real wait holding a real server thread, as a slow peer would
        return static_app(environ, start_response)

    return wrapped
