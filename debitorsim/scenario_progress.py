"""A pytest plugin for `debitorsim scenarios`: one line per scenario instead of dots.

Loaded with ``-p debitorsim.scenario_progress`` in the scenario subprocess. Each line
says which scenario of how many ran, for which debtor system, and how it went::

    [ 3/22] eg          Et gebyr for sen aflevering bliver til en fordring  bestået

Pytest's own dots are left out (``pytest_report_teststatus``); its summary and any
failure details stay.
"""

from __future__ import annotations

from typing import Any

import pytest

from simulators.profiles import SYSTEMS

OUTCOME_DA = {"passed": "bestået", "failed": "FEJLET", "skipped": "ikke afprøvet"}


class Progress:
    """Counts scenarios and writes one line per finished scenario."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.total = 0
        self.done = 0
        self.about: dict[str, tuple[str, str]] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Remember how many scenarios will run, and each one's system and title."""
        self.total = len(session.items)
        for item in session.items:
            system = next((m for m in SYSTEMS if item.get_closest_marker(m)), "alle")
            self.about[item.nodeid] = (system, title_of(item))
        self._write(f"{self.total} scenarie(r) at køre")

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport) -> Any:
        """No dot per test: the line written below says it."""
        if report.when == "call":
            return report.outcome, "", report.outcome.upper()
        if report.when == "setup" and report.skipped:
            return "skipped", "", "SKIPPED"
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """A line when a scenario is over (run, skipped or broken in setup)."""
        if not (report.when == "call" or (report.when == "setup" and not report.passed)):
            return
        self.done += 1
        system, title = self.about.get(report.nodeid, ("?", report.nodeid))
        width = len(str(self.total))
        outcome = OUTCOME_DA.get(report.outcome, report.outcome)
        self._write(f"[{self.done:>{width}}/{self.total}] {system:<11} {title}  {outcome}")

    def _write(self, line: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(line)


def title_of(item: pytest.Item) -> str:
    """The scenario's own name (pytest-bdd puts "feature: scenario" in the docstring), with
    the example's values beyond the system, if any."""
    doc = getattr(getattr(item, "obj", None), "__doc__", None) or ""
    title = doc.partition(": ")[2].strip() if ": " in doc else item.name
    params = item.name.partition("[")[2].rstrip("]").split("-", 1)
    extra = params[1] if len(params) == 2 and params[0] in SYSTEMS else ""
    return f"{title} ({extra})" if extra else title


def pytest_configure(config: pytest.Config) -> None:
    """Register the progress lines."""
    config.pluginmanager.register(Progress(config), "debitorsim-scenario-progress")
