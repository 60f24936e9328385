"""What the benchmarks share: the simulator's serving settings and the SOAP calls they send.

`table` (the `make bench` table) and `components` both build their runs from these.
"""

from __future__ import annotations

import os
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

from load.support import runner, traffic
from oeir import kommuner, model

SIM_WORKERS = int(os.environ.get("GUNICORN_WORKERS", "2"))
SIM_THREADS = int(os.environ.get("GUNICORN_THREADS", "128"))
"""For 200 slow calls: threads per worker >= connections (accept() is not balanced between
workers; 2 x 110 gave 0.61-0.82 of ideal, 2 x 220 0.89-0.91, 1 x 220 0.75-0.78)."""


def post(url: str, call: traffic.SoapCall) -> bytes:
    """Send one SOAP call and return the answer's bytes."""
    req = urllib.request.Request(url + call.path, data=call.body, headers=call.headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return bytes(resp.read())


def open_debtors(sim_url: str, n: int, t: traffic.Traffic) -> list[tuple[kommuner.Kommune, Any]]:
    """Open `n` debtor accounts over SOAP (the bench's OpretFordring calls add to them)."""
    out = []
    for i in range(n):
        kommune = kommuner.alle()[i % len(kommuner.alle())]
        call, debitor, _ = t.opret_debitorkonto(kommune)
        body = post(sim_url, call)
        if traffic.is_fault(body):
            raise RuntimeError(f"OpretDebitorkonto failed: {body[:400]!r}")
        out.append((kommune, debitor))
    return out


def warm_wrk(url: str, **kw: Any) -> runner.WrkResult:
    """wrk after a short discarded warm-up run (connections opened, workers warm)."""
    runner.wrk(url, **{**kw, "seconds": 2})
    return runner.wrk(url, **kw)


def template_file(path: Path, bodies: list[bytes]) -> Path:
    """Write request bodies as a wrk template (load/support/wrk_soap.lua cycles through them)."""
    path.write_bytes(b"\n----8<----\n".join(bodies))
    return path


FRESH_ID = "__FID__"
"""Replaced by load/support/wrk_soap.lua with a value unique to each request."""


def opret_fordring_template(workdir: Path, debtors: list[Any], t: traffic.Traffic) -> Path:
    """A wrk template of one OpretFordring per debtor; wrk makes each call a new one: a
    fresh FordringId and a fresh CallersServiceCallIdentifier (a call id used again with
    other content is refused with KaldIdAlleredeBrugt, simulators.replay)."""
    bodies = []
    for kommune, debitor in debtors:
        fordring = t.fordring(kommune, debitor)
        fordring = with_id(fordring, "B" + FRESH_ID)
        header = traffic.sp_header(kommune, traffic.DEBITOR_REGISTRERING, f"load-{FRESH_ID}")
        call = traffic.SoapCall(
            traffic.DEBITOR_REGISTRERING.path,
            "OpretFordring",
            traffic.soap.request_envelope(model.OpretFordring(fordring=fordring), header),
        )
        bodies.append(call.body)
    return template_file(workdir / "opret_fordring.xml", bodies)


def with_id(fordring: model.Fordring, fid: str) -> model.Fordring:
    """The claim with another FordringId."""
    return replace(fordring, fordring_id=fid)


def soap_action(operation: str) -> str:
    """The SOAPAction header of `operation`."""
    return traffic.SoapCall("", operation, b"").headers["SOAPAction"]
