"""Schemathesis against the admin API (simulator) and the harness API (core), in process.

Each app is fuzzed through its own OpenAPI document: valid and invalid requests
for every documented operation, a bounded number per operation. No answer may be
a 5xx, and every 4xx must be JSON carrying a message (``error`` in the simulator's
admin API, ``message`` in the core's harness).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from integration.config import CoreConfig, OutboxSettings
from integration.web.app import create_app as create_core
from simulators import SimConfig, create_app, simulator_of

EXAMPLES = 12
"""Examples per operation and generation mode (keeps the whole file well under a minute)."""


def _loopback(app: Flask) -> None:
    """The in-process client sets no REMOTE_ADDR; these apps answer loopback callers only."""
    inner = app.wsgi_app

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ["REMOTE_ADDR"] = environ.get("REMOTE_ADDR") or "127.0.0.1"
        return inner(environ, start_response)

    app.wsgi_app = wsgi  # type: ignore[method-assign]


def key_of(op: Any) -> str:
    """``METHOD /path`` of an operation."""
    return f"{op.method.upper()} {op.path}"


def fuzz(app: Flask, openapi_path: str, message_key: str) -> dict[str, int]:
    """Fuzz every operation of the app's OpenAPI document; calls per operation."""
    _loopback(app)
    schema = schemathesis.openapi.from_wsgi(openapi_path, app)
    problems: list[str] = []
    calls: dict[str, int] = {}
    for result in schema.get_all_operations():
        op = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(op.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                r = case.call()
                key = key_of(case.operation)
                calls[key] = calls.get(key, 0) + 1
                if r.status_code >= 500:
                    problems.append(f"{key} -> {r.status_code}: {r.text[:200]}")
                elif r.status_code >= 400:
                    try:
                        body = json.loads(r.content)
                    except ValueError:
                        problems.append(f"{key} -> {r.status_code} not JSON: {r.text[:200]}")
                        return
                    if not isinstance(body, dict) or not isinstance(body.get(message_key), str):
                        problems.append(f"{key} -> {r.status_code} without {message_key}: {body}")

            try:
                run()
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                assert mode is GenerationMode.NEGATIVE, key_of(op)
    assert problems == [], "\n".join(sorted(set(problems))[:20])
    return calls


def test_simulator_admin_api(tmp_path: Path) -> None:
    app = create_app(SimConfig(data_dir=tmp_path, synchronous="OFF"))
    try:
        calls = fuzz(app, "/admin/openapi.json", "error")
    finally:
        simulator_of(app).close()
    assert {
        "POST /admin/faults",
        "DELETE /admin/faults/{rule_id}",
        "PATCH /admin/tenants/{kode}",
    } <= set(calls)


def test_core_harness_api(tmp_path: Path) -> None:
    config = CoreConfig(
        db_path=str(tmp_path / "core.db"),
        sp_url="http://127.0.0.1:9",  # nothing listens: a drain fails fast, as a network error
        outbox=OutboxSettings(http_timeout_s=0.5),
    )
    calls = fuzz(create_core(config), "/harness/openapi.json", "message")
    assert any(k.startswith("POST /harness/fees") for k in calls)
