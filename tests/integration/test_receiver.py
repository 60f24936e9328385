"""The callback receiver over its SOAP endpoint: once per event, any order, atomic."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest

from integration.clock import COPENHAGEN
from integration.web.app import create_app
from oeir import kommuner, model, soap
from oeir.faults import OeirFault
from oeir.services import DAEKNING_AFSKRIVNING
from tests.backends import each_backend
from tests.integration.conftest import new_fee
from tests.integration.fee_invariant import assert_fees_consistent

pytestmark = each_backend

KREDITOR = model.Kreditor(agency_id="DK-710100", kommunekode="101")
ACTION = DAEKNING_AFSKRIVNING.operations["RegistrerDaekningAfskrivning"].soap_action


def _header(cvr: str | None = None, kode: str = "101") -> model.SpHeader:
    k = kommuner.by_kode()[kode]
    return model.SpHeader(
        invocation_context=model.InvocationContext(
            service_agreement_uuid=k.service_agreement_uuid,
            user_system_uuid=kommuner.FBS_USER_SYSTEM_UUID,
            user_uuid="00000000-0000-4000-8000-000000000002",
            service_uuid=kommuner.service_uuid(DAEKNING_AFSKRIVNING.name),
            callers_service_call_identifier="cb-1",
        ),
        authority_context=model.AuthorityContext(municipality_cvr=cvr or k.cvr),
    )


def daekning(hid: str, fid: str, beloeb: int, day: int = 10) -> model.Haendelse:
    return model.Haendelse(
        haendelse_id=hid,
        tidspunkt=datetime(2026, 1, day, 2, 0, tzinfo=COPENHAGEN),
        kreditor=KREDITOR,
        debitorkontonummer="K1",
        fordring_id=fid,
        daekning=model.Daekning(
            beloeb=beloeb,
            betalingsdato=date(2026, 1, day),
            betalingsmiddel=model.Betalingsmiddel.KORT,
        ),
    )


def tilbagefoert(hid: str, fid: str, beloeb: int, original: str) -> model.Haendelse:
    return model.Haendelse(
        haendelse_id=hid,
        tidspunkt=datetime(2026, 1, 12, 2, 0, tzinfo=COPENHAGEN),
        kreditor=KREDITOR,
        debitorkontonummer="K1",
        fordring_id=fid,
        daekning_tilbagefoert=model.DaekningTilbagefoert(
            beloeb=beloeb, oprindelig_haendelse_id=original
        ),
    )


@pytest.fixture
def http(core):
    return create_app(core=core).test_client()


def post(http, *events: model.Haendelse, kode: str = "101"):
    body = soap.request_envelope(
        model.RegistrerDaekningAfskrivning(haendelser=events), _header(kode=kode)
    )
    return http.post(
        DAEKNING_AFSKRIVNING.path,
        data=body,
        headers={"SOAPAction": f'"{ACTION}"', "Content-Type": "text/xml"},
    )


def receipts(resp) -> list[tuple[str, str]]:
    svar = soap.read_response(resp.data, model.RegistrerDaekningAfskrivningSvar)
    return [(k.haendelse_id, k.status.value) for k in svar.kvitteringer]


def test_wsdl_is_served_with_this_address(http):
    resp = http.get(DAEKNING_AFSKRIVNING.path + "?wsdl")
    assert resp.status_code == 200
    assert (
        b'location="http://localhost/service/OIR/DaekningAfskrivningRegistreringAfsend/1"'
        in resp.data
    )
    assert http.get("/service/OIR/schemas/oeir.xsd").status_code == 200


def test_partial_then_full_payment_sets_paid_date_and_unblocks(http, core, fake, clock):
    fee = core.service.create_fee(new_fee(fake, 12_000))
    with core.store.read() as repo:
        assert repo.open_block(fee.patron_id, "101") is not None
    resp = post(http, daekning("h1", fee.fordring_id, 4000))
    assert resp.status_code == 200 and receipts(resp) == [("h1", "Modtaget")]
    with core.store.read() as repo:
        assert repo.open_block(fee.patron_id, "101") is None  # 80 kr < 100 kr
        mid = repo.fee(fee.fee_id)
    assert (mid.remaining, mid.paid_date) == (8000, None)
    clock.advance(timedelta(days=1))
    post(http, daekning("h2", fee.fordring_id, 8000, day=11))
    with core.store.read() as repo:
        done = repo.fee(fee.fee_id)
        [period] = repo.block_periods(fee.patron_id)
    assert (done.status.value, done.paid_date, done.remaining) == ("paid", date(2026, 1, 11), 0)
    assert period.ended is not None


def test_duplicate_event_is_answered_dublet_and_applied_once(http, core, fake):
    fee = core.service.create_fee(new_fee(fake, 5000))
    assert receipts(post(http, daekning("h1", fee.fordring_id, 1000))) == [("h1", "Modtaget")]
    again = post(http, daekning("h1", fee.fordring_id, 1000), daekning("h1", fee.fordring_id, 1000))
    assert receipts(again) == [("h1", "Dublet"), ("h1", "Dublet")]
    with core.store.read() as repo:
        assert repo.fee(fee.fee_id).daekket == 1000


def test_duplicate_inside_one_batch_counts_once(http, core, fake):
    fee = core.service.create_fee(new_fee(fake, 5000))
    r = post(http, daekning("h1", fee.fordring_id, 1000), daekning("h1", fee.fordring_id, 1000))
    assert receipts(r) == [("h1", "Modtaget"), ("h1", "Dublet")]
    with core.store.read() as repo:
        assert repo.fee(fee.fee_id).daekket == 1000


def test_reversal_before_its_payment_leaves_the_balance_right(http, core, fake):
    fee = core.service.create_fee(new_fee(fake, 3000))
    post(http, tilbagefoert("r1", fee.fordring_id, 3000, original="p1"))
    with core.store.read() as repo:
        assert repo.fee(fee.fee_id).remaining == 3000  # not 6000
    post(http, daekning("p1", fee.fordring_id, 3000))
    with core.store.read() as repo:
        f = repo.fee(fee.fee_id)
    assert (f.status.value, f.remaining, f.paid_date) == ("open", 3000, None)


def test_unknown_claim_faults_and_applies_nothing_of_the_batch(http, core, fake):
    fee = core.service.create_fee(new_fee(fake, 3000))
    resp = post(
        http, daekning("ok", fee.fordring_id, 1000), daekning("bad", "FBS-710100-999", 1000)
    )
    assert resp.status_code == 500
    with pytest.raises(OeirFault) as err:
        soap.read_response(resp.data, model.RegistrerDaekningAfskrivningSvar)
    assert err.value.kode == "FordringFindesIkke"
    with core.store.read() as repo:
        assert repo.fee(fee.fee_id).daekket == 0
        assert not repo.has_haendelse("ok")


def test_another_municipality_may_not_report_on_our_claims(http, core, fake):
    fee = core.service.create_fee(new_fee(fake, 3000))
    resp = post(http, daekning("x", fee.fordring_id, 1000), kode="147")
    with pytest.raises(OeirFault) as err:
        soap.read_response(resp.data, model.RegistrerDaekningAfskrivningSvar)
    assert err.value.kode == "AdgangNaegtet"


def test_bad_input_is_a_fault_never_a_crash(http):
    resp = http.post(DAEKNING_AFSKRIVNING.path, data=b"<notsoap/>", headers={"SOAPAction": ACTION})
    assert resp.status_code == 500
    with pytest.raises(OeirFault) as err:
        soap.read_response(resp.data, model.RegistrerDaekningAfskrivningSvar)
    assert err.value.kode == "UgyldigSoapKonvolut"


def test_write_off_and_handover_show_on_the_fee(http, core, fake):
    fee = core.service.create_fee(new_fee(fake, 3000))
    base = dict(
        tidspunkt=datetime(2026, 3, 1, 2, tzinfo=COPENHAGEN),
        kreditor=KREDITOR,
        debitorkontonummer="K1",
        fordring_id=fee.fordring_id,
    )
    post(
        http,
        model.Haendelse(
            haendelse_id="o1",
            overdraget_til_inddrivelse=model.OverdragetTilInddrivelse(
                status=model.PsrmStatus.MODTAGET
            ),
            **base,
        ),
    )
    with core.store.read() as repo:
        assert repo.fee(fee.fee_id).overdraget_status == "MODTAGET"
    post(
        http,
        model.Haendelse(
            haendelse_id="a1",
            afskrivning=model.Afskrivning(beloeb=3000, aarsag=model.AfskrivningAarsag.UERHOLDELIG),
            **base,
        ),
    )
    with core.store.read() as repo:
        assert repo.fee(fee.fee_id).status.value == "written_off"


def test_unknown_municipality_or_missing_agreement_is_refused(http, core, fake):
    import dataclasses

    fee = core.service.create_fee(new_fee(fake, 3000))
    batch = model.RegistrerDaekningAfskrivning(haendelser=(daekning("z", fee.fordring_id, 100),))
    bad_cvr = _header(cvr="12345674")
    bad_agreement = dataclasses.replace(
        _header(),
        invocation_context=dataclasses.replace(
            _header().invocation_context,
            service_agreement_uuid="00000000-0000-4000-8000-000000000000",
        ),
    )
    for header, kode in ((bad_cvr, "UkendtKommune"), (bad_agreement, "IngenServiceaftale")):
        resp = http.post(
            DAEKNING_AFSKRIVNING.path,
            data=soap.request_envelope(batch, header),
            headers={"SOAPAction": f'"{ACTION}"'},
        )
        with pytest.raises(OeirFault) as err:
            soap.read_response(resp.data, model.RegistrerDaekningAfskrivningSvar)
        assert err.value.kode == kode
    with core.store.read() as repo:
        assert not repo.has_haendelse("z")


def _fault_of(resp) -> OeirFault:
    assert resp.status_code == 500, resp.data
    with pytest.raises(OeirFault) as err:
        soap.read_response(resp.data, model.RegistrerDaekningAfskrivningSvar)
    return err.value


def _blocked(http, patron_id: int) -> bool:
    return http.get(f"/harness/patrons/{patron_id}").get_json()["blocked"]


def test_a_municipality_naming_its_own_kommune_may_not_pay_another_ones_fee(http, core, fake):
    """Aarhus (751) names København's library and claim but its own Kommunekode (issue 13 #3)."""
    fee = core.service.create_fee(new_fee(fake, 30_000))  # København, 101: blocks the patron
    forged = model.Kreditor(agency_id=KREDITOR.agency_id, kommunekode="751")
    for attack, felt in (
        (
            dataclasses.replace(daekning("aar-1", fee.fordring_id, 30_000), kreditor=forged),
            "Haendelse[1]/FordringId",
        ),
        (daekning("aar-2", fee.fordring_id, 30_000), "Haendelse[1]/Kreditor"),  # as København's
    ):
        fault = _fault_of(post(http, attack, kode="751"))
        assert fault.kode == "AdgangNaegtet" and fault.tekst_da and fault.tekst_en
        assert fault.felt == felt
    with core.store.read() as repo:
        after = repo.fee(fee.fee_id)
        assert not repo.has_haendelse("aar-1") and not repo.has_haendelse("aar-2")
    assert (after.daekket, after.remaining, after.status.value) == (0, 30_000, "open")
    assert _blocked(http, fee.patron_id)
    assert_fees_consistent(core)
    # København itself may still pay it, and the forged ids were never taken
    assert receipts(post(http, daekning("aar-1", fee.fordring_id, 30_000))) == [
        ("aar-1", "Modtaget")
    ]
    assert_fees_consistent(core)


