"""No unmasked CPR number anywhere: a realistic flow, then every output grepped.

Fees for patrons with CPR numbers go through the core to the simulator (claims),
a CPR changes, a citizen logs in and pays on the payment page, the nightly
callback reaches the core, reconciliation runs, a fault is injected and a broken
request carrying a CPR is refused. Then every output is collected: the simulator's
admin JSON, journal (with the stored requests), event log, dashboard HTML, payment
pages, fault rules; the core's harness JSON, FBS fee API, outbox, reconciliation
JSON and HTML; and every log record at DEBUG. None may hold a CPR of the flow,
with or without its dash.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

import pytest
import requests

from debitorsim.testbed import Testbed, TestbedConfig
from oeir import model, soap
from oeir.identifiers import mask_cpr, valid_cpr
from oeir.services import DEBITOR_REGISTRERING
from tests.simulators.conftest import tenant_for
from tests.simulators.helpers import fordring, header

CPRS = ("0101901234", "1502851111", "3112700042")
NEW_CPR = "2412629996"


def leaks(text: str) -> list[str]:
    """The flow's CPR numbers found unmasked in `text` (plain or with a dash)."""
    found = []
    for cpr in (*CPRS, NEW_CPR):
        for form in (cpr, f"{cpr[:6]}-{cpr[6:]}"):
            if re.search(rf"(?<!\d){re.escape(form)}(?!\d)", text):
                found.append(form)
    return found


