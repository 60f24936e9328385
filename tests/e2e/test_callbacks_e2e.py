"""The callback receiver over real HTTP, called with zeep from its served WSDL.

Until the simulator sends its nightly callbacks (issue 4), the test plays the
debtor system: it sends `RegistrerDaekningAfskrivning` for claims that really
are in the simulator's ledger.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import zeep
import zeep.exceptions
import zeep.helpers

from integration.clock import COPENHAGEN
from oeir import kommuner
from oeir.services import DAEKNING_AFSKRIVNING
from tests.e2e.conftest import SYSTEMS, Bed


def _client(bed: Bed) -> zeep.Client:
    return zeep.Client(f"{bed.core_url}{DAEKNING_AFSKRIVNING.path}?wsdl")


def _headers(kode: str, call_id: str) -> dict[str, Any]:
    k = kommuner.by_kode()[kode]
    return {
        "InvocationContext": {
            "ServiceAgreementUUID": k.service_agreement_uuid,
            "UserSystemUUID": kommuner.FBS_USER_SYSTEM_UUID,
            "UserUUID": "00000000-0000-4000-8000-000000000007",
            "ServiceUUID": kommuner.service_uuid(DAEKNING_AFSKRIVNING.name),
            "CallersServiceCallIdentifier": call_id,
        },
        "AuthorityContext": {"MunicipalityCVR": k.cvr},
    }


def _event(hid: str, kode: str, fordring_id: str, konto: str, **kind: Any) -> dict[str, Any]:
    return {
        "HaendelseId": hid,
        "Tidspunkt": datetime(2026, 1, 6, 4, 0, tzinfo=COPENHAGEN),
        "Kreditor": {"AgencyId": f"DK-7{kode}00", "Kommunekode": kode},
        "Debitorkontonummer": konto,
        "FordringId": fordring_id,
        **kind,
    }


def _pay(amount: str, day: int) -> dict[str, Any]:
    return {
        "Daekning": {
            "Beloeb": Decimal(amount),
            "Betalingsdato": date(2026, 1, day),
            "Betalingsmiddel": "Kort",
        }
    }


def _send(bed: Bed, kode: str, call_id: str, *events: dict[str, Any]) -> list[tuple[str, str]]:
    answer = _client(bed).service.RegistrerDaekningAfskrivning(
        Haendelse=list(events), _soapheaders=_headers(kode, call_id)
    )
    return [
        (k["HaendelseId"], k["Status"])
        for k in zeep.helpers.serialize_object(answer, target_cls=dict)
    ]


def test_partial_then_full_payment_with_duplicates_and_a_reversal_out_of_order(bed: Bed, fake):
    kode = SYSTEMS["opus"]
    fee = bed.create_fee(kode, fake.cpr(), amount=120)  # above the 100 kr threshold
    bed.drain()
    fid, konto = fee["fordringId"], bed.claim(kode, fee["fordringId"])["konto"]
    pid = fee["patronId"]
    assert bed.harness("GET", f"/patrons/{pid}")["blocked"] is True

    assert _send(bed, kode, "n1", _event("H1", kode, fid, konto, **_pay("40.00", 5))) == [
        ("H1", "Modtaget")
    ]
    patron = bed.harness("GET", f"/patrons/{pid}")
    assert patron["blocked"] is False and patron["blockPeriods"][0]["ended"] is not None

    # The same night again (the debtor system did not see our answer), plus a reversal
    # of a payment we have not heard of yet.
    reversal = _event(
        "H3",
        kode,
        fid,
        konto,
        DaekningTilbagefoert={"Beloeb": Decimal("80.00"), "OprindeligHaendelseId": "H2"},
    )
    assert _send(bed, kode, "n1", _event("H1", kode, fid, konto, **_pay("40.00", 5)), reversal) == [
        ("H1", "Dublet"),
        ("H3", "Modtaget"),
    ]
    assert bed.harness("GET", f"/fees/{fee['feeId']}")["remaining"] == 80.0

    # The payment the reversal refers to arrives last: the two cancel out.
    _send(bed, kode, "n2", _event("H2", kode, fid, konto, **_pay("80.00", 6)))
    detail = bed.harness("GET", f"/fees/{fee['feeId']}")
    assert (detail["remaining"], detail["paidDate"], detail["status"]) == (80.0, None, "open")

    _send(bed, kode, "n3", _event("H4", kode, fid, konto, **_pay("80.00", 7)))
    [v2] = bed.http.get(
        f"{bed.core_url}/external/DK-7{kode}00/patron/{pid}/fees/v2?includepaid=true&includenonpayable=true",
        timeout=5,
    ).json()
    assert v2["paidDate"] == "2026-01-07" and v2["feeId"] == fee["feeId"]


def test_unknown_claim_is_refused_with_a_fault(bed: Bed):
    kode = SYSTEMS["eg"]
    try:
        _send(bed, kode, "x", _event("H9", kode, f"FBS-7{kode}00-424242", "K1", **_pay("1.00", 5)))
    except zeep.exceptions.Fault as fault:
        assert fault.code.endswith("Client")
        assert fault.detail.find(".//{*}FejlKode").text == "FordringFindesIkke"
    else:
        raise AssertionError("expected a SOAP Fault")
