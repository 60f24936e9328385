"""The outbox worker against a mocked HTTP layer: order, backoff on the clock, parking."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import requests
import responses

from integration.client import BusinessFault
from integration.outbox.worker import backoff
from oeir import model, soap
from oeir.services import DEBITOR_REGISTRERING
from tests.backends import each_backend
from tests.integration.conftest import new_fee
from tests.integration.soapfakes import REGISTRERING_URL, fault, operation_of

pytestmark = each_backend

MINUTE = timedelta(minutes=1)


class FakeDebtor:
    """A `responses` callback answering the registration service like a tiny ledger."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []  # (operation, call id, fordring id)
        self.accounts: dict[str, str] = {}
        self.down = False
        self.refuse: dict[str, str] = {}  # operation -> FejlKode

    def __call__(self, request):
        req = soap.read_request(request.body, DEBITOR_REGISTRERING)
        msg, op = req.message, req.operation.name
        if self.down:
            raise requests.exceptions.ConnectionError("refused")
        fid = getattr(msg, "fordring_id", None) or getattr(
            getattr(msg, "fordring", None), "fordring_id", None
        )
        if isinstance(msg, model.OpretDebitorkonto):
            fid = msg.fordringer[0].fordring_id
        self.calls.append((op, req.header.invocation_context.callers_service_call_identifier, fid))
        if op in self.refuse:
            kw = fault(self.refuse[op])
            return kw["status"], {}, kw["body"]
        if isinstance(msg, model.OpretDebitorkonto):
            konto = self.accounts.setdefault(msg.debitor.ident, f"K{len(self.accounts) + 1}")
            svar = model.OpretDebitorkontoSvar(debitorkontonummer=konto, fordring_ider=(fid,))
        elif isinstance(msg, model.OpretFordring):
            ident = msg.fordring.debitor.ident
            if ident not in self.accounts:
                kw = fault("DebitorkontoFindesIkke")
                return kw["status"], {}, kw["body"]
            svar = model.OpretFordringSvar(debitorkontonummer=self.accounts[ident], fordring_id=fid)
        elif isinstance(msg, model.NedskrivFordring):
            svar = model.NedskrivFordringSvar(fordring_id=fid, saldo=0)
        elif isinstance(msg, model.AnnullerFordring):
            svar = model.AnnullerFordringSvar(
                fordring_id=fid, status=model.FordringStatus.ANNULLERET
            )
        else:
            svar = model.SkiftHaefterSvar(fordring_id=fid, debitorkontonummer="K-ny")
        return 200, {}, soap.response_envelope(svar)


def _mock(debtor: FakeDebtor) -> None:
    responses.add_callback(responses.POST, REGISTRERING_URL, callback=debtor)


@responses.activate
def test_first_fee_opens_an_account_later_ones_add_claims(core, fake):
    debtor = FakeDebtor()
    _mock(debtor)
    cpr = fake.cpr()
    a = core.service.create_fee(new_fee(fake, cpr=cpr))
    b = core.service.create_fee(new_fee(fake, cpr=cpr))
    r = core.worker.drain()
    assert (r.sent, r.retried, r.parked) == (2, 0, 0)
    assert [c[0] for c in debtor.calls] == ["OpretDebitorkonto", "OpretFordring"]
    with core.store.read() as repo:
        assert repo.account("101", cpr) == "K1"
        assert repo.fee(a.fee_id).handed_over_at == core.config.clock.now()
        assert repo.fee(b.fee_id).handed_over_at is not None


@responses.activate
def test_call_id_is_the_stable_message_id(core, fake):
    debtor = FakeDebtor()
    _mock(debtor)
    core.service.create_fee(new_fee(fake))
    with core.store.read() as repo:
        msg_id = repo.outbox_rows()[0].msg_id
    core.worker.drain()
    assert debtor.calls[0][1] == msg_id


