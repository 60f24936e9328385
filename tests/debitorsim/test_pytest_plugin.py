"""The pytest plugin, proven from outside the repo: a vendor's throwaway project.

The project (a temp dir with its own ``pytest.ini``, nothing of this repo's config, no
conftest) holds a tiny adapter (``requests`` posting SOAP with Serviceplatformen's real
headers, as a vendor writes it) and one test file that uses only the plugin's fixtures.
It runs with this venv's python, in which debitorsim is installed and nothing else is
added: the ``pytest11`` entry point alone brings the fixtures in. A second run with a
wrong expectation must fail, and say what was expected and what the simulator saw.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

ADAPTER = '''
"""A vendor's adapter: FBS claims to a municipality's debtor system over Serviceplatformen."""
import requests

NS = "urn:debitorsim:oeir:sf1590b:1"
ENVELOPE = """<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:o="{ns}"
    xmlns:invctx="http://serviceplatformen.dk/xml/schemas/InvocationContext/1/"
    xmlns:authctx="http://serviceplatformen.dk/xml/schemas/AuthorityContext/1/">
  <soap:Header>
    <invctx:InvocationContext>
      <invctx:ServiceAgreementUUID>{sp.service_agreement_uuid}</invctx:ServiceAgreementUUID>
      <invctx:UserSystemUUID>{sp.user_system_uuid}</invctx:UserSystemUUID>
      <invctx:UserUUID>7c1e2f64-3b9a-4d5e-8f10-2a3b4c5d6e7f</invctx:UserUUID>
      <invctx:ServiceUUID>{sp.service_uuid}</invctx:ServiceUUID>
      <invctx:CallersServiceCallIdentifier>{call_id}</invctx:CallersServiceCallIdentifier>
    </invctx:InvocationContext>
    <authctx:AuthorityContext>
      <authctx:MunicipalityCVR>{sp.municipality_cvr}</authctx:MunicipalityCVR>
    </authctx:AuthorityContext>
  </soap:Header>
  <soap:Body>
    <o:OpretFordring><o:Fordring>
      <o:FordringId>{fordring_id}</o:FordringId>
      <o:FordringType>Gebyr</o:FordringType>
      <o:Klassifikationskode>BIB-GEBYR</o:Klassifikationskode>
      <o:Hovedstol>{kroner}</o:Hovedstol>
      <o:Stiftelsesdato>2026-01-05</o:Stiftelsesdato>
      <o:Forfaldsdato>2026-01-19</o:Forfaldsdato>
      <o:SidsteRettidigeBetalingsdato>2026-02-02</o:SidsteRettidigeBetalingsdato>
      <o:Tekst>Gebyr (for sent)</o:Tekst>
      <o:SkriftligtAnerkendt>false</o:SkriftligtAnerkendt>
      <o:Debitor><o:CPRNummer>0101901234</o:CPRNummer><o:Navn>Jens Hansen</o:Navn></o:Debitor>
      <o:Kreditor><o:AgencyId>DK-7{kode}00</o:AgencyId><o:Kommunekode>{kode}</o:Kommunekode></o:Kreditor>
    </o:Fordring></o:OpretFordring>
  </soap:Body>
</soap:Envelope>"""


def opret_fordring(endpoint, sp, fordring_id, kroner):
    """Send one claim; the HTTP status and the answer's text."""
    body = ENVELOPE.format(
        ns=NS, sp=sp, call_id=f"vendor-{fordring_id}", fordring_id=fordring_id,
        kroner=kroner, kode=sp.kommunekode,
    )
    reply = requests.post(
        endpoint,
        data=body.encode("utf-8"),
        headers={"Content-Type": "text/xml; charset=utf-8",
                 "SOAPAction": f'"{NS}:OpretFordring"'},
        timeout=30,
    )
    return reply.status_code, reply.text
