"""The integration core a request works with, taken from the current Flask app.

`integration.web.app.create_app` puts the `Core` on the app once (`attach`); the
blueprints reach it, and the FBS API's token issuer, through these functions instead of
importing the module that builds the app (which imports them).
"""

from __future__ import annotations

from flask import Flask, current_app

from integration.core import Core
from integration.web.tokens import TokenIssuer

CORE = "integration"
"""`app.extensions` key of the app's `Core`."""
TOKENS = "fbs_tokens"
"""`app.extensions` key of the FBS API's token issuer (made on first use)."""


def attach(app: Flask, core: Core) -> None:
    """Make `core` the core of `app` (done once, by `create_app`)."""
    app.extensions[CORE] = core


def core_of(app: Flask) -> Core:
    """The `Core` of an app made by `create_app`."""
    found: Core = app.extensions[CORE]
    return found


def current_core() -> Core:
    """The `Core` of the app handling the current request."""
    return core_of(current_app)


def token_issuer() -> TokenIssuer:
    """The FBS API's token issuer of the current app (made on first use)."""
    found: TokenIssuer | None = current_app.extensions.get(TOKENS)
    if found is None:
        found = current_app.extensions.setdefault(
            TOKENS, TokenIssuer.for_config(current_core().config)
        )
    return found