def test_an_event_id_taken_for_another_claim_is_refused_not_swallowed_as_dublet(http, core, fake):
    """Aarhus (751) uses, for its own claim, the event id København's system will send next.
    København's event must not be answered Dublet and silently dropped."""
    kbh = core.service.create_fee(new_fee(fake, 30_000))  # 101, blocks the patron
    aar = core.service.create_fee(new_fee(fake, 5_000, agency_id="DK-775100"))
    aarhus = model.Kreditor(agency_id="DK-775100", kommunekode="751")
    taken = dataclasses.replace(daekning("kbh-next", aar.fordring_id, 100), kreditor=aarhus)
    assert receipts(post(http, taken, kode="751")) == [("kbh-next", "Modtaget")]
    fault = _fault_of(post(http, daekning("kbh-next", kbh.fordring_id, 30_000)))
    assert (fault.kode, fault.felt) == (
        "HaendelseIdBrugtTilAndenFordring",
        "Haendelse[1]/HaendelseId",
    )
    assert fault.tekst_da and fault.tekst_en
    with core.store.read() as repo:
        assert repo.fee(kbh.fee_id).remaining == 30_000
    assert _blocked(http, kbh.patron_id)
    # the same event again, for its own claim, is still a plain Dublet
    assert receipts(post(http, taken, kode="751")) == [("kbh-next", "Dublet")]
    assert_fees_consistent(core)


