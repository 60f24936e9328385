"""Fixtures of the dashboard tests: a simulator app for the test client, a real browser.

The browser is Debian's ``chromium`` driven by Playwright (never a downloaded build);
tests that need it skip with the reason when ``/usr/bin/chromium`` or the Python
package is missing.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from debitorsim.testbed import Testbed, TestbedConfig
from oeir import testdata
from simulators import SimConfig, create_app, simulator_of
from simulators.engine import Simulator
from tests.simulators.helpers import fordring

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SECRET_CPR = "0101901234"
"""A valid CPR number the tests put in and then look for, unmasked, in every page."""


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (Debian package: apt-get install -y chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright Python package is missing (pip install -e '.[test]')"
    return None


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """A simulator app with its behaviour over time, on a fresh store and clock."""
    flask_app = create_app(
        SimConfig(data_dir=tmp_path, synchronous="OFF", core_url="http://127.0.0.1:1/")
    )
    yield flask_app
    simulator_of(flask_app).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """The app's test client (as a loopback caller)."""
    return app.test_client()


@pytest.fixture
def sim(app: Flask) -> Simulator:
    """The simulator behind `app`."""
    return simulator_of(app)


def seed_claims(
    sim: Simulator, kode: str, n: int, *, per_account: int = 4, prefix: str = "F"
) -> list[str]:
    """`n` claims in one municipality through the ledger, in one store transaction.

    Debtors get valid, distinct CPR numbers, `per_account` claims each.
    """
    fake = testdata.faker(1590)
    cprs: list[str] = []
    seen: set[str] = set()
    while len(cprs) < n // per_account + 1:
        cpr = fake.cpr()
        if cpr not in seen:
            seen.add(cpr)
            cprs.append(cpr)
    ids = []
    with sim.store.transaction():
        for i in range(n):
            fid = f"{prefix}{i:06d}"
            claim = fordring(fid, 2500 + i, cpr=cprs[i // per_account], kommunekode=kode)
            sim.ledger.opret_fordring(claim, create_account=True)
            ids.append(fid)
    return ids


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian chromium through Playwright (one per test session)."""
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    if shutil.which(str(CHROMIUM)) is None:
        pytest.skip(f"{CHROMIUM} is not executable")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def bed(tmp_path: Path) -> Iterator[Testbed]:
    """Simulator + core + one clock on free loopback ports."""
    config = TestbedConfig(data_dir=tmp_path / "bed", persist_clock=False, synchronous="OFF")
    with Testbed(config) as running:
        yield running


class Watched:
    """A browser page whose console errors and uncaught exceptions are collected."""

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url', '')})")

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    """A fresh browser context and page; fails the test on any console error."""
    context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    w = Watched(page)
    yield w
    context.close()
    assert w.errors == [], w.errors
