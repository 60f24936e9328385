"""Browsable API documentation (Swagger UI) next to an OpenAPI JSON document, offline.

The Swagger UI files come from the PyPI package ``swagger-ui-bundle`` (the dist files
of Swagger UI, maintained by the Connexion project), so the page loads nothing from the
internet: the script, the stylesheet and the OpenAPI document are all served by the app
itself, and a Content-Security-Policy of ``'self'`` keeps every request on its origin.
The validator badge (which would call validator.swagger.io) is switched off.

Framework-free on purpose: the simulator's admin API and the core's harness API each
mount two routes (the page, its assets) with `page`, `asset` and `CSP`.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js")
"""The Swagger UI files a docs page loads (from the swagger-ui-bundle package)."""

INIT = "debitorsim-docs.js"
"""Our initialiser, a file (not an inline script) so the CSP needs no 'unsafe-inline' script."""

_INIT_JS = """\
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""Swagger UI sets inline styles; everything else, requests included, stays on the origin."""


class DocsUnavailable(LookupError):
    """The swagger-ui-bundle package is not installed."""


def swagger_dir() -> Path:
    """The directory of Swagger UI's dist files (raises `DocsUnavailable` when not installed)."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError as exc:
        raise DocsUnavailable(
            "swagger-ui-bundle is not installed (pip install -e .): the JSON document still is"
        ) from exc
    return Path(str(swagger_ui_path))


def page(title: str, spec_url: str, assets_url: str) -> str:
    """The HTML page showing `spec_url` in Swagger UI; assets under `assets_url` (ends in /)."""
    t, spec, base = escape(title), escape(spec_url), escape(assets_url)
    return f"""<!doctype html>
<html lang="da">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{base}swagger-ui.css">
</head>
<body>
<p style="font-family:sans-serif;margin:.6rem 1.2rem">{t} · <a href="{spec}">OpenAPI (JSON)</a></p>
<div id="swagger-ui" data-spec="{spec}"></div>
<script src="{base}swagger-ui-bundle.js"></script>
<script src="{base}{INIT}"></script>
</body>
</html>
"""


def asset(name: str) -> tuple[bytes, str] | None:
    """An asset's bytes and content type, or None when `name` is not one we serve."""
    if name == INIT:
        return _INIT_JS.encode(), "text/javascript; charset=utf-8"
    if name not in ASSETS:
        return None
    kind = "text/css" if name.endswith(".css") else "text/javascript"
    return (swagger_dir() / name).read_bytes(), f"{kind}; charset=utf-8"


Reply = tuple[bytes | str, int, dict[str, str]]
"""A web framework's (body, status, headers) reply; Flask views return it as it is."""


def page_reply(title: str, spec_url: str, assets_url: str) -> Reply:
    """The docs page as a reply, with its CSP; raises `DocsUnavailable` without the package."""
    swagger_dir()
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": CSP,
        "Cache-Control": "no-store",
    }
    return page(title, spec_url, assets_url), 200, headers


def asset_reply(name: str) -> Reply | None:
    """One of the page's assets as a reply; None for any other name (the app's own 404).

    Raises `DocsUnavailable` without the package; each app answers both in its own
    error format (the admin API's ``{"error"}``, the harness's ``{"code", "message"}``).
    """
    found = asset(name)
    if found is None:
        return None
    body, kind = found
    return body, 200, {"Content-Type": kind, "Cache-Control": "max-age=3600"}
