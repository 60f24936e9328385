"""A fee's balance from the debtor system's events: once each, in any order."""

from __future__ import annotations

import itertools
from datetime import date

from integration.domain.balance import StoredEvent, derive
from integration.domain.model import FeeStatus

PAY1 = StoredEvent(haendelse_id="h1", art="Daekning", beloeb=1000, dato=date(2026, 1, 10))
PAY2 = StoredEvent(haendelse_id="h2", art="Daekning", beloeb=2000, dato=date(2026, 1, 12))
REV1 = StoredEvent(
    haendelse_id="h3", art="DaekningTilbagefoert", beloeb=1000, dato=date(2026, 1, 11), ref="h1"
)


def test_partial_then_full_payment_sets_paid_date():
    assert derive(3000, False, [PAY1]).status is FeeStatus.OPEN
    b = derive(3000, False, [PAY1, PAY2])
    assert (b.status, b.daekket, b.paid_date) == (FeeStatus.PAID, 3000, date(2026, 1, 12))


def test_reversal_reopens_the_fee():
    b = derive(1000, False, [PAY1, REV1])
    assert (b.status, b.daekket, b.paid_date) == (FeeStatus.OPEN, 0, None)


def test_reversal_before_its_payment_waits_and_never_inflates_the_balance():
    early = derive(3000, False, [REV1])
    assert early.daekket == 0  # not -1000: the debt does not grow
    assert derive(3000, False, [REV1, PAY1]).daekket == 0


def test_every_order_gives_the_same_balance():
    events = [
        PAY1,
        PAY2,
        REV1,
        StoredEvent(haendelse_id="h4", art="Nedregulering", beloeb=500, dato=date(2026, 1, 13)),
    ]
    results = {derive(4000, False, list(p)) for p in itertools.permutations(events)}
    assert len(results) == 1
    only = results.pop()
    assert (only.daekket, only.nedreguleret, only.status) == (2000, 500, FeeStatus.OPEN)


def test_write_off_closes_and_handover_is_shown():
    b = derive(
        3000,
        False,
        [
            StoredEvent(haendelse_id="a", art="Afskrivning", beloeb=3000, dato=date(2026, 3, 1)),
            StoredEvent(
                haendelse_id="o",
                art="OverdragetTilInddrivelse",
                beloeb=0,
                dato=date(2026, 2, 1),
                status="MODTAGET",
            ),
        ],
    )
    assert (b.status, b.afskrevet, b.overdraget_status) == (FeeStatus.WRITTEN_OFF, 3000, "MODTAGET")


def test_a_payment_counts_one_reversal_never_more_than_itself():
    """Reversals stored while their payment was unknown: one counts, capped (issue 13 #4)."""
    again = StoredEvent(
        haendelse_id="h8", art="DaekningTilbagefoert", beloeb=1000, dato=REV1.dato, ref="h1"
    )
    huge = StoredEvent(
        haendelse_id="h9", art="DaekningTilbagefoert", beloeb=500_000, dato=REV1.dato, ref="h1"
    )
    for events in itertools.permutations([PAY1, REV1, again, huge]):
        b = derive(1000, False, list(events))
        assert (b.daekket, b.status) == (0, FeeStatus.OPEN)
    b = derive(1000, False, [PAY1, huge])  # alone, capped at the payment
    assert b.daekket == 0
    partial = StoredEvent(
        haendelse_id="h7", art="DaekningTilbagefoert", beloeb=400, dato=REV1.dato, ref="h2"
    )
    b = derive(3000, False, [PAY1, PAY2, partial])
    assert (b.daekket, b.status) == (2600, FeeStatus.OPEN)
