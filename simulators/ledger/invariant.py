"""The ledger invariant: a claim's balance agrees with its components and its events."""

from __future__ import annotations

from collections.abc import Iterable

from oeir import model
from simulators.ledger.records import COMPONENT_OF, Claim, Event, EventKind

Status = model.FordringStatus


def check_invariant(claim: Claim, events: Iterable[Event]) -> list[str]:
    """Problems with a claim's balance: the formula, sign, and agreement with its events."""
    problems = []
    if claim.saldo < 0:
        problems.append(f"{claim.fordring_id}: saldo {claim.saldo} < 0")
    totals = dict.fromkeys(
        ("nedskrevet", "nedreguleret", "daekket", "afskrevet", "rykkergebyrer", "renter"), 0
    )
    hovedstol = None
    for e in events:
        if e.fordring_id != claim.fordring_id or e.kommunekode != claim.kommunekode:
            continue
        if e.kind == EventKind.FORDRING_OPRETTET:
            hovedstol = e.beloeb
        if e.kind in COMPONENT_OF:
            name, sign = COMPONENT_OF[e.kind]
            totals[name] += sign * e.beloeb
    if hovedstol != claim.hovedstol:
        problems.append(f"{claim.fordring_id}: hovedstol {claim.hovedstol} != event {hovedstol}")
    for name, total in totals.items():
        if getattr(claim, name) != total:
            problems.append(f"{claim.fordring_id}: {name} {getattr(claim, name)} != events {total}")
    if claim.saldo != hovedstol_minus(claim, totals):
        problems.append(f"{claim.fordring_id}: saldo disagrees with the events")
    if claim.saldo == 0 and claim.status == Status.AABEN:
        problems.append(f"{claim.fordring_id}: balance 0 but still open")
    if claim.saldo != 0 and claim.status in (Status.BETALT, Status.ANNULLERET, Status.AFSKREVET):
        problems.append(f"{claim.fordring_id}: balance {claim.saldo} but {claim.status}")
    return problems


def hovedstol_minus(claim: Claim, t: dict[str, int]) -> int:
    """The balance the event totals `t` give for `claim`'s principal."""
    return (
        claim.hovedstol
        - t["nedskrevet"]
        - t["nedreguleret"]
        - t["daekket"]
        - t["afskrevet"]
        + t["rykkergebyrer"]
        + t["renter"]
    )
