"""FBS domain: fees with their outbox message in one transaction, blocks, CPR changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from integration.domain.model import FeeStatus, FeeType
from integration.fbs.service import FbsError
from integration.outbox import messages
from oeir import model
from tests.backends import each_backend
from tests.integration.conftest import new_fee

pytestmark = each_backend


def test_creating_a_fee_queues_its_claim_in_the_same_transaction(core, fake):
    fee = core.service.create_fee(new_fee(fake, 3000, creation_date=date(2026, 1, 5)))
    assert fee.fordring_id == f"FBS-710100-{fee.fee_id}"
    assert (fee.due_date, fee.last_timely_date) == (date(2026, 2, 4), date(2026, 2, 9))
    with core.store.read() as repo:
        [row] = repo.outbox_rows()
    assert (row.operation, row.ordering_key, row.state) == (
        "OpretFordring",
        fee.fordring_id,
        "pending",
    )
    fordring = messages.decode_payload(row.operation, row.payload)
    assert fordring.hovedstol == 3000
    assert fordring.tekst == "Gebyr (for sent)"


def test_a_failed_transaction_leaves_neither_fee_nor_message(core, fake, monkeypatch):
    def boom(*a, **kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(messages, "enqueue", boom)
    with pytest.raises(RuntimeError):
        core.service.create_fee(new_fee(fake))
    with core.store.read() as repo:
        assert repo.outbox_counts() == {"pending": 0, "sent": 0, "parked": 0, "skipped": 0}
        assert repo.conn.execute("SELECT COUNT(*) FROM fees").fetchone()[0] == 0


def test_same_cpr_at_same_agency_is_one_patron(core, fake):
    cpr = fake.cpr()
    a = core.service.create_fee(new_fee(fake, cpr=cpr))
    b = core.service.create_fee(new_fee(fake, cpr=cpr, kind=FeeType.COMPENSATION))
    assert a.patron_id == b.patron_id


def test_block_starts_at_threshold_and_ends_below_it(core, fake, clock):
    cpr = fake.cpr()
    a = core.service.create_fee(new_fee(fake, 6000, cpr=cpr))
    with core.store.read() as repo:
        assert repo.open_block(a.patron_id, "101") is None
    core.service.create_fee(new_fee(fake, 4000, cpr=cpr))  # 100 kr = threshold
    with core.store.read() as repo:
        started = repo.open_block(a.patron_id, "101").started
    assert started == clock.now()
    clock.advance(timedelta(hours=2))
    core.service.write_down(a.fee_id, 100)
    with core.store.read() as repo:
        [period] = repo.block_periods(a.patron_id)
    assert period.ended == clock.now()


def test_write_down_and_cancel_queue_their_messages_in_order(core, fake):
    fee = core.service.create_fee(new_fee(fake, 5000))
    fee = core.service.write_down(fee.fee_id, 1500, model.NedskrivningAarsag.KULANCE, "rabat")
    assert (fee.written_down, fee.remaining) == (1500, 3500)
    fee = core.service.cancel(fee.fee_id, model.AnnulleringAarsag.MATERIALE_FUNDET)
    assert (fee.status, fee.remaining) == (FeeStatus.CANCELLED, 0)
    with core.store.read() as repo:
        ops = [r.operation for r in reversed(repo.outbox_rows())]
    assert ops == ["OpretFordring", "NedskrivFordring", "AnnullerFordring"]
    with pytest.raises(FbsError) as err:
        core.service.write_down(fee.fee_id, 100)
    assert err.value.code == "GebyrLukket"


def test_write_down_beyond_what_is_owed_is_refused(core, fake):
    fee = core.service.create_fee(new_fee(fake, 5000))
    with pytest.raises(FbsError) as err:
        core.service.write_down(fee.fee_id, 5001)
    assert err.value.code == "NedskrivningOverstigerSaldo"


def test_ident_change_queues_skift_haefter_for_open_fees_only(core, fake):
    cpr = fake.cpr()
    a = core.service.create_fee(new_fee(fake, 1000, cpr=cpr))
    b = core.service.create_fee(new_fee(fake, 2000, cpr=cpr))
    core.service.cancel(b.fee_id)
    new_cpr = fake.cpr()
    changed = core.service.change_ident(a.patron_id, new_cpr, None)
    assert [f.fee_id for f in changed] == [a.fee_id]
    with core.store.read() as repo:
        row = repo.outbox_rows()[0]
        assert repo.patron(a.patron_id).cpr == new_cpr
    msg = messages.decode_payload(row.operation, row.payload)
    assert msg.ny_debitor.cpr_nummer == new_cpr


@pytest.mark.parametrize(("cpr", "code"), [("3213901234", "CprUgyldig"), (None, "DebitorUgyldig")])
def test_invalid_identifiers_are_refused(core, fake, cpr, code):
    req = new_fee(fake)
    bad = type(req)(**{**req.__dict__, "cpr": cpr})
    with pytest.raises(FbsError) as err:
        core.service.create_fee(bad)
    assert err.value.code == code


def test_a_batch_run_is_all_or_nothing(core, fake):
    good = new_fee(fake)
    bad = type(good)(**{**new_fee(fake).__dict__, "cpr": "3213901234"})
    with pytest.raises(FbsError):
        core.service.create_fees([good, bad])
    with core.store.read() as repo:
        assert repo.conn.execute("SELECT COUNT(*) FROM fees").fetchone()[0] == 0
        assert repo.outbox_counts()["pending"] == 0
    created = core.service.create_fees([good, new_fee(fake, cpr=good.cpr)])
    assert len({f.patron_id for f in created}) == 1
    with core.store.read() as repo:
        assert repo.outbox_counts()["pending"] == 2
