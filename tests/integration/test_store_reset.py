"""`Repo.reset` (POST /harness/reset, `debitorsim reset`): every table emptied, the core usable after."""

from __future__ import annotations

from faker import Faker

from integration.core import Core
from integration.store import RESET_TABLES
from tests.backends import each_backend
from tests.integration.conftest import new_fee

pytestmark = each_backend


def test_reset_empties_every_table_and_the_core_starts_fresh(core: Core, fake: Faker) -> None:
    cpr = "0101901234"
    fee = core.service.create_fee(new_fee(fake, 3000, cpr=cpr))
    core.service.write_down(fee.fee_id, 1000)
    with core.store.read() as repo:
        before = repo.row_counts()
    assert before["fees"] == 1 and before["patrons"] == 1 and before["outbox"] >= 1
    with core.store.tx() as repo:
        removed = repo.reset()
    assert removed == before and set(removed) == set(RESET_TABLES)
    with core.store.read() as repo:
        assert set(repo.row_counts().values()) == {0}
        assert repo.fee(fee.fee_id) is None
    again = core.service.create_fee(new_fee(fake, 3000, cpr=cpr))  # the same patron, anew
    with core.store.read() as repo:
        assert repo.fee(again.fee_id) is not None and repo.row_counts()["patrons"] == 1
