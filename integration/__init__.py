"""The integration core: the FBS side of the debtor integration.

`create_app(config)` builds the web app (FBS fee API, harness, callback
receiver, reconciliation). It never imports `simulators`: the two meet only
over HTTP/SOAP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Any = None, core: Any = None) -> Flask:
    """The integration core's Flask app (see `integration.web.app.create_app`)."""
    from integration.web.app import create_app as _create_app

    return _create_app(config, core)


__all__ = ["create_app"]