@responses.activate
def test_messages_of_one_claim_go_in_order_even_after_retries(core, fake, clock):
    debtor = FakeDebtor()
    _mock(debtor)
    fee = core.service.create_fee(new_fee(fake, 5000))
    core.service.write_down(fee.fee_id, 1000)
    core.service.cancel(fee.fee_id)
    debtor.down = True
    r = core.worker.run_once()
    assert (r.sent, r.retried) == (0, 1)  # only the first in line was tried
    debtor.down = False
    assert core.worker.drain().handled == 0  # nothing is due before the backoff ends
    clock.advance(timedelta(seconds=10))
    assert core.worker.drain().sent == 3
    assert [c[0] for c in debtor.calls] == [
        "OpretDebitorkonto",
        "NedskrivFordring",
        "AnnullerFordring",
    ]


@responses.activate
def test_backoff_doubles_on_the_clock_and_is_capped(core, fake, clock):
    debtor = FakeDebtor()
    debtor.down = True
    _mock(debtor)
    core.service.create_fee(new_fee(fake))
    start = clock.now()
    waits = []
    for _ in range(8):
        core.worker.run_once()
        with core.store.read() as repo:
            row = repo.outbox_rows()[0]
        waits.append((row.not_before - clock.now()).total_seconds())
        clock.set(row.not_before)
    assert waits == [10, 20, 40, 80, 160, 320, 600, 600]
    assert row.attempts == 8 and row.state == "pending" and "refused" in row.last_error
    assert clock.now() - start == timedelta(seconds=sum(waits))


def test_jitter_stays_within_its_fraction():
    import random

    rng = random.Random(3)
    delays = [backoff(3, 2, 900, 0.2, rng).total_seconds() for _ in range(200)]
    assert all(8 <= d <= 9.6 for d in delays) and len(set(delays)) > 100


@responses.activate
def test_business_fault_parks_with_readable_reason_and_holds_later_messages(core, fake, clock):
    debtor = FakeDebtor()
    debtor.refuse["SkiftHaefter"] = "SkiftHaefterIkkeUnderstoettet"
    _mock(debtor)
    fee = core.service.create_fee(new_fee(fake, 5000))
    core.worker.drain()
    core.service.change_ident(fee.patron_id, fake.cpr(), None)
    core.service.write_down(fee.fee_id, 500)
    r = core.worker.drain()
    assert (r.sent, r.parked) == (0, 1)
    with core.store.read() as repo:
        parked = repo.outbox_rows("parked")
        pending = repo.outbox_rows("pending")
    assert parked[0].fault_code == "SkiftHaefterIkkeUnderstoettet"
    assert "understøtter ikke skift af hæfter" in parked[0].fault_text
    assert [p.operation for p in pending] == ["NedskrivFordring"]  # waits behind the parked one
    clock.advance(timedelta(days=1))
    assert core.worker.drain().handled == 0
    # a person decides: retry after the profile was fixed
    del debtor.refuse["SkiftHaefter"]
    with core.store.tx() as repo:
        assert repo.requeue(parked[0].id, clock.now())
    assert core.worker.drain().sent == 2


@responses.activate
def test_unknown_account_falls_back_to_opening_one(core, fake):
    debtor = FakeDebtor()
    _mock(debtor)
    cpr = fake.cpr()
    core.service.create_fee(new_fee(fake, cpr=cpr))
    core.worker.drain()
    debtor.accounts.clear()  # the debtor system lost/closed the account
    core.service.create_fee(new_fee(fake, cpr=cpr))
    assert core.worker.drain().sent == 1
    ops = [(c[0], c[1].endswith("-konto")) for c in debtor.calls]
    assert ops == [
        ("OpretDebitorkonto", False),
        ("OpretFordring", False),
        ("OpretDebitorkonto", True),
    ]


