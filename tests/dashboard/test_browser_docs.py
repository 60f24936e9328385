"""The browsable API docs (Swagger UI) in a real browser: they render, and stay on loopback.

Both the simulator's admin API (``/admin/docs``) and the core's harness API
(``/harness/docs``) are shown from the swagger-ui-bundle package's files, served by the
apps themselves. Every request the page makes is logged; each must go to 127.0.0.1.
Screenshots go to ``reports/screenshots/`` (gitignored).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from debitorsim.testbed import Testbed
from tests.dashboard.conftest import Watched

pytestmark = pytest.mark.slow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"


@pytest.mark.parametrize(
    ("app", "docs", "spec", "operation"),
    [
        ("sim", "/admin/docs", "/admin/openapi.json", "/admin/clock"),
        ("core", "/harness/docs", "/harness/openapi.json", "/harness/fees"),
    ],
)
def test_docs_render_every_operation_offline(
    bed: Testbed, watched: Watched, app: str, docs: str, spec: str, operation: str
) -> None:
    from playwright.sync_api import expect

    base = bed.sim_url if app == "sim" else bed.core_url
    page = watched.page
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    doc = requests.get(f"{base}{spec}", timeout=10).json()
    operations = sum(
        1
        for ops in doc["paths"].values()
        for method in ops
        if method in ("get", "post", "put", "patch", "delete")
    )

    page.goto(f"{base}{docs}")
    blocks = page.locator(".opblock")
    expect(blocks.first).to_be_visible()
    expect(blocks).to_have_count(operations)
    expect(page.locator(f".opblock-summary-path[data-path='{operation}']").first).to_be_visible()
    expect(page.locator(".info .title")).to_contain_text(doc["info"]["title"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"api-docs-{app}.png"), full_page=False)

    assert f"{base}{spec}" in requested, requested
    hosts = {urlsplit(url).hostname for url in requested if not url.startswith("data:")}
    assert hosts == {"127.0.0.1"}, requested


def test_docs_assets_are_ours_only(bed: Testbed) -> None:
    page = requests.get(f"{bed.sim_url}/admin/docs", timeout=10)
    assert page.status_code == 200
    assert "connect-src 'self'" in page.headers["Content-Security-Policy"]
    for name in ("swagger-ui.css", "swagger-ui-bundle.js", "debitorsim-docs.js"):
        r = requests.get(f"{bed.core_url}/harness/docs/{name}", timeout=10)
        assert r.status_code == 200 and r.content, name
    assert "validatorUrl: null" in requests.get(f"{bed.sim_url}/admin/docs/debitorsim-docs.js").text
    for wrong in ("..%2fopenapi.json", "index.html", "swagger-ui-bundle.js.map"):
        assert requests.get(f"{bed.sim_url}/admin/docs/{wrong}", timeout=10).status_code == 404