def test_kreditor_must_be_the_claims_own(http, core, fake):
    """The caller's own claim, but a Kreditor that is not the claim's: the claim is not found."""
    fee = core.service.create_fee(new_fee(fake, 3000))
    wrong = model.Kreditor(agency_id="DK-710100", kommunekode="147")
    resp = post(http, dataclasses.replace(daekning("k1", fee.fordring_id, 1000), kreditor=wrong))
    assert _fault_of(resp).kode == "AdgangNaegtet"
    with core.store.read() as repo:
        assert repo.fee(fee.fee_id).daekket == 0
    assert_fees_consistent(core)


def test_a_payment_is_reversed_once_and_never_beyond_it(http, core, fake):
    """Pay 100 kr, reverse it three times (100, 100, 5000): issue 13 #4."""
    fee = core.service.create_fee(new_fee(fake, 10_000))  # 100 kr; threshold is 100 kr
    assert receipts(post(http, daekning("p1", fee.fordring_id, 10_000))) == [("p1", "Modtaget")]
    assert not _blocked(http, fee.patron_id)
    assert receipts(post(http, tilbagefoert("r1", fee.fordring_id, 10_000, "p1"))) == [
        ("r1", "Modtaget")
    ]
    assert_fees_consistent(core)
    for hid, beloeb in (("r2", 10_000), ("r3", 500_000)):
        fault = _fault_of(post(http, tilbagefoert(hid, fee.fordring_id, beloeb, "p1")))
        assert fault.kode == "HaendelseFindesIkke"
        assert fault.felt == "Haendelse[1]/DaekningTilbagefoert/OprindeligHaendelseId"
        assert_fees_consistent(core)
    detail = http.get(f"/harness/fees/{fee.fee_id}").get_json()
    assert (detail["remaining"], detail["paid"], detail["status"]) == (100.0, 0.0, "open")
    with core.store.read() as repo:
        assert not repo.has_haendelse("r2") and not repo.has_haendelse("r3")


