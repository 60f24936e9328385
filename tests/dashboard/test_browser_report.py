"""The readiness report in a real browser: its verdict, system table and scenario list show.

Rendered from a synthetic run (one EG scenario passed, one skipped), opened from disk as
a stakeholder opens the file. Also the screenshot for the people who sign off, in
``reports/screenshots/`` (gitignored).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from debitorsim.report.readiness import Run, render

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "reports" / "screenshots"


def test_readiness_report_reads_right_in_a_browser(browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    run = Run(
        results={
            "a": {
                "feature": "Dannelse af fordring",
                "scenario": "Et gebyr bliver en fordring",
                "system": "eg",
                "outcome": "passed",
            },
            "b": {
                "feature": "Drift og fejl",
                "scenario": "Kontrol af kvittering",
                "system": "eg",
                "outcome": "skipped",
                "message": "kræver simulatorens admin-API (ikke mod et rigtigt system)",
            },
        },
        kommuner={"eg": "157"},  # Gentofte: EG in the (illustrative) registry
    )
    path = tmp_path / "readiness.html"
    path.write_text(render(run, generated=datetime(2026, 1, 5, 7, 0, tzinfo=UTC)), "utf-8")
    context = browser.new_context(locale="da-DK", viewport={"width": 1100, "height": 900})
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        expect(page.locator("#dom strong")).to_have_text("Klar (for de testede scenarier)")
        expect(page.locator("#koert")).to_contain_text("05.01.2026 kl. 08:00 (dansk tid)")
        expect(page.locator("#systemer tr[data-system='opus']")).to_contain_text("Ikke testet")
        expect(page.locator("#scenarier")).to_contain_text("Kontrol af kvittering")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "readiness-eksempel.png"), full_page=True)
    finally:
        context.close()
