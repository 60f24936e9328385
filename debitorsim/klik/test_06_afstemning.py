"""Afstemning: a clean run gives zero differences; an injected one is found and classified."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pytest_bdd import given, parsers, scenarios, then

from debitorsim.klik import payments
from debitorsim.klik.paths import feature
from debitorsim.klik.world import World, kr

FEATURE_NAME = "Afstemning"
scenarios(feature("06_afstemning.feature"))

KINDS = {
    "Mangler i debitorsystemet": "missing_in_debtor",
    "Mangler i FBS": "missing_in_fbs",
    "Beløb afviger": "amount_differs",
    "Status afviger": "status_differs",
}


@given(
    parsers.parse(
        "debitorsystemet har bogført en indbetaling på {beloeb} kr på {alias}, "
        "som FBS endnu ikke har fået"
    )
)
def bogfoert_ikke_meldt(verden: World, beloeb: str, alias: str) -> None:
    pending = payments.pay_slip(verden, alias, kr(beloeb))
    verden.set_clock(datetime.fromisoformat(pending["bogfoeres"]))


@then(parsers.parse('finder afstemningen forskellen "{art}" på {alias}'))
def forskel(verden: World, afstemning: dict[str, Any], art: str, alias: str) -> None:
    fid = verden.fees[alias]["fordringId"]
    found = sorted(d["kind"] for d in afstemning["differences"] if d["fordring_id"] == fid)
    assert KINDS[art] in found, (
        f"afstemning af {alias}: forventet {art} ({KINDS[art]}), fik {found or 'ingen forskel'}"
    )