def test_a_reversal_larger_than_its_payment_is_refused(http, core, fake):
    fee = core.service.create_fee(new_fee(fake, 10_000))
    post(http, daekning("p1", fee.fordring_id, 4_000))
    fault = _fault_of(post(http, tilbagefoert("r1", fee.fordring_id, 500_000, "p1")))
    assert fault.kode == "HaendelseFindesIkke"
    with core.store.read() as repo:
        assert (repo.fee(fee.fee_id).remaining, repo.has_haendelse("r1")) == (6_000, False)
    assert_fees_consistent(core)


def test_reversals_in_one_batch_are_checked_together_in_any_order(http, core, fake):
    fee = core.service.create_fee(new_fee(fake, 10_000))
    batch = (
        tilbagefoert("r1", fee.fordring_id, 10_000, "p1"),
        tilbagefoert("r2", fee.fordring_id, 10_000, "p1"),
        daekning("p1", fee.fordring_id, 10_000),
    )
    assert _fault_of(post(http, *batch)).kode == "HaendelseFindesIkke"
    with core.store.read() as repo:
        assert repo.fee(fee.fee_id).remaining == 10_000 and not repo.has_haendelse("p1")
    assert_fees_consistent(core)
    # reversed order in one batch (the simulator's callback_reorder) is fine when it is one reversal
    assert receipts(post(http, *batch[::2])) == [("r1", "Modtaget"), ("p1", "Modtaget")]
    with core.store.read() as repo:
        assert repo.fee(fee.fee_id).remaining == 10_000
    assert_fees_consistent(core)


def test_a_reversal_must_name_a_payment_of_its_own_claim(http, core, fake):
    fee = core.service.create_fee(new_fee(fake, 10_000))
    other = core.service.create_fee(new_fee(fake, 10_000))
    post(http, daekning("p-other", other.fordring_id, 10_000))
    base = dict(
        tidspunkt=datetime(2026, 3, 1, 2, tzinfo=COPENHAGEN),
        kreditor=KREDITOR,
        debitorkontonummer="K1",
        fordring_id=fee.fordring_id,
    )
    post(
        http,
        model.Haendelse(haendelse_id="n1", nedregulering=model.Nedregulering(beloeb=1_000), **base),
    )
    for ref in ("p-other", "n1"):  # another claim's payment; not a payment
        resp = post(http, tilbagefoert(f"r-{ref}", fee.fordring_id, 1_000, ref))
        assert _fault_of(resp).kode == "HaendelseFindesIkke"
    with core.store.read() as repo:
        assert repo.fee(fee.fee_id).remaining == 9_000
        assert repo.fee(other.fee_id).remaining == 0
    assert_fees_consistent(core)


def test_reversals_that_arrived_before_their_payment_count_once_and_capped(http, core, fake):
    """Stored while the payment was unknown (they wait): the payment still ends them at one."""
    fee = core.service.create_fee(new_fee(fake, 10_000))
    for hid, beloeb in (("r1", 10_000), ("r2", 10_000), ("r3", 500_000)):
        assert receipts(post(http, tilbagefoert(hid, fee.fordring_id, beloeb, "p1")))[0][1] == (
            "Modtaget"
        )
    assert_fees_consistent(core)
    post(http, daekning("p1", fee.fordring_id, 10_000))
    with core.store.read() as repo:
        assert repo.fee(fee.fee_id).remaining == 10_000  # not 5,200 kr
    assert_fees_consistent(core)