@responses.activate
def test_timeout_is_retried_and_redelivery_carries_the_same_ids(core, fake, clock):
    attempts = []

    def flaky(request):
        req = soap.read_request(request.body, DEBITOR_REGISTRERING)
        attempts.append(req.header.invocation_context.callers_service_call_identifier)
        if len(attempts) == 1:
            raise requests.exceptions.ReadTimeout("slow")
        f = req.message.fordringer[0]
        return (
            200,
            {},
            soap.response_envelope(
                model.OpretDebitorkontoSvar(debitorkontonummer="K1", fordring_ider=(f.fordring_id,))
            ),
        )

    responses.add_callback(responses.POST, REGISTRERING_URL, callback=flaky)
    core.service.create_fee(new_fee(fake))
    assert core.worker.run_once().retried == 1
    clock.advance(timedelta(minutes=1))
    assert core.worker.run_once().sent == 1
    assert len(attempts) == 2 and attempts[0] == attempts[1]


@responses.activate
def test_two_workers_never_take_the_same_message(core, fake, config):
    from integration.core import Core

    debtor = FakeDebtor()
    _mock(debtor)
    for _ in range(30):
        core.service.create_fee(new_fee(fake))
    other = Core.build(config)  # a second process would open the same file the same way
    now, real = config.clock.now(), config.lease_clock.now()
    lease = {"lease_now": real, "lease_until": real + timedelta(minutes=1)}
    with core.store.tx() as a:
        first = a.claim_due(now, 20, **lease)
    with other.store.tx() as b:
        second = b.claim_due(now, 20, **lease)
    assert len(first) == 20 and len(second) == 10
    assert not {r.id for r in first} & {r.id for r in second}
    other.store.close()


@responses.activate
def test_lease_expiry_lets_another_worker_take_over(core, fake, clock, lease_clock):
    debtor = FakeDebtor()
    _mock(debtor)
    core.service.create_fee(new_fee(fake))
    real = lease_clock.now()
    with core.store.tx() as repo:  # then "crash"
        assert len(repo.claim_due(clock.now(), 10, lease_now=real, lease_until=real + MINUTE)) == 1
    assert core.worker.drain().handled == 0
    lease_clock.advance(timedelta(seconds=61))
    assert core.worker.drain().sent == 1
    assert operation_of(responses.calls[0].request.body) == "OpretDebitorkonto"


@responses.activate
def test_a_crashed_workers_lease_runs_out_in_real_time_on_a_frozen_clock(
    core, fake, clock, lease_clock
):
    """Issue 13 (5): leases are a worker's liveness, so they run on the real clock."""
    debtor = FakeDebtor()
    _mock(debtor)
    core.service.create_fee(new_fee(fake))
    frozen_at = clock.now()
    assert core.worker.config.outbox.lease_s == 60
    core.worker.client.call_element = _crash  # the worker dies during the call, leased
    with pytest.raises(SystemExit):
        core.worker.run_once()
    core = core.__class__.build(core.config, store=core.store)  # the restarted worker
    clock.advance(timedelta(days=1))  # virtual time does not end a lease...
    assert core.worker.drain().handled == 0
    clock.set(frozen_at)
    lease_clock.advance(timedelta(seconds=59))
    assert core.worker.drain().handled == 0
    lease_clock.advance(timedelta(seconds=2))  # ...real time does, with the virtual clock frozen
    assert core.worker.drain().sent == 1
    assert clock.now() == frozen_at
    assert [op for op, _, _ in debtor.calls] == ["OpretDebitorkonto"]
    with core.store.read() as repo:
        assert repo.outbox_counts()["sent"] == 1


def test_a_lease_shorter_than_one_call_is_refused():
    """A lease that one call can outlast would let a second worker send the message meanwhile."""
    from integration.config import OutboxSettings, config_from_dict

    with pytest.raises(ValueError, match="lease_s"):
        OutboxSettings(lease_s=5, http_timeout_s=5)
    with pytest.raises(ValueError, match="lease_s"):
        config_from_dict({"outbox": {"lease_s": 2.0, "http_timeout_s": 5.0}})
    assert OutboxSettings(lease_s=6, http_timeout_s=5).lease_s == 6


