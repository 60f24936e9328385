"""The KLIK scenario suite's fixtures and hooks (pytest-bdd; features in ``features/``).

One test bed per session (two loopback servers); every scenario gets a fresh simulator
and core behind the same ports (`Testbed.renew`) on a fresh virtual clock that starts
Monday 5 January 2026 08:00. Results and measurements are written for the readiness
report when ``DEBITORSIM_SCENARIO_OUT`` is set.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from debitorsim.klik import settings as settings_mod
from debitorsim.klik.common import *  # noqa: F403  (shared step definitions)
from debitorsim.klik.world import Measurements, World
from debitorsim.testbed import Testbed, TestbedConfig
from integration.config import OutboxSettings
from oeir import testdata
from oeir.certs import CertDir
from simulators import profiles

HERE = Path(__file__).resolve().parent
SYSTEM_MARKERS = settings_mod.SYSTEMS
KONTROL_REASON = (
    "kræver simulatorens kontrol-API (virtuelt ur, betalinger, nedbrud): "
    "kan ikke køres mod et rigtigt debitorsystem (--sim-url)"
)

_results: dict[str, dict[str, Any]] = {}
_served: dict[str, str] = {}
"""The test bed's base URLs (http or https), for results.json."""
_measurements = Measurements()


@pytest.fixture(scope="session")
def scenario_settings() -> settings_mod.ScenarioSettings:
    """Which municipalities play which system, and their overrides."""
    return settings_mod.load()


@pytest.fixture(scope="session")
def testbed(
    scenario_settings: settings_mod.ScenarioSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Testbed]:
    """The session's test bed (servers stay; apps are renewed per scenario)."""
    data_dir = tmp_path_factory.mktemp("klik")
    if scenario_settings.sim_url:
        # Against a real debtor system the core keeps one store across runs, so its claim ids
        # (FBS-<agency>-<fee id>) never repeat ones the debtor system already has.
        data_dir = Path(os.environ.get("DEBITORSIM_SCENARIO_DATA", ".debitorsim/scenarios-real"))
    config = TestbedConfig(
        data_dir=data_dir,
        sim_url=scenario_settings.sim_url,
        persist_clock=False,
        synchronous="OFF",
        journal=True,
        tenants=scenario_settings.tenants,
        rules=scenario_settings.rules,
        outbox=OutboxSettings(backoff_base_s=30, backoff_cap_s=600, jitter=0.2, http_timeout_s=10),
        tls=CertDir(scenario_settings.tls) if scenario_settings.tls else None,
    )
    with Testbed(config) as bed:
        _served.update(sim=bed.sim_url, core=bed.core_url)
        yield bed


@pytest.fixture
def verden(
    testbed: Testbed, scenario_settings: settings_mod.ScenarioSettings, request: Any
) -> Iterator[World]:
    """A fresh world for one scenario."""
    if testbed.generation_used and testbed.simulated:
        testbed.renew()
    testbed.generation_used = True
    seed = zlib.crc32(request.node.nodeid.encode())
    world = World(testbed, scenario_settings, _measurements, seed, http=testbed.session())
    world.use(scenario_settings.neutral_system)
    world.faker = testdata.faker(seed)  # type: ignore[attr-defined]
    yield world
    world.http.close()


def pytest_configure(config: pytest.Config) -> None:
    """Register the suite's markers: one per debtor system (from the profiles), kontrol, tid.

    Here rather than in a project's configuration, so an installed suite has them too.
    """
    for system, name in profiles.names().items():
        config.addinivalue_line("markers", f"{system}: KLIK scenario example for {name}")
    config.addinivalue_line(
        "markers",
        "kontrol: KLIK scenario that needs the simulator's control API (skipped with --sim-url)",
    )
    config.addinivalue_line(
        "markers",
        "tid: KLIK scenario that needs the simulators' behaviour over time (callbacks, payments)",
    )


def _in_suite(item: pytest.Item) -> bool:
    """True for the suite's own scenarios (a run may collect other tests beside them)."""
    return Path(item.path).is_relative_to(HERE)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip @kontrol scenarios against a real debtor system (they need the simulator's API)."""
    real = bool(os.environ.get("DEBITORSIM_SIM_URL"))
    for item in items:
        if not _in_suite(item):
            continue
        if real and item.get_closest_marker("kontrol"):
            item.add_marker(pytest.mark.skip(reason=KONTROL_REASON))


def pytest_bdd_before_scenario(request: Any, feature: Any, scenario: Any) -> None:
    """Remember which feature and scenario a test is, for the report."""
    _results.setdefault(request.node.nodeid, {}).update(
        feature=feature.name, scenario=scenario.name
    )


def pytest_bdd_step_error(
    request: Any,
    feature: Any,
    scenario: Any,
    step: Any,
    step_func: Any,
    step_func_args: Any,
    exception: BaseException,
) -> None:
    """Remember the failing step and its message, in plain words."""
    message = str(exception).split("\nassert ")[0].strip() or type(exception).__name__
    _results.setdefault(request.node.nodeid, {}).update(
        step=f"{step.keyword} {step.name}", message=message
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    """Record each scenario's outcome, system and skip reason."""
    report = yield
    if not _in_suite(item):
        return report
    entry = _results.setdefault(item.nodeid, {})
    system = next((m for m in SYSTEM_MARKERS if item.get_closest_marker(m)), None)
    entry.setdefault("system", system)
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        entry["outcome"] = report.outcome
        if report.skipped and isinstance(report.longrepr, tuple):
            entry["message"] = str(report.longrepr[2]).removeprefix("Skipped: ")
        elif report.failed and "message" not in entry:
            entry["message"] = str(report.longrepr).strip().splitlines()[-1][:500]
    if "feature" not in entry:
        path = getattr(item, "path", None)
        entry["feature"] = _feature_of(item)
        entry["scenario"] = item.name if path else item.nodeid
    return report


def _feature_of(item: pytest.Item) -> str:
    """The feature a (skipped-before-setup) scenario belongs to, from its module."""
    module = getattr(item, "module", None)
    return str(getattr(module, "FEATURE_NAME", item.nodeid.split("::")[0]))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write results.json and measurements.json for the readiness report."""
    settings = settings_mod.load()
    if settings.out_dir is None or not _results:
        return
    out = Path(settings.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(
        json.dumps(
            {
                "settings": {"kommuner": settings.kommuner, "sim_url": settings.sim_url},
                "served": _served,
                "results": _results,
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    (out / "measurements.json").write_text(
        json.dumps(_measurements.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
    )