'''

TESTS = """
from adapter import opret_fordring

SERVICE = "DebitorRegistreringAfsend"


def send(sim, fordring_id, kroner="30.00", kode="101"):
    return opret_fordring(sim.endpoint(SERVICE), sim.sp(kode, SERVICE), fordring_id, kroner)


def test_a_claim_reaches_the_debtor_system_once(debitorsim_sim, debitorsim_verify):
    status, text = send(debitorsim_sim, "FBS-101-7")
    assert status == 200, text
    assert "OpretFordringSvar" in text
    assert debitorsim_verify.count(operation="OpretFordring",
                                   elements={"FordringId": "FBS-101-7"}) == 1
    debitorsim_verify.assert_called(operation="OpretFordring", kommunekode="101",
                                    verdict="ok", times=1)


def test_every_test_starts_from_an_empty_simulator(debitorsim_verify, debitorsim_clock):
    assert debitorsim_verify.count() == 0
    assert debitorsim_clock.now().isoformat() == "2026-01-05T08:00:00+01:00"


def test_a_business_fault_the_adapter_must_handle(debitorsim_sim, debitorsim_verify):
    debitorsim_sim.add_fault({"kind": "business_fault", "fejlkode": "UkendtKommune",
                              "operation": "OpretFordring", "count": 1})
    status, text = send(debitorsim_sim, "FBS-101-8")
    assert status == 500 and "UkendtKommune" in text
    debitorsim_verify.assert_called(verdict="injected", times=1)


def test_the_clock_moves_to_the_nightly_run(debitorsim_sim, debitorsim_clock):
    assert send(debitorsim_sim, "FBS-101-9")[0] == 200
    debitorsim_clock.advance("P3D")
    run = debitorsim_clock.next_nightly_run("101")
    assert run > debitorsim_clock.now()
    debitorsim_clock.to_next_nightly_run("101")
    assert debitorsim_clock.now() == run
"""

WRONG = """
from adapter import opret_fordring


def test_the_wrong_claim_id_is_expected(debitorsim_sim, debitorsim_verify):
    sim = debitorsim_sim
    sp = sim.sp("101", "DebitorRegistreringAfsend")
    opret_fordring(sim.endpoint("DebitorRegistreringAfsend"), sp, "FBS-101-7", "30.00")
    debitorsim_verify.assert_called(operation="OpretFordring",
                                    elements={"FordringId": "FBS-101-77"}, times=1)
"""


def docs_example() -> str:
    """The example test file of docs/vendors.md (the python block after "A test file")."""
    text = (REPO / "docs" / "vendors.md").read_text(encoding="utf-8")
    after = text[text.index("A test file of a vendor project") :]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


def _project(root: Path, tests: str, extra: dict[str, str] | None = None) -> Path:
    """A vendor's project: its pytest.ini (so no ini file of an ancestor is read), the
    adapter and a test file (and `extra` files); no conftest."""
    root.mkdir()
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    (root / "adapter.py").write_text(ADAPTER.lstrip(), encoding="utf-8")
    (root / "test_adapter.py").write_text(textwrap.dedent(tests).lstrip(), encoding="utf-8")
    for name, content in (extra or {}).items():
        (root / name).write_text(content, encoding="utf-8")
    return root


def _pytest(project: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PYTHON"))}
    env.pop("DEBITORSIM_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_plugin_is_registered_by_the_pytest11_entry_point() -> None:
    found = {ep.name: ep.value for ep in metadata.entry_points(group="pytest11")}
    assert found.get("debitorsim") == "debitorsim.pytest_plugin"


@pytest.mark.slow
def test_a_vendor_project_outside_the_repo_uses_the_fixtures(tmp_path: Path) -> None:
    project = _project(tmp_path / "vendor", TESTS, {"test_docs_example.py": docs_example()})
    assert REPO not in project.parents
    run = _pytest(project)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-4000:]
    assert "7 passed" in out, out[-4000:]  # 4 here, 3 from docs/vendors.md
    # the project's own config, and the fixtures from the installed distribution's entry point
    assert f"rootdir: {project}" in out and "configfile: pytest.ini" in out, out[:2000]
    plugins = next(line for line in out.splitlines() if line.startswith("plugins:"))
    assert "debitorsim-" in plugins, plugins


@pytest.mark.slow
def test_a_wrong_expectation_fails_with_what_the_simulator_saw(tmp_path: Path) -> None:
    run = _pytest(_project(tmp_path / "vendor", WRONG))
    out = run.stdout + run.stderr
    assert run.returncode == 1, out[-4000:]
    assert "1 failed" in out, out[-4000:]
    assert "expected exactly 1 SOAP call(s) matching" in out, out[-4000:]
    assert '{"FordringId": "FBS-101-77"}' in out, out[-4000:]
    # the near miss: one call matches all but the element, and it is listed with its id
    assert "all but elements=" in out and ": 1" in out, out[-4000:]
    assert "OpretFordring  kommune 101  ok  FordringId=FBS-101-7" in out, out[-4000:]
