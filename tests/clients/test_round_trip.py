"""Acceptance: SOAP clients we did not write round-trip every operation of every served WSDL.

zeep, suds (suds-community) and node-soap (npm `soap`, run with the machine's `node`)
each read the WSDLs served on loopback (three by the simulator, the callback's by the
core), build the Serviceplatformen header blocks from them (so in SP's real
namespaces), call every operation once and read every answer. A client that cannot be
installed here is skipped with the reason; nothing else is.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
import zeep
import zeep.exceptions
import zeep.helpers

from oeir import testdata
from oeir.services import DAEKNING_AFSKRIVNING, Service
from simulators.web.sp import SERVED
from tests.clients import plan
from tests.clients.conftest import Pair

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("node_soap_driver.js")
NODE_MODULES = Path(
    os.environ.get("DEBITORSIM_NODE_MODULES", ROOT / ".cache" / "npm" / "node_modules")
)
"""Where `.ci/run` installs npm's `soap` (override with DEBITORSIM_NODE_MODULES)."""

Outcome = tuple[Any, str | None]
"""A client's answer as plain values, or the fault text."""


def wsdl_url(pair: Pair, service: Service) -> str:
    """The served WSDL of `service`: the callback's on the core, the others on the simulator."""
    base = pair.core_url if service is DAEKNING_AFSKRIVNING else pair.sim_url
    return f"{base}{service.path}?wsdl"


def run_zeep(pair: Pair, calls: list[plan.Call]) -> list[Outcome]:
    """Every call through zeep, headers as `_soapheaders` (zeep builds them from the WSDL)."""
    clients: dict[str, Any] = {}
    out: list[Outcome] = []
    for c in calls:
        url = wsdl_url(pair, c.service)
        client = clients.setdefault(url, zeep.Client(url))
        try:
            answer = client.service[c.operation](**c.args, _soapheaders=c.headers)
            out.append((zeep.helpers.serialize_object(answer, target_cls=dict), None))
        except zeep.exceptions.Fault as fault:
            out.append((None, f"{fault.code}: {fault.message}"))
    return out


def _plain(value: Any) -> Any:
    """suds' answer objects as dicts and lists."""
    from suds.sudsobject import Object, asdict

    if isinstance(value, Object):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def run_suds(pair: Pair, calls: list[plan.Call]) -> list[Outcome]:
    """Every call through suds, headers as `soapheaders` keyed by the WSDL's header parts."""
    suds_client = pytest.importorskip("suds.client", reason="suds-community is not installed")
    from suds import WebFault

    clients: dict[str, Any] = {}
    out: list[Outcome] = []
    for c in calls:
        url = wsdl_url(pair, c.service)
        client = clients.setdefault(url, suds_client.Client(url, cache=None))
        client.set_options(soapheaders=c.headers)
        try:
            out.append((_plain(getattr(client.service, c.operation)(**c.args)), None))
        except WebFault as fault:
            out.append((None, str(fault)))
    return out


def run_node_soap(pair: Pair, calls: list[plan.Call]) -> list[Outcome]:
    """Every call through node-soap, by `node_soap_driver.js` (headers built from the WSDL)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (NODE_MODULES / "soap" / "package.json").is_file():
        pytest.skip(f"npm package soap is not installed in {NODE_MODULES} (.ci/run installs it)")
    steps = [
        {
            "wsdl": wsdl_url(pair, c.service),
            "operation": c.operation,
            "args": c.args,
            "headers": c.headers,
        }
        for c in calls
    ]
    plan_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"node-soap-plan-{os.getpid()}.json"
    plan_file.write_text(json.dumps({"calls": steps}), encoding="utf-8")
    try:
        done = subprocess.run(
            [node, str(DRIVER), str(plan_file)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
            check=False,
        )
    finally:
        plan_file.unlink(missing_ok=True)
    assert done.returncode == 0, done.stderr
    return [(r.get("result"), r.get("fault")) for r in json.loads(done.stdout)]


RUNNERS: dict[str, Callable[[Pair, list[plan.Call]], list[Outcome]]] = {
    "zeep": run_zeep,
    "suds": run_suds,
    "node-soap": run_node_soap,
}


def test_the_plan_calls_every_operation_of_every_served_wsdl() -> None:
    claim = plan.Claim("F", "K")
    called = {(c.service.name, c.operation) for c in plan.calls("147", "x", ("1", "2"), claim)}
    served = {(s.name, op) for s in (*SERVED, DAEKNING_AFSKRIVNING) for op in s.operations}
    assert called == served


@pytest.mark.parametrize("client", list(RUNNERS))
def test_every_operation_round_trips(client: str, pair: Pair) -> None:
    fake = testdata.faker(len(client))
    cprs = (fake.cpr(), fake.cpr())
    fee_id, claim = pair.claim(fake.cpr())
    calls = plan.calls(pair.kode, client.replace("-", ""), cprs, claim)

    outcomes = RUNNERS[client](pair, calls)

    assert len(outcomes) == len(calls)
    for c, (answer, fault) in zip(calls, outcomes, strict=True):
        assert fault is None, f"{client} {c.operation}: {fault}"
        assert answer is not None, f"{client} {c.operation}: no answer"
        for field, text in c.expect.items():
            assert plan.same_text(text, answer[field]), (client, c.operation, field, answer)
    # The state the calls left, read on each side.
    f1 = pair.sim.ledger.claim(pair.kode, calls[0].args["Fordring"][0]["FordringId"])
    assert f1 is not None and f1.saldo == 4000 - 500  # written down 10.00, paid 5.00
    account = pair.sim.ledger.account(f1.konto)
    assert account is not None and account.cpr_nummer == cprs[1]  # SkiftHaefter
    fee = requests.get(f"{pair.core_url}/harness/fees/{fee_id}", timeout=10).json()
    assert Decimal(str(fee["remaining"])) == Decimal("29.00")  # the callback's 1.00 kr
