"""The whole payment path: paid in the debtor system, reported back by its nightly callback.

A late fee goes to the debtor system; the citizen pays part of it with a
payment slip (bank-settled after the profile's bank days), then the rest (on
the municipality's payment page where there is one, else another slip). Only
the simulator's own scheduled callbacks bring the payments to FBS; the test
moves the shared virtual clock and checks FBS after each night.
"""

from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import SYSTEMS, Bed


def _slip(bed: Bed, kode: str, fordring_id: str, oere: int, ref: str) -> None:
    bed.admin(
        "POST",
        "/indbetalingskort",
        json={
            "kommunekode": kode,
            "fordring_id": fordring_id,
            "beloeb": oere,
            "indbetaling_id": ref,
        },
    )


def _pay_on_the_page(bed: Bed, kode: str, cpr: str, fordring_id: str) -> None:
    citizen = requests.Session()
    base = f"{bed.sim_url}/betaling/{kode}"
    assert citizen.post(f"{base}/login", data={"cpr": cpr}, timeout=10).status_code == 200
    resp = citizen.post(
        f"{base}/betal", data={"fordring_id": fordring_id, "betalingsmiddel": "Kort"}, timeout=10
    )
    assert resp.status_code == 200, resp.text[:500]


@pytest.mark.parametrize("system", SYSTEMS)
def test_partial_then_full_payment_reach_fbs_after_the_nightly_run(bed: Bed, fake, system):
    kode = SYSTEMS[system]
    cpr = fake.cpr()
    fee = bed.create_fee(kode, cpr, amount=120)  # 120 kr ≥ the 100 kr threshold: blocked
    bed.drain()
    fid, pid = fee["fordringId"], fee["patronId"]
    assert bed.harness("GET", f"/patrons/{pid}")["blocked"] is True

    _slip(bed, kode, fid, 3000, "SLIP-1")
    assert bed.harness("GET", f"/fees/{fee['feeId']}")["remaining"] == 120.0  # nothing yet
    bed.advance("P3D")  # bank days, then a weekday night
    detail = bed.harness("GET", f"/fees/{fee['feeId']}")
    assert (detail["paid"], detail["remaining"], detail["paidDate"]) == (30.0, 90.0, None)
    patron = bed.harness("GET", f"/patrons/{pid}")
    assert patron["blocked"] is False  # 90 kr < 100 kr
    unblocked_at = patron["blockPeriods"][0]["ended"]
    assert unblocked_at is not None

    if bed.admin("GET", f"/tenants/{kode}")["payment_solution"]:
        _pay_on_the_page(bed, kode, cpr, fid)
    else:
        _slip(bed, kode, fid, 9000, "SLIP-2")
    # A slip posted on Thursday settles after the weekend; Tuesday's night reports it.
    bed.advance("P5D")
    assert bed.claim(kode, fid)["status"] == "Betalt"
    url = f"{bed.core_url}/external/DK-7{kode}00/patron/{pid}/fees/v2"
    [v2] = bed.http.get(url + "?includepaid=true&includenonpayable=true", timeout=10).json()
    assert v2["paidDate"] is not None and v2["amount"] == 120.0
    assert (
        bed.http.get(url + "?includenonpayable=true", timeout=10).json() == []
    )  # paid: not listed
    patron = bed.harness("GET", f"/patrons/{pid}")
    assert patron["blocked"] is False and len(patron["blockPeriods"]) == 1
    report = bed.harness("GET", f"/reconcile/{kode}")
    assert report["differences"] == [] and report["matched"] == 1


def test_a_fee_paid_in_fbs_reconciles_with_its_cancelled_claim(bed: Bed, fake) -> None:
    # payment/v2 pays a fee FBS still holds; FBS then cancels the claim it already queued,
    # so the debtor system ends with a cancelled claim: that is agreement, not a difference.
    kode = SYSTEMS["opus"]
    fee = bed.create_fee(kode, fake.cpr(), amount=45)
    pay = bed.http.post(
        f"{bed.core_url}/external/DK-7{kode}00/patron/{fee['patronId']}/payment/v2",
        json={"orderId": "ORDRE-1", "feeIds": [fee["feeId"]]},
        timeout=10,
    )
    assert pay.status_code == 200, pay.text
    assert [c["paymentStatus"] for c in pay.json()] == ["paymentRegistered"]
    result = bed.drain()
    assert (result.sent, result.parked) == (2, 0)  # OpretFordring, then AnnullerFordring
    assert bed.claim(kode, fee["fordringId"])["status"] == "Annulleret"
    report = bed.harness("GET", f"/reconcile/{kode}")
    assert report["differences"] == [] and report["matched"] == 1
