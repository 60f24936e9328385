"""Near-miss: a call refused by routing, agreement or schema says what it nearly matched.

Each refusal is checked where a vendor sees it: the verify API's find answer and the
dashboard's journal entry page.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from oeir import model, soap
from oeir.services import DEBITOR_FORESPOERGSEL, DEBITOR_REGISTRERING
from simulators import SimConfig, create_app, simulator_of
from simulators.engine import Simulator
from tests.simulators.conftest import sp_header
from tests.simulators.helpers import fordring


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """A fresh simulator app (its dashboard included)."""
    a = create_app(SimConfig(data_dir=tmp_path, synchronous="OFF"))
    yield a
    simulator_of(a).close()


def _opret(sim: Simulator, kode: str = "101", **header: str) -> bytes:
    h = sp_header(sim.tenants.get(kode))
    if header:
        h = dataclasses.replace(
            h, invocation_context=dataclasses.replace(h.invocation_context, **header)
        )
    message = model.OpretFordring(fordring=fordring("FBS-101-7", kommunekode=kode))
    return soap.request_envelope(message, h)


def _refused(client: FlaskClient, path: str, body: bytes) -> dict[str, Any]:
    """Post `body`, expect a SOAP Fault; the journal row as /admin/requests/find answers it."""
    assert client.post(path, data=body).status_code == 500
    found = client.post("/admin/requests/find", json={"verdict": "fault", "limit": 1}).get_json()
    row: dict[str, Any] = found["requests"][0]
    return row


def _page_text(client: FlaskClient, entry_id: int) -> str:
    html = client.get(f"/journal/{entry_id}").get_data(as_text=True)
    return re.sub(r"<[^>]+>", "", html).replace("&#39;", "'")


def test_wrong_agreement_names_the_municipality_it_belongs_to(app: Flask) -> None:
    sim = simulator_of(app)
    other = sim.tenants.get("147").service_agreement_uuid
    client = app.test_client()
    row = _refused(client, DEBITOR_REGISTRERING.path, _opret(sim, service_agreement_uuid=other))
    assert row["fejlkode"] == "IngenServiceaftale"
    near = row["near_miss"]
    assert near["kind"] == "agreement"
    assert "ServiceAgreementUUID belongs to kommune 147, not 101" in near["text"]
    assert (
        near["closest"]["service_agreement_uuid"] == sim.tenants.get("101").service_agreement_uuid
    )
    assert "ServiceAgreementUUID belongs to kommune 147, not 101" in _page_text(client, row["id"])


def test_unknown_agreement_names_the_routed_municipalitys(app: Flask) -> None:
    sim = simulator_of(app)
    client = app.test_client()
    row = _refused(
        client,
        DEBITOR_REGISTRERING.path,
        _opret(sim, service_agreement_uuid="00000000-0000-4000-8000-000000000000"),
    )
    assert "is no municipality's agreement" in row["near_miss"]["text"]
    assert sim.tenants.get("101").service_agreement_uuid in row["near_miss"]["text"]


def test_misspelled_operation_suggests_the_right_one(app: Flask) -> None:
    sim = simulator_of(app)
    client = app.test_client()
    body = _opret(sim).replace(b"OpretFordring>", b"OpretFordrin>")
    row = _refused(client, DEBITOR_REGISTRERING.path, body)
    assert row["fejlkode"] == "UkendtOperation"
    text = "operation OpretFordrin not in DebitorRegistreringAfsend; did you mean OpretFordring"
    assert row["near_miss"]["text"] == text
    assert row["near_miss"]["closest"]["operation"] == "OpretFordring"
    assert text in _page_text(client, row["id"])


def test_operation_posted_to_the_wrong_service_names_the_right_one(app: Flask) -> None:
    sim = simulator_of(app)
    row = _refused(app.test_client(), DEBITOR_FORESPOERGSEL.path, _opret(sim))
    assert row["near_miss"]["closest"] == {
        "service": "DebitorRegistreringAfsend",
        "operation": "OpretFordring",
    }
    assert DEBITOR_REGISTRERING.path in row["near_miss"]["text"]


def test_schema_error_gives_the_element_path_and_the_expected_type(app: Flask) -> None:
    sim = simulator_of(app)
    client = app.test_client()
    body = _opret(sim).replace(b"<o:Hovedstol>50.00<", b"<o:Hovedstol>fifty<")
    row = _refused(client, DEBITOR_REGISTRERING.path, body)
    assert row["fejlkode"] == "SkemaValideringFejlet"
    assert row["operation"] == "OpretFordring"  # filed under its operation, though refused
    near = row["near_miss"]
    assert near["path"] == "/OpretFordring/Fordring/Hovedstol"
    assert near["expected"] == "type BeloebType"
    page = _page_text(client, row["id"])
    assert "/OpretFordring/Fordring/Hovedstol" in page and "BeloebType" in page


def test_schema_error_on_a_missing_element_names_the_expected_element(app: Flask) -> None:
    sim = simulator_of(app)
    body = re.sub(rb"<o:Forfaldsdato>[^<]*</o:Forfaldsdato>", b"", _opret(sim))
    row = _refused(app.test_client(), DEBITOR_REGISTRERING.path, body)
    assert row["near_miss"]["expected"] == "element Forfaldsdato"


def test_schema_near_miss_never_echoes_a_cpr_value(app: Flask) -> None:
    sim = simulator_of(app)
    body = _opret(sim).replace(b"<o:CPRNummer>0101901234<", b"<o:CPRNummer>01019012345<")
    row = _refused(app.test_client(), DEBITOR_REGISTRERING.path, body)
    assert row["near_miss"]["path"].endswith("CPRNummer")
    assert "0101901234" not in json.dumps(row["near_miss"])


def test_unknown_municipality_cvr_names_the_agreements_municipality(app: Flask) -> None:
    sim = simulator_of(app)
    body = _opret(sim).replace(sim.tenants.get("101").cvr.encode(), b"12345678")
    row = _refused(app.test_client(), DEBITOR_REGISTRERING.path, body)
    assert row["fejlkode"] == "UkendtKommune"
    assert row["near_miss"]["closest"]["kommunekode"] == "101"


def test_business_faults_have_no_near_miss(app: Flask) -> None:
    sim = simulator_of(app)
    client = app.test_client()
    assert client.post(DEBITOR_REGISTRERING.path, data=_opret(sim)).status_code == 200
    other = _opret(sim).replace(b"<o:Hovedstol>50.00<", b"<o:Hovedstol>60.00<")
    row = _refused(client, DEBITOR_REGISTRERING.path, other)  # its FordringId, other content
    assert row["fejlkode"] and row["near_miss"] is None


def test_the_journal_entry_page_shows_the_response_beside_the_request(app: Flask) -> None:
    sim = simulator_of(app)
    client = app.test_client()
    assert client.post(DEBITOR_REGISTRERING.path, data=_opret(sim)).status_code == 200
    (row,) = client.post("/admin/requests/find", json={}).get_json()["requests"]
    html = client.get(f"/journal/{row['id']}").get_data(as_text=True)
    answer = html[html.index('id="svar"') :]
    assert "OpretFordringSvar" in answer and "HTTP 200" in answer
    assert "0101901234" not in html and "010190-****" in html
