"""Issue 13's attacks on the ledger, over real SOAP: each is refused with its FejlKode,
changes nothing, and leaves the ledger invariant and every answer within the contract."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from oeir import model
from oeir.services import DEBITOR_FORESPOERGSEL, DEBITOR_INDBETALING
from tests.conftest import Served
from tests.simulators.conftest import tenant_for
from tests.simulators.helpers import assert_ledger_sound, fordring
from tests.simulators.test_soap_faults import call, refused

MAX = model.MAX_OERE  # 9,999,999,999,999.99 kr


def _konto(served: Served, kommunekode: str, cpr: str) -> model.Debitorkonto:
    msg = model.HentDebitorkonto(kommunekode=kommunekode, debitor=model.Debitor(cpr_nummer=cpr))
    svar = call(served, msg, served.sim.tenants.get(kommunekode), service=DEBITOR_FORESPOERGSEL)
    konto: model.Debitorkonto = svar.debitorkonto
    return konto


def test_a_payment_naming_one_claim_twice_is_refused(served: Served) -> None:
    tenant = tenant_for(served.sim, "opus")  # has a payment solution
    cpr = "0101801001"
    call(
        served,
        model.OpretFordring(fordring=fordring("DUP-1", 10_000, cpr=cpr, kommunekode=tenant.kode)),
        tenant,
    )
    pay = model.ForetagIndbetaling(
        kommunekode=tenant.kode,
        debitor=model.Debitor(cpr_nummer=cpr),
        indbetaling_id="DUP-PAY-1",
        beloeb=15_000,
        betalingsmiddel=model.Betalingsmiddel.KORT,
        fordring_ider=("DUP-1", "DUP-1"),
    )
    fault = refused(served, pay, tenant, service=DEBITOR_INDBETALING)
    assert (fault.kode, fault.felt, fault.faultcode) == (
        "FordringIdGentaget",
        "FordringId[2]",
        "Client",
    )
    assert fault.tekst_da and fault.tekst_en
    [claim] = _konto(served, tenant.kode, cpr).fordringer
    assert (claim.daekket, claim.saldo, claim.posteringer) == (0, 10_000, ())
    assert_ledger_sound(served.sim.ledger, tenant.kode)
    # Named once, the same payment covers the claim and leaves the rest as credit.
    svar = call(served, replace(pay, fordring_ider=("DUP-1",)), tenant, service=DEBITOR_INDBETALING)
    assert ([(d.fordring_id, d.beloeb) for d in svar.daekninger], svar.overskud) == (
        [("DUP-1", 10_000)],
        5000,
    )
    assert _konto(served, tenant.kode, cpr).saldo == -5000
    assert_ledger_sound(served.sim.ledger, tenant.kode)


def test_an_account_message_naming_one_claim_twice_is_refused(served: Served) -> None:
    tenant = tenant_for(served.sim, "eg")
    claim = fordring("DUP-2", 5000, cpr="0101801002", kommunekode=tenant.kode)
    msg = model.OpretDebitorkonto(
        debitor=claim.debitor, kreditor=claim.kreditor, fordringer=(claim, claim)
    )
    fault = refused(served, msg, tenant)
    assert (fault.kode, fault.felt) == ("FordringIdGentaget", "Fordring[2]/FordringId")
    assert served.sim.ledger.claim(tenant.kode, "DUP-2") is None
    assert_ledger_sound(served.sim.ledger, tenant.kode)


def test_claims_past_the_contract_amount_type_are_refused(served: Served) -> None:
    tenant = tenant_for(served.sim, "prisme2015")
    cpr = "0101801003"

    def opret(fid: str, hovedstol: int) -> model.OpretFordring:
        return model.OpretFordring(
            fordring=fordring(fid, hovedstol, cpr=cpr, kommunekode=tenant.kode)
        )

    call(served, opret("BIG-1", MAX), tenant)
    fault = refused(served, opret("BIG-2", MAX), tenant)
    assert (fault.kode, fault.felt, fault.faultcode) == (
        "BeloebForStort",
        "Fordring/Hovedstol",
        "Client",
    )
    assert "9.999.999.999.999,99" in fault.tekst_da and "9,999,999,999,999.99" in fault.tekst_en
    assert served.sim.ledger.claim(tenant.kode, "BIG-2") is None
    # HentDebitorkonto and SoegDebitorkonti answer, and their answers pass the XSD.
    assert _konto(served, tenant.kode, cpr).saldo == MAX
    soeg = model.SoegDebitorkonti(kommunekode=tenant.kode, maks_antal=100)
    svar = call(served, soeg, tenant, service=DEBITOR_FORESPOERGSEL)
    assert MAX in [k.saldo for k in svar.debitorkonti]
    assert_ledger_sound(served.sim.ledger, tenant.kode)


def test_a_due_date_the_system_cannot_schedule_is_refused(served: Served) -> None:
    tenant = tenant_for(served.sim, "opus")
    cpr = "0101801004"
    end = replace(
        fordring("END-1", cpr=cpr, kommunekode=tenant.kode, forfald=date(9999, 12, 31)),
        stiftelsesdato=date(2026, 1, 5),
    )
    fault = refused(served, model.OpretFordring(fordring=end), tenant)
    assert (fault.kode, fault.felt) == ("DatoUdenforKalender", "Fordring/Forfaldsdato")
    assert served.sim.ledger.claim(tenant.kode, "END-1") is None
    last = fordring("END-2", cpr=cpr, kommunekode=tenant.kode, forfald=date(2999, 12, 31))
    assert call(served, model.OpretFordring(fordring=last), tenant).fordring_id == "END-2"
    assert_ledger_sound(served.sim.ledger, tenant.kode)