def _crash(*_: object, **__: object) -> None:
    raise SystemExit("killed")


@responses.activate
def test_a_round_that_outlasts_its_lease_leaves_the_rows_it_lost_to_the_worker_that_took_them(
    core, fake, config, lease_clock
):
    """Each answer takes 9 s (inside the 10 s timeout), so ten messages outlast the 60 s lease.

    While worker A's 7th call is out, worker B takes every row whose lease ran out and sends
    it. A keeps the lease of the message it is about to send, lets go of the ones B took, and
    no claim is sent twice.
    """
    from integration.core import Core

    debtor = FakeDebtor()
    _mock(debtor)
    for _ in range(10):
        core.service.create_fee(new_fee(fake))
    other = Core.build(config)  # a second worker process on the same database
    expires = lease_clock.now() + timedelta(seconds=config.outbox.lease_s)
    send = core.worker.client.call_element
    taken = []

    def slow(*args, **kwargs):
        lease_clock.advance(timedelta(seconds=9))
        if lease_clock.now() > expires and not taken:
            taken.append(other.worker.run_once())
        return send(*args, **kwargs)

    core.worker.client.call_element = slow
    a = core.worker.run_once()
    other.store.close()
    sends = Counter(fid for _, _, fid in debtor.calls)
    assert sorted(sends.values()) == [1] * 10, sends
    assert (a.sent, a.lost, taken[0].sent) == (7, 3, 3)
    with core.store.read() as repo:
        rows = repo.outbox_rows()
    assert [(r.state, r.attempts) for r in rows] == [("sent", 1)] * 10


@responses.activate
def test_an_answer_that_comes_after_the_lease_ran_out_does_not_overwrite_the_outcome(
    core, fake, config, lease_clock
):
    """A call outlives its lease; meanwhile worker B takes the message and delivers it. A's
    late answer (a refusal of the duplicate) must not park a message that B delivered."""
    from integration.core import Core

    debtor = FakeDebtor()
    _mock(debtor)
    core.service.create_fee(new_fee(fake))
    other = Core.build(config)

    def outlives_its_lease(*_: object, **__: object) -> None:
        lease_clock.advance(timedelta(seconds=config.outbox.lease_s + 1))
        assert other.worker.run_once().sent == 1
        raise BusinessFault("FordringIdAlleredeBrugt", "Brugt.", "Used.")

    core.worker.client.call_element = outlives_its_lease
    a = core.worker.run_once()
    other.store.close()
    with core.store.read() as repo:
        [row] = repo.outbox_rows()
    assert (row.state, row.attempts, row.fault_code) == ("sent", 1, None)
    assert (a.sent, a.parked, a.lost) == (0, 0, 1)


@responses.activate
def test_a_debtors_new_claims_can_go_in_one_opret_debitorkonto(core, fake, config):
    import dataclasses

    from integration.core import Core

    debtor = FakeDebtor()
    _mock(debtor)
    cfg = config.with_(outbox=dataclasses.replace(config.outbox, coalesce_max=10))
    c = Core.build(cfg, store=core.store)
    cpr = fake.cpr()
    for _ in range(3):
        c.service.create_fee(new_fee(fake, cpr=cpr))
    other = c.service.create_fee(new_fee(fake))
    r = c.worker.drain()
    assert (r.sent, r.calls) == (4, 2)
    bodies = [
        soap.read_request(call.request.body, DEBITOR_REGISTRERING).message
        for call in responses.calls
    ]
    assert sorted(len(b.fordringer) for b in bodies) == [1, 3]
    with c.store.read() as repo:
        assert repo.fee(other.fee_id).handed_over_at is not None


