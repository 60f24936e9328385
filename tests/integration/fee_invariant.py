"""The core's own ledger invariant, checked after an attack on the callback receiver or harness.

For every fee FBS holds: the stored balance is exactly what `integration.domain.balance.derive`
gives for the fee's stored events (so no write path bypassed the ledger), the parts are
never negative, the debt never exceeds the principal, ``remaining`` is
principal − dækket − afskrevet − nedreguleret (never below zero), and each patron is blocked
in a municipality exactly while the unpaid debt there reaches the threshold.
"""

from __future__ import annotations

from integration.core import Core
from integration.domain.balance import derive
from oeir import kommuner


def assert_fees_consistent(core: Core) -> None:
    """Fail with the first fee (or patron block) that breaks the invariant."""
    with core.store.read() as repo:
        for kode in kommuner.by_kode():
            fees = repo.fees_of_kommune(kode)
            debts: dict[int, int] = {}
            for fee in fees:
                expected = derive(
                    fee.principal, fee.cancelled_at is not None, repo.haendelser(fee.fordring_id)
                )
                got = (fee.daekket, fee.afskrevet, fee.nedreguleret, fee.status)
                want = (
                    expected.daekket,
                    expected.afskrevet,
                    expected.nedreguleret,
                    expected.status,
                )
                assert got == want, f"fee {fee.fee_id}: stored {got}, derived {want}"
                assert min(fee.daekket, fee.afskrevet, fee.nedreguleret) >= 0, fee
                owed = fee.principal - fee.daekket - fee.afskrevet - fee.nedreguleret
                assert owed <= fee.principal, f"fee {fee.fee_id} owes {owed} > {fee.principal}"
                assert 0 <= fee.remaining <= fee.principal, fee
                if fee.cancelled_at is None:
                    assert fee.remaining == max(0, owed), fee
                debts[fee.patron_id] = debts.get(fee.patron_id, 0) + fee.remaining
            threshold = core.config.rules(kode).block_threshold_oere
            for patron_id, debt in debts.items():
                blocked = repo.open_block(patron_id, kode) is not None
                assert blocked == (debt >= threshold), (
                    f"patron {patron_id} in {kode}: debt {debt}, blocked {blocked}"
                )
