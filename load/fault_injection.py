"""Injected latency for the benchmark, through the simulator when it can, else a bench wrapper.

The simulator's own fault injection (latency by municipality/operation through the admin
API) belongs to issue 8. Until it exists, `delayed_simulator()` wraps the real simulator
app in a WSGI middleware that sleeps before each SOAP call: that measures what the
benchmark asks about, whether the serving set-up lets 200 slow calls overlap instead
of serialising them, and the bench report says which of the two was used.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any

DELAY_ENV = "DEBITORSIM_BENCH_DELAY_MS"


def set_latency(sim_url: str, ms: int) -> str | None:
    """Ask the simulator's admin API for a fixed latency on every SOAP call.

    Returns how it was set, or None when the simulator offers no such API.
    """
    body = json.dumps({"kind": "latency", "fixed_ms": ms}).encode()
    req = urllib.request.Request(
        sim_url + "/admin/faults", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return "simulator admin API (/admin/faults)" if resp.status < 300 else None
    except (urllib.error.HTTPError, OSError):
        return None


def delayed_simulator() -> Any:
    """The simulator app behind a middleware sleeping DEBITORSIM_BENCH_DELAY_MS per SOAP POST."""
    from debitorsim.wsgi import simulator

    app = simulator()
    delay = int(os.environ.get(DELAY_ENV, "100")) / 1000

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST":
            time.sleep(delay)  # a real wait on a real server thread, as a slow peer would
        return app(environ, start_response)

    return wrapped


def delayed_static() -> Any:
    """The ceiling's static answer behind the same sleeping middleware (the serving set-up alone)."""
    from load.ceiling import static_app

    delay = int(os.environ.get(DELAY_ENV, "100")) / 1000

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST":
            time.sleep(delay)
        return static_app(environ, start_response)

    return wrapped
