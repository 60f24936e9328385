"""The machine's ceiling, measured in the same run as our figures.

Two minimal WSGI apps served by the same gunicorn set-up and hit by the same load tool:

* `static()`: answers every POST with a fixed ~600 B SOAP response (Python's limit);
* `flask_lxml_app()`: a minimal Flask app that parses the body with lxml and answers the
  same bytes (Python's limit for any app that reads XML).

Both work under the same work-slot limit as the simulator (`DEBITORSIM_WORK_SLOTS`,
`simulators.web.work_slots`): with 128 threads and no limit their threads fight over
the GIL and the ceiling would come out lower than it is (measured: 2 x 128 unlimited
static 6,027 req/s, Flask + lxml 3,976).

"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from lxml import etree

from oeir import model, soap
from simulators.web.work_slots import WorkSlots

ANSWER: bytes = soap.response_envelope(
    model.OpretFordringSvar(debitorkontonummer="101-00000001", fordring_id="FBS-" + "0" * 300)
)[:600]
"""About 600 bytes of a SOAP answer (the figure the issue's peers were measured with)."""
_HEADERS = [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(ANSWER)))]


def static_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Read the request body and answer the fixed bytes: no framework, no parsing."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    start_response("200 OK", _HEADERS)
    return [ANSWER]


def _slotted(app: Any) -> Any:
    slots = int(os.environ.get("DEBITORSIM_WORK_SLOTS", "1"))
    return WorkSlots(app, slots, ["/x"]) if slots else app


def static() -> Any:
    """`static_app` under the simulator's work-slot limit."""
    return _slotted(static_app)


def flask_lxml_app() -> Any:
    """A minimal Flask app that parses the posted XML with lxml, then answers the fixed bytes."""
    from flask import Flask, Response, request

    app = Flask("ceiling")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)

    @app.post("/<path:_path>")
    def answer(_path: str) -> Response:
        etree.fromstring(request.get_data(), parser)
        return Response(ANSWER, content_type="text/xml; charset=utf-8")

    return _slotted(app)