@responses.activate
def test_a_refused_batch_is_split_so_only_the_bad_claim_parks(core, fake, config):
    import dataclasses

    from integration.core import Core

    def answer(request):
        msg = soap.read_request(request.body, DEBITOR_REGISTRERING).message
        claims = getattr(msg, "fordringer", None) or (msg.fordring,)
        if any(f.hovedstol == 666 for f in claims):
            kw = fault("TekstForLang")
            return kw["status"], {}, kw["body"]
        if isinstance(msg, model.OpretFordring):
            svar = model.OpretFordringSvar(
                debitorkontonummer="K1", fordring_id=msg.fordring.fordring_id
            )
            return 200, {}, soap.response_envelope(svar)
        return (
            200,
            {},
            soap.response_envelope(
                model.OpretDebitorkontoSvar(
                    debitorkontonummer="K1",
                    fordring_ider=tuple(f.fordring_id for f in msg.fordringer),
                )
            ),
        )

    responses.add_callback(responses.POST, REGISTRERING_URL, callback=answer)
    cfg = config.with_(outbox=dataclasses.replace(config.outbox, coalesce_max=10))
    c = Core.build(cfg, store=core.store)
    cpr = fake.cpr()
    c.service.create_fee(new_fee(fake, 1000, cpr=cpr))
    c.service.create_fee(new_fee(fake, 666, cpr=cpr))
    c.service.create_fee(new_fee(fake, 2000, cpr=cpr))
    r = c.worker.drain()
    assert (r.sent, r.parked) == (2, 1)
    with c.store.read() as repo:
        [parked] = repo.outbox_rows("parked")
    assert parked.fault_code == "TekstForLang"


@responses.activate
def test_concurrent_delivery_keeps_each_claims_order(core, fake, config, clock):
    import dataclasses

    from integration.core import Core

    debtor = FakeDebtor()
    _mock(debtor)
    cfg = config.with_(outbox=dataclasses.replace(config.outbox, concurrency=4))
    c = Core.build(cfg, store=core.store)
    fees = [c.service.create_fee(new_fee(fake, 5000)) for _ in range(12)]
    for f in fees:
        c.service.write_down(f.fee_id, 100)
        c.service.cancel(f.fee_id)
    r = c.worker.drain()
    c.worker.close()
    assert (r.sent, r.retried, r.parked) == (36, 0, 0)
    for f in fees:
        ops = [op for op, _, fid in debtor.calls if fid == f.fordring_id]
        assert ops == ["OpretDebitorkonto", "NedskrivFordring", "AnnullerFordring"]


@responses.activate
def test_an_unreadable_row_is_parked_and_does_not_stop_the_others(core, fake):
    _mock(FakeDebtor())
    bad = core.service.create_fee(new_fee(fake))
    good = core.service.create_fee(new_fee(fake))
    with core.store.tx() as repo:
        repo.conn.execute(
            "UPDATE outbox SET payload='<not xml' WHERE ordering_key=?", (bad.fordring_id,)
        )
    r = core.worker.drain()
    assert (r.sent, r.parked) == (1, 1)
    with core.store.read() as repo:
        [parked] = repo.outbox_rows("parked")
        assert repo.fee(good.fee_id).handed_over_at is not None
    assert parked.ordering_key == bad.fordring_id and parked.fault_code == "UlaeseligBesked"


@responses.activate
def test_skipping_a_parked_message_lets_the_later_ones_go(core, fake):
    debtor = FakeDebtor()
    debtor.refuse["SkiftHaefter"] = "SkiftHaefterIkkeUnderstoettet"
    _mock(debtor)
    fee = core.service.create_fee(new_fee(fake, 5000))
    core.service.change_ident(fee.patron_id, fake.cpr(), None)
    core.service.write_down(fee.fee_id, 500)
    assert core.worker.drain().parked == 1
    with core.store.tx() as repo:
        [parked] = repo.outbox_rows("parked")
        assert repo.skip(parked.id) and not repo.skip(parked.id)
    assert core.worker.drain().sent == 1
    assert [c[0] for c in debtor.calls][-1] == "NedskrivFordring"
    with core.store.read() as repo:
        assert repo.outbox_counts() == {"pending": 0, "sent": 2, "parked": 0, "skipped": 1}
