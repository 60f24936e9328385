"""Crash safety with real processes and SIGKILL, on SQLite and on PostgreSQL.

The default run (in `make test`): 500 fees and 5 kills per test. The full
run of issue 8 (5,000 fees, 20 kills): ``DEBITORSIM_CRASH_FULL=1``.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backends import Backend, each_backend
from tests.hardening.crash_bed import KOMMUNER, CrashBed

FULL = os.environ.get("DEBITORSIM_CRASH_FULL") == "1"
FEES = 5_000 if FULL else 500
KILLS = 20 if FULL else 5
PAYMENTS_PER_NIGHT = 100 if FULL else 20

pytestmark = [pytest.mark.slow, *each_backend]


@pytest.fixture
def bed(backend: Backend, tmp_path: Path) -> Iterator[CrashBed]:
    """A crash bed on SQLite files, or with both stores on one PostgreSQL database."""
    b = CrashBed(tmp_path, backend.url)
    yield b
    b.stop()


def _all_delivered_once(bed: CrashBed, fees: list) -> None:
    assert bed.outbox() == {"pending": 0, "sent": len(fees), "parked": 0, "skipped": 0}
    check = bed.ledger_check(fees)
    assert check["problems"] == []
    assert check["claims"] == len(fees)
    assert bed.reconcile() == dict.fromkeys(KOMMUNER, 0)


def test_worker_sigkilled_at_random_moments_loses_and_doubles_no_fee(bed: CrashBed) -> None:
    bed.start_sim()
    fees = bed.create_fees(FEES, seed=81)
    bed.start_worker()
    bed.kill_at_random_moments("worker", KILLS, FEES, seed=82, restart=bed.start_worker)
    bed.wait_until(lambda: bed.sent() == FEES, "worker")
    assert bed.kills["worker"] == KILLS
    _all_delivered_once(bed, fees)


BURST = 120


def test_worker_sigkilled_in_a_burst_on_a_frozen_clock_sends_everything_once(
    bed: CrashBed,
) -> None:
    """Issue 13 (5): the killed worker's leases run out in real time, the clock stays put."""
    bed.clock = "frozen"
    bed.start_sim()
    frozen_at = bed.clock_now()
    fees = bed.create_fees(BURST, seed=87)
    bed.start_worker()
    left_leased = 0
    for mark in (5, 25, 45, 65, 85):  # kill until one kill leaves leased messages behind
        bed.wait_until(lambda m=mark: bed.sent() >= m, "worker")  # type: ignore[misc]
        bed.kill("worker")
        left_leased = bed.leased()
        bed.start_worker()
        if left_leased:
            break
    assert left_leased > 0, "no kill hit the worker while it held leases"
    bed.wait_until(lambda: bed.sent() == BURST, "worker")
    assert bed.clock_now() == frozen_at
    _all_delivered_once(bed, fees)


def test_simulator_sigkilled_while_the_worker_delivers_loses_and_doubles_no_fee(
    bed: CrashBed,
) -> None:
    bed.start_sim()
    fees = bed.create_fees(FEES, seed=83)
    bed.start_worker()
    bed.kill_at_random_moments("sim", KILLS, FEES, seed=84, restart=bed.start_sim)
    bed.wait_until(lambda: bed.sent() == FEES, "worker")
    assert bed.kills["sim"] == KILLS
    _all_delivered_once(bed, fees)


def test_core_sigkilled_during_nightly_callbacks_applies_each_event_once(bed: CrashBed) -> None:
    nights = KILLS
    n_fees = PAYMENTS_PER_NIGHT * nights
    bed.start_sim()
    bed.start_core_web()
    bed.route_callbacks()
    fees = bed.create_fees(n_fees, seed=85)
    bed.start_worker()
    bed.wait_until(lambda: bed.sent() == n_fees, "worker")
    rng = random.Random(86)
    order = fees[:]
    rng.shuffle(order)
    paid: list = []
    for night in range(nights):
        tonight = order[night * PAYMENTS_PER_NIGHT : (night + 1) * PAYMENTS_PER_NIGHT]
        for fee in tonight:
            bed.pay(fee, f"slip-{fee.fordring_id}")
        paid += tonight
        # The night runs in the background; the core dies after a random number of the
        # night's payments arrived (or, on a night that reports none, once it is over).
        mark = _applied(bed, paid) + rng.randrange(1, PAYMENTS_PER_NIGHT)
        over = threading.Event()
        night_run = threading.Thread(target=_night, args=(bed, over))
        night_run.start()
        bed.wait_until(lambda m=mark, p=paid, o=over: o.is_set() or _applied(bed, p) >= m, "core")
        bed.kill("core")
        night_run.join()
        bed.start_core_web()
    for _ in range(7):  # every slip settles within a week; its night reports it
        bed.advance("P1D")
    bed.wait_until(lambda: _flushed(bed) and _applied(bed, paid) == len(paid), "core")
    seen, daekket = bed.core_haendelser(fees)
    assert bed.kills["core"] == nights
    assert all(n == 1 for n in seen.values())
    assert len(seen) == len(paid)
    paid_ids = {f.fordring_id for f in paid}
    assert {f.fordring_id: daekket[f.fordring_id] for f in fees} == {
        f.fordring_id: (f.amount if f.fordring_id in paid_ids else 0) for f in fees
    }
    assert bed.reconcile() == dict.fromkeys(KOMMUNER, 0)


def _night(bed: CrashBed, over: threading.Event) -> None:
    try:
        bed.advance("P1D")
    finally:
        over.set()


def _applied(bed: CrashBed, fees: list) -> int:
    _, daekket = bed.core_haendelser(fees)
    return sum(1 for f in fees if daekket[f.fordring_id] == f.amount)


def _flushed(bed: CrashBed) -> bool:
    """True when the simulator has no undelivered batch (else: deliver them now)."""
    if bed.callbacks_pending() == 0:
        return True
    for kode in KOMMUNER:
        bed.http.post(f"{bed.sim_url}/admin/callbacks/{kode}/flush", timeout=60)
    return bed.callbacks_pending() == 0