def test_no_unmasked_cpr_in_any_output(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert all(valid_cpr(c) for c in (*CPRS, NEW_CPR))
    assert leaks(f"<CPR>{CPRS[0]}</CPR> {NEW_CPR[:6]}-{NEW_CPR[6:]}") == [CPRS[0], "241262-9996"]
    caplog.set_level(logging.DEBUG)
    outputs: dict[str, str] = {}
    with (
        Testbed(TestbedConfig(data_dir=tmp_path, synchronous="OFF")) as bed,
        requests.Session() as http,
    ):
        assert bed.sim is not None and bed.core is not None
        sim, core = bed.sim_url, bed.core_url
        kode = tenant_for(bed.sim, "opus").kode
        agency = f"DK-7{kode}00"

        def get(name: str, url: str) -> requests.Response:
            r = http.get(url, timeout=30)
            assert r.status_code < 500, (name, r.status_code, r.text[:300])
            outputs[name] = r.text
            return r

        # Fees with CPRs -> claims in the simulator.
        patrons = []
        for i, cpr in enumerate(CPRS):
            r = http.post(
                f"{core}/harness/fees",
                json={
                    "agencyId": agency,
                    "amount": 30 + i,
                    "patron": {"cpr": cpr, "name": f"Låner {i}"},
                    "materials": [{"materialItemNumber": f"M-{i}", "recordId": f"R-{i}"}],
                },
                timeout=30,
            )
            assert r.status_code == 201, r.text
            outputs[f"core: POST fee {i}"] = r.text
            patrons.append(r.json()["patronId"])
        bed.drain()
        r = http.put(
            f"{core}/harness/patrons/{patrons[0]}/ident", json={"cpr": NEW_CPR}, timeout=30
        )
        outputs["core: change ident"] = r.text
        bed.drain()

        # The citizen pays one bill on the payment page (CPR only in the POST body).
        browser = requests.Session()
        r = browser.post(f"{sim}/betaling/{kode}/login", data={"cpr": CPRS[1]}, timeout=30)
        outputs["payment: overview"] = r.text
        ids = re.findall(r'name="fordring_id" value="([^"]+)"', r.text)
        assert ids, r.text[:2000]
        r = browser.post(
            f"{sim}/betaling/{kode}/betal",
            data={"fordring_id": ids[0], "betalingsmiddel": "Kort"},
            timeout=30,
        )
        assert r.status_code == 200, r.text[:500]
        outputs["payment: receipt"] = r.text
        assert mask_cpr(CPRS[1]) in r.text  # the page shows the masked number

        # A nightly callback run to the core, then reconciliation.
        http.post(f"{sim}/admin/clock", json={"advance": "P1D"}, timeout=60)
        bed.drain()

        # An injected business fault and a broken request, both carrying a CPR.
        http.post(
            f"{sim}/admin/faults",
            json={"kind": "business_fault", "fejlkode": "TjenesteUtilgaengelig", "count": 1},
            timeout=30,
        )
        env = soap.request_envelope(
            model.OpretFordring(fordring=fordring("CPR-LEAK-1", kommunekode=kode, cpr=CPRS[2])),
            header(kode, DEBITOR_REGISTRERING),
        )
        for body in (env, env.replace(b"<o:Hovedstol>", b"<o:Hovedstol>x")):
            r = http.post(f"{sim}{DEBITOR_REGISTRERING.path}", data=body, timeout=30)
            outputs[f"soap answer {len(outputs)}"] = r.text
        bed.sim.faults.flush()

        # Every output of the simulator ...
        for path in (
            "/admin/",
            f"/admin/accounts?kommunekode={kode}",
            "/admin/events?limit=1000",
            "/admin/journal?limit=1000",
            "/admin/jobs?limit=1000",
            "/admin/faults",
            f"/admin/tenants/{kode}",
            f"/admin/callbacks?kommunekode={kode}",
            f"/admin/callbacks/attempts?kommunekode={kode}",
            "/",
            "/kommuner",
            f"/kommuner/{kode}",
            "/journal",
            "/fejl",
            "/borger",
            f"/betaling/{kode}/",
        ):
            get(f"sim {path}", sim + path)
        r = http.post(f"{sim}/admin/accounts/search", json={"debitor": CPRS[1]}, timeout=30)
        outputs["sim: account search"] = r.text
        accounts = r.json()["accounts"]
        assert accounts and accounts[0]["debitor"]["cpr"] == mask_cpr(CPRS[1])
        for account in get("accounts", f"{sim}/admin/accounts?kommunekode={kode}").json()[
            "accounts"
        ]:
            get(f"sim account {account['nummer']}", f"{sim}/admin/accounts/{account['nummer']}")
            for claim in account["fordringer"]:
                fid = claim["fordring_id"]
                get(f"sim claim {fid}", f"{sim}/admin/claims/{kode}/{fid}")
                get(f"sim timeline {fid}", f"{sim}/admin/claims/{kode}/{fid}/timeline")
                get(f"dashboard claim {fid}", f"{sim}/kommuner/{kode}/fordringer/{fid}")
        journal = get("journal", f"{sim}/admin/journal?limit=1000").json()["entries"]
        assert any(e["verdict"] == "injected" for e in journal)
        for entry in journal[:40]:
            get(f"dashboard journal {entry['id']}", f"{sim}/journal/{entry['id']}")

        # ... and of the core.
        for i, pid in enumerate(patrons):
            get(f"core patron {pid}", f"{core}/harness/patrons/{pid}")
            get(
                f"core fees v2 {pid}",
                f"{core}/external/{agency}/patron/{pid}/fees/v2?includepaid=true",
            )
            get(f"core fee {i + 1}", f"{core}/harness/fees/{i + 1}")
        get("core outbox", f"{core}/harness/outbox?limit=1000")
        get("core reconcile json", f"{core}/harness/reconcile/{kode}")
        get("core reconcile html", f"{core}/harness/reconcile/{kode}.html")
        get("core index", f"{core}/")

        # The stored journal itself (what an operator could read from the file).
        with sqlite3.connect(bed.sim.config.database_path) as conn:
            outputs["sim journal table"] = "\n".join(
                f"{row}" for row in conn.execute("SELECT * FROM journal")
            )

    outputs["logs (DEBUG)"] = caplog.text
    assert len(outputs) > 40
    assert any(mask_cpr(c) in "".join(outputs.values()) for c in CPRS)  # the data is there
    assert mask_cpr(CPRS[2]) in outputs["sim journal table"]  # the refused request, masked
    leaked = {name: leaks(text) for name, text in outputs.items() if leaks(text)}
    assert leaked == {}
