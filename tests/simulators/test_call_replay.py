"""CallersServiceCallIdentifier over SOAP: a repeated call id gets the first answer and changes
nothing; the same id with other content is refused (docs/reliability.md, "Exactly-once effect").

Every test speaks SOAP to the app (Flask's test client) and checks the ledger invariant of
every claim after each attack, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree

from oeir import model, soap
from oeir.services import DEBITOR_FORESPOERGSEL, DEBITOR_INDBETALING, DEBITOR_REGISTRERING, Service
from simulators import SimConfig, create_app, simulator_of
from simulators.engine import Simulator
from simulators.ledger import check_invariant
from simulators.store.base import CallKey, RecordedCall, Store
from simulators.store.calls import PRUNE_EVERY
from tests.backends import each_backend
from tests.simulators.conftest import sp_header
from tests.simulators.helpers import CPRS, debitor, fordring, kreditor

pytestmark = each_backend


def envelope(sim: Simulator, kode: str, service: Service, call_id: str, message: Any) -> bytes:
    """A SOAP request of FBS to municipality `kode` with this call id."""
    tenant = sim.tenants.get(kode)
    assert tenant is not None
    header = sp_header(tenant, service.name)
    ic = replace(header.invocation_context, callers_service_call_identifier=call_id)
    return soap.request_envelope(message, replace(header, invocation_context=ic))


def post(client: FlaskClient, service: Service, data: bytes) -> tuple[int, bytes]:
    """POST a SOAP request; the HTTP status and body."""
    name = etree.QName(etree.fromstring(data).find(".//{*}Body")[0]).localname  # type: ignore[index]
    action = f'"{service.operations[name].soap_action}"'
    r = client.post(
        service.path, data=data, headers={"Content-Type": "text/xml", "SOAPAction": action}
    )
    return r.status_code, r.data


def call(
    client: FlaskClient, sim: Simulator, kode: str, call_id: str, message: Any, service: Service
) -> tuple[int, bytes]:
    """Send `message` under `call_id`."""
    return post(client, service, envelope(sim, kode, service, call_id, message))


def fejlkode(body: bytes) -> str | None:
    """The FejlKode of a SOAP Fault answer (None: not a fault)."""
    root = etree.fromstring(body)
    found = root.find(".//{*}Fault//{*}FejlKode")
    return found.text if found is not None else None


def invariant_holds(sim: Simulator, kode: str) -> None:
    """Every claim of the municipality agrees with its events (the ledger invariant)."""
    events = sim.ledger.events(kommunekode=kode, limit=100_000)
    with sim.store.read() as tx:
        claims = tx.claims_page(kode, None, 100_000)
    assert claims
    for claim in claims:
        assert check_invariant(claim, events) == []


def opret(kode: str, fid: str, cpr: str, hovedstol: int = 5000) -> model.OpretDebitorkonto:
    """A new account with one claim."""
    f = fordring(fid, hovedstol, cpr=cpr, kommunekode=kode)
    return model.OpretDebitorkonto(debitor=f.debitor, kreditor=f.kreditor, fordringer=(f,))


def skift(kode: str, fid: str, cpr: str) -> model.SkiftHaefter:
    """Move claim `fid` to the debtor with `cpr`."""
    return model.SkiftHaefter(kreditor=kreditor(kode), fordring_id=fid, ny_debitor=debitor(cpr))


REG = DEBITOR_REGISTRERING


@pytest.fixture
def kode(sim: Simulator) -> str:
    """A municipality whose debtor system takes SkiftHaefter and payments (by profile)."""
    return next(
        t.kode
        for t in sim.tenants.all()
        if t.profile.skift_haefter and t.profile.payment_solution and not t.illustrative
    )


@pytest.fixture
def other(sim: Simulator, kode: str) -> str:
    """Another municipality (of another debtor system)."""
    first = sim.tenants.get(kode)
    assert first is not None
    return next(t.kode for t in sim.tenants.all() if t.profile.name != first.profile.name)


def test_replayed_skift_haefter_after_a_later_one_gets_the_first_answer_and_changes_nothing(
    client: FlaskClient, sim: Simulator, kode: str
) -> None:
    assert call(client, sim, kode, "c-opret", opret(kode, "F1", CPRS[0]), REG)[0] == 200
    status, first = call(client, sim, kode, "c-skift-1", skift(kode, "F1", CPRS[1]), REG)
    assert status == 200
    to_b = soap.read_response(first, model.SkiftHaefterSvar).debitorkontonummer
    status, second = call(client, sim, kode, "c-skift-2", skift(kode, "F1", CPRS[2]), REG)
    to_c = soap.read_response(second, model.SkiftHaefterSvar).debitorkontonummer
    assert status == 200 and to_c != to_b
    events_before = len(sim.ledger.events(kommunekode=kode, limit=100_000))

    status, again = call(client, sim, kode, "c-skift-1", skift(kode, "F1", CPRS[1]), REG)

    assert (status, again) == (200, first)  # the first answer, verbatim
    claim = sim.ledger.claim(kode, "F1")
    assert claim is not None and claim.konto == to_c  # the later change stands
    assert len(sim.ledger.events(kommunekode=kode, limit=100_000)) == events_before
    invariant_holds(sim, kode)


def test_a_retry_that_differs_only_in_layout_and_header_is_the_same_call(
    client: FlaskClient, sim: Simulator, kode: str
) -> None:
    assert call(client, sim, kode, "c-opret", opret(kode, "F1", CPRS[0]), REG)[0] == 200
    data = envelope(sim, kode, REG, "c-skift-1", skift(kode, "F1", CPRS[1]))
    status, first = post(client, REG, data)
    assert status == 200
    assert call(client, sim, kode, "c-skift-2", skift(kode, "F1", CPRS[2]), REG)[0] == 200
    # The retry re-serialised (indentation, other prefixes) and with another UserUUID.
    retry = etree.tostring(etree.fromstring(data), pretty_print=True)
    retry = retry.replace(b"xmlns:o=", b"xmlns:oe=").replace(b"<o:", b"<oe:")
    retry = retry.replace(b"</o:", b"</oe:").replace(b"f8b5</", b"f8b6</")
    assert b"f8b6" in retry and b"<oe:SkiftHaefter" in retry

    assert post(client, REG, retry) == (200, first)
    claim = sim.ledger.claim(kode, "F1")
    assert (
        claim is not None
        and claim.konto
        == soap.read_response(
            sim_answer(client, sim, kode), model.HentDebitorkontoSvar
        ).debitorkonto.debitorkontonummer
    )
    invariant_holds(sim, kode)


def sim_answer(client: FlaskClient, sim: Simulator, kode: str) -> bytes:
    """The account of the third debtor in the municipality, as DebitorForespoergsel reports it."""
    hent = model.HentDebitorkonto(kommunekode=kode, debitor=debitor(CPRS[2]))
    status, body = call(client, sim, kode, "c-hent", hent, DEBITOR_FORESPOERGSEL)
    assert status == 200
    return body


def test_a_different_claim_under_a_reused_call_id_is_refused(
    client: FlaskClient, sim: Simulator, kode: str
) -> None:
    assert call(client, sim, kode, "c-1", opret(kode, "F1", CPRS[0]), REG)[0] == 200
    other = model.OpretFordring(fordring=fordring("F2", 7000, cpr=CPRS[0], kommunekode=kode))

    status, body = call(client, sim, kode, "c-1", other, REG)

    assert status == 500 and fejlkode(body) == "KaldIdAlleredeBrugt"
    assert b"CallersServiceCallIdentifier" in body  # the field named in the Fejl
    assert sim.ledger.claim(kode, "F2") is None
    invariant_holds(sim, kode)
    # Under a fresh id the same claim is created: the refusal kept nothing.
    assert call(client, sim, kode, "c-2", other, REG)[0] == 200
    assert sim.ledger.claim(kode, "F2") is not None
    invariant_holds(sim, kode)


def test_a_different_write_down_or_payment_under_a_reused_call_id_is_refused(
    client: FlaskClient, sim: Simulator, kode: str
) -> None:
    assert call(client, sim, kode, "c-1", opret(kode, "F1", CPRS[0], 10_000), REG)[0] == 200
    ned = model.NedskrivFordring(
        kreditor=kreditor(kode),
        fordring_id="F1",
        nedskrivning_id="N1",
        beloeb=1000,
        aarsag=model.NedskrivningAarsag.KULANCE,
    )
    assert call(client, sim, kode, "c-ned", ned, REG)[0] == 200
    status, body = call(client, sim, kode, "c-ned", replace(ned, nedskrivning_id="N2"), REG)
    assert fejlkode(body) == "KaldIdAlleredeBrugt"
    invariant_holds(sim, kode)

    pay = model.ForetagIndbetaling(
        kommunekode=kode,
        debitor=debitor(CPRS[0]),
        indbetaling_id="I1",
        beloeb=2000,
        betalingsmiddel=model.Betalingsmiddel.MOBILEPAY,
    )
    status, first = call(client, sim, kode, "c-pay", pay, DEBITOR_INDBETALING)
    assert status == 200
    assert call(client, sim, kode, "c-pay", pay, DEBITOR_INDBETALING) == (200, first)
    status, body = call(
        client, sim, kode, "c-pay", replace(pay, indbetaling_id="I2"), DEBITOR_INDBETALING
    )
    assert status == 500 and fejlkode(body) == "KaldIdAlleredeBrugt"
    claim = sim.ledger.claim(kode, "F1")
    assert claim is not None and claim.saldo == 10_000 - 1000 - 2000
    invariant_holds(sim, kode)


def test_the_same_call_id_in_another_municipality_is_independent(
    client: FlaskClient, sim: Simulator, kode: str, other: str
) -> None:
    assert call(client, sim, kode, "c-1", opret(kode, "F1", CPRS[0]), REG)[0] == 200
    status, body = call(client, sim, other, "c-1", opret(other, "E1", CPRS[1], 7000), REG)
    assert status == 200, body
    claim = sim.ledger.claim(other, "E1")
    assert claim is not None and claim.hovedstol == 7000
    # ...and each municipality still replays its own first answer.
    assert call(client, sim, kode, "c-1", opret(kode, "F1", CPRS[0]), REG)[0] == 200
    assert fejlkode(call(client, sim, other, "c-1", opret(other, "E2", CPRS[1]), REG)[1]) == (
        "KaldIdAlleredeBrugt"
    )
    invariant_holds(sim, kode)
    invariant_holds(sim, other)


def test_read_only_calls_are_not_recorded(client: FlaskClient, sim: Simulator, kode: str) -> None:
    assert call(client, sim, kode, "c-1", opret(kode, "F1", CPRS[0]), REG)[0] == 200
    hent = model.HentDebitorkonto(kommunekode=kode, debitor=debitor(CPRS[0]))
    status, before = call(client, sim, kode, "c-hent", hent, DEBITOR_FORESPOERGSEL)
    assert status == 200
    assert call(client, sim, kode, "c-2", opret(kode, "F2", CPRS[0]), REG)[0] == 200
    status, after = call(client, sim, kode, "c-hent", hent, DEBITOR_FORESPOERGSEL)
    konto = soap.read_response(after, model.HentDebitorkontoSvar).debitorkonto
    assert status == 200 and after != before and len(konto.fordringer) == 2


def test_a_refused_call_is_not_recorded_and_its_id_stays_free(
    client: FlaskClient, sim: Simulator, kode: str
) -> None:
    assert call(client, sim, kode, "c-1", opret(kode, "F1", CPRS[0]), REG)[0] == 200
    missing = skift(kode, "F9", CPRS[1])
    assert fejlkode(call(client, sim, kode, "c-2", missing, REG)[1]) == "FordringFindesIkke"
    assert call(client, sim, kode, "c-2", skift(kode, "F1", CPRS[1]), REG)[0] == 200
    invariant_holds(sim, kode)


def test_admin_reset_forgets_the_call_ids(client: FlaskClient, sim: Simulator, kode: str) -> None:
    assert call(client, sim, kode, "c-1", opret(kode, "F1", CPRS[0]), REG)[0] == 200
    assert client.post("/admin/reset").status_code == 200
    status, body = call(client, sim, kode, "c-1", opret(kode, "F2", CPRS[1]), REG)
    assert status == 200, body
    assert sim.ledger.claim(kode, "F2") is not None
    invariant_holds(sim, kode)


def test_call_ids_are_kept_for_the_retention_age_then_forgotten(
    client: FlaskClient, sim: Simulator, kode: str
) -> None:
    retention = sim.config.call_id_retention
    assert call(client, sim, kode, "c-1", opret(kode, "F1", CPRS[0]), REG)[0] == 200
    sim.clock.set(sim.clock.now() + retention - timedelta(hours=1))
    assert call(client, sim, kode, "c-2", opret(kode, "F2", CPRS[1]), REG)[0] == 200
    assert fejlkode(call(client, sim, kode, "c-1", opret(kode, "F3", CPRS[2]), REG)[1]) == (
        "KaldIdAlleredeBrugt"
    )
    sim.clock.set(sim.clock.now() + timedelta(hours=2))
    assert call(client, sim, kode, "c-3", opret(kode, "F4", CPRS[2]), REG)[0] == 200  # prunes
    status, body = call(client, sim, kode, "c-1", opret(kode, "F3", CPRS[2]), REG)
    assert status == 200, body
    assert fejlkode(call(client, sim, kode, "c-2", opret(kode, "F5", CPRS[0]), REG)[1]) == (
        "KaldIdAlleredeBrugt"
    )
    invariant_holds(sim, kode)


@pytest.mark.parametrize("sim_rows", [3])
def test_call_ids_beyond_the_row_limit_are_forgotten_oldest_first(
    sim_rows: int, sim_config: SimConfig, kode: str
) -> None:
    app = create_app(replace(sim_config, call_id_max_rows=sim_rows))
    try:
        client, sim = app.test_client(), simulator_of(app)
        for i in range(sim_rows + 1):
            status, _ = call(client, sim, kode, f"c-{i}", opret(kode, f"F{i}", CPRS[0]), REG)
            assert status == 200
        # c-0 is the oldest beyond the limit: forgotten; c-1 is still known.
        other = opret(kode, "G1", CPRS[1])
        assert call(client, sim, kode, "c-0", other, REG)[0] == 200
        assert fejlkode(call(client, sim, kode, "c-2", other, REG)[1]) == "KaldIdAlleredeBrugt"
        invariant_holds(sim, kode)
    finally:
        simulator_of(app).close()


def test_forgotten_call_records_are_deleted_in_batches(store: Store) -> None:
    # A look-up never sees a forgotten record; the rows go every PRUNE_EVERY-th record.
    now = datetime(2026, 1, 5, 8, tzinfo=UTC)
    keep = 3
    with store.transaction() as tx:
        for i in range(2 * PRUNE_EVERY + 1):
            key = CallKey("101", "DebitorRegistreringAfsend", "u", f"c-{i}")
            tx.record_call(key, RecordedCall("OpretFordring", "d", "<a/>"), now, (now, keep))
            rows = tx.sql().execute("SELECT COUNT(*) AS n FROM call_ids").fetchone()
            assert rows["n"] <= keep + PRUNE_EVERY
        first = CallKey("101", "DebitorRegistreringAfsend", "u", "c-0")
        assert tx.fresh_call(first, now, keep) is None
        last = CallKey("101", "DebitorRegistreringAfsend", "u", f"c-{2 * PRUNE_EVERY}")
        assert tx.fresh_call(last, now, keep) is not None
        assert tx.fresh_call(last, now + timedelta(microseconds=1), keep) is None  # by age
