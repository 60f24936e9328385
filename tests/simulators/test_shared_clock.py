"""One virtual clock per database: every app (process) on it tells the same time.

Issue 13 (6): each gunicorn worker, or a second simulator on the same data dir, kept
its own copy of the clock, so an advance moved one of them only. Here two apps are
built on one database (an SQLite file, or PostgreSQL), as two processes would be,
and driven over their HTTP interfaces (Flask test clients).
"""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from oeir.services import DEBITOR_REGISTRERING
from simulators import SimConfig, create_app, simulator_of
from simulators.clock import TZ
from simulators.ledger.records import EventKind
from tests.backends import Backend, on_each_backend
from tests.simulators.helpers import opret
from tests.simulators.test_restart import _start

START = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


@pytest.fixture
def config(backend: Backend, tmp_path: Path) -> SimConfig:
    """A fresh database (SQLite file or PostgreSQL) with a frozen clock at `START`."""
    return SimConfig(
        data_dir=tmp_path,
        database_url=backend.url,
        clock_start=START,
        journal_enabled=False,
        synchronous="OFF",
    )


@pytest.fixture
def apps(config: SimConfig) -> Iterator[tuple[Flask, Flask]]:
    """Two apps on one database, as two processes (gunicorn workers) would have."""
    a, b = create_app(config), create_app(config)
    yield a, b
    for app in (a, b):
        simulator_of(app).close()


def clock(app: Flask, **body: Any) -> dict[str, Any]:
    """GET /admin/clock, or POST `body` to it; the JSON answer."""
    client = app.test_client()
    r = client.post("/admin/clock", json=body) if body else client.get("/admin/clock")
    assert r.status_code == 200, r.get_data(as_text=True)
    answer: dict[str, Any] = r.get_json()
    return answer


@on_each_backend
def test_an_advance_on_one_app_is_seen_by_the_other(apps: tuple[Flask, Flask]) -> None:
    a, b = apps
    assert clock(a)["now"] == clock(b)["now"] == START.isoformat()
    moved = clock(a, advance="P3D")["now"]
    assert moved == (START + timedelta(days=3)).isoformat()
    assert clock(b)["now"] == moved

    # a claim registered through the other app carries the advanced date
    r = b.test_client().post(
        DEBITOR_REGISTRERING.path,
        data=opret("101", "FBS-SHARED-CLOCK-1"),
        content_type="text/xml; charset=utf-8",
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    with simulator_of(a).store.read() as tx:
        [created] = tx.events(kinds=[str(EventKind.FORDRING_OPRETTET)], limit=10)
    assert created.tidspunkt.isoformat() == moved


@on_each_backend
def test_changes_from_both_apps_build_on_each_other(apps: tuple[Flask, Flask]) -> None:
    a, b = apps
    clock(a, advance="P3D")
    assert clock(b, advance="P1D")["now"] == (START + timedelta(days=4)).isoformat()
    assert clock(a)["now"] == (START + timedelta(days=4)).isoformat()
    clock(b, set="2026-05-01T08:00:00+02:00")
    assert clock(a)["now"] == "2026-05-01T08:00:00+02:00"
    clock(a, mode="accelerated", factor=3600)
    seen = clock(b)
    assert (seen["mode"], seen["factor"]) == ("accelerated", 3600)
    clock(b, mode="frozen")
    assert clock(a)["mode"] == "frozen"


@on_each_backend
def test_a_second_simulator_takes_the_stored_clock_not_its_own_settings(
    config: SimConfig,
) -> None:
    first = create_app(config)
    clock(first, advance="PT5H")
    other = create_app(
        SimConfig(
            data_dir=config.data_dir,
            database_url=config.database_url,
            clock_mode="real",
            clock_start=datetime(2030, 1, 1, tzinfo=TZ),
            journal_enabled=False,
            synchronous="OFF",
        )
    )
    try:
        assert clock(other) == clock(first)
        assert clock(other)["now"] == (START + timedelta(hours=5)).isoformat()
    finally:
        simulator_of(other).close()
        simulator_of(first).close()


@on_each_backend
def test_a_core_on_the_simulators_clock_follows_an_advance_made_elsewhere(
    apps: tuple[Flask, Flask], tmp_path: Path
) -> None:
    """`debitorsim up` hands its core the simulator's clock: the core reads it per request."""
    from integration.config import CoreConfig
    from integration.web.app import create_app as create_core_app

    a, b = apps
    core_app = create_core_app(
        CoreConfig(db_path=str(tmp_path / "core.sqlite3"), clock=simulator_of(a).clock)
    )
    clock(b, advance="P3D")  # another process on the simulator's database
    r = core_app.test_client().post(
        "/harness/fees",
        json={
            "agencyId": "DK-710100",
            "amount": 30,
            "patron": {"cpr": "1502851111", "name": "Test Person"},
        },
    )
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.get_json()["creationDate"] == (START + timedelta(days=3)).date().isoformat()
    core_app.extensions["integration"].store.close()


def _banner(proc: subprocess.Popen[str]) -> list[str]:
    """The rest of `debitorsim sim`'s start banner, up to its clock driver line."""
    assert proc.stdout is not None
    lines: list[str] = []
    # bounded: a banner without that line must fail the test, not hang it (the kill ends
    # the output; select() would not do, the pipe's text buffer may hold the lines already)
    deadline = threading.Timer(60, proc.kill)
    deadline.start()
    try:
        while not (lines and lines[-1].strip().startswith("clock driver")):
            line = proc.stdout.readline()
            assert line, f"no clock driver line in the banner: {lines}"
            lines.append(line)
    finally:
        deadline.cancel()
    return lines


def test_two_simulator_processes_on_one_data_dir_share_the_clock(tmp_path: Path) -> None:
    """Two `debitorsim sim` on one data dir: one clock; the jobs are run by the first only."""
    first, first_url = _start(tmp_path)
    try:
        assert "this process" in _banner(first)[-1]
        second, second_url = _start(tmp_path)
        try:
            assert "another process" in _banner(second)[-1]
            moved = requests.post(
                f"{first_url}/admin/clock", json={"advance": "P3D"}, timeout=30
            ).json()["now"]
            assert requests.get(f"{second_url}/admin/clock", timeout=30).json()["now"] == moved
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
