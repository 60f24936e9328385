"""Test-only gunicorn app: the production simulator, with the serving worker's pid on every
answer (``X-Worker-Pid``), so a test can show which worker served a call.

    gunicorn -c python:debitorsim.wsgi 'tests.simulators.faults.pid_app:simulator()'

The header costs nothing outside these tests: the production factory is unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

PID_HEADER = "X-Worker-Pid"


def simulator() -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """`debitorsim.wsgi.simulator()` wrapped to add ``X-Worker-Pid`` to each answer."""
    from debitorsim.wsgi import simulator as production

    app = production()
    pid = str(os.getpid())  # the factory runs in each worker after the fork

    def with_pid(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, (PID_HEADER, pid)], exc_info)

        result: Iterable[bytes] = app(environ, start)
        return result

    return with_pid
