"""The KLIK scenarios over TLS with client certificates (`debitorsim scenarios --tls`).

A representative subset (claims, callbacks, the payment page, reminders, the receipt of a
callback sent straight to FBS) on Opus; the whole suite runs the same way with
``debitorsim scenarios --tls`` (docs/tls.md).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.debitorsim.scenarios.conftest import SUBSET, run_scenarios


def test_scenarios_pass_over_tls_with_client_certificates(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    run = run_scenarios(tmp_path / "report", "--tls", str(certs), "--system", "opus", "-k", SUBSET)
    assert run.rc == 0, run.out[-3000:]
    assert (certs / "ca.pem").is_file() and (certs / "fbs.p12").is_file()  # made on the way
    served = json.loads((run.report / "results.json").read_text(encoding="utf-8"))["served"]
    assert served["sim"].startswith("https://") and served["core"].startswith("https://")
    root = ET.parse(run.report / "junit.xml").getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None
    passed = [c for c in suite.findall("testcase") if not list(c)]
    assert len(passed) >= 5
    assert int(suite.get("failures", "1")) == 0 and int(suite.get("errors", "1")) == 0
