"""The ledger's operations, idempotency and event log, without any web layer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import pytest

from oeir import model, testdata
from oeir.faults import OeirFault
from simulators.clock import VirtualClock
from simulators.ledger import EventKind, Ledger, check_invariant
from simulators.ledger.core import claim_payload, digest, payload_digest
from simulators.store import SqliteStore
from simulators.store.base import Store
from simulators.store.ledger import event_id
from tests.backends import each_backend
from tests.simulators.helpers import CPRS, assert_ledger_sound, debitor, fordring, kreditor

pytestmark = each_backend

S = model.FordringStatus


def _opret(ledger: Ledger, *fordringer: model.Fordring) -> model.OpretDebitorkontoSvar:
    return ledger.opret_debitorkonto(
        model.OpretDebitorkonto(
            debitor=fordringer[0].debitor, kreditor=fordringer[0].kreditor, fordringer=fordringer
        )
    )


def _nedskriv(fid: str, nid: str, beloeb: int) -> model.NedskrivFordring:
    return model.NedskrivFordring(
        kreditor=kreditor(),
        fordring_id=fid,
        nedskrivning_id=nid,
        beloeb=beloeb,
        aarsag=model.NedskrivningAarsag.KULANCE,
    )


def _invariant_holds(ledger: Ledger, kommunekode: str, fid: str) -> None:
    claim = ledger.claim(kommunekode, fid)
    assert claim is not None
    assert check_invariant(claim, ledger.events(kommunekode=kommunekode, limit=10_000)) == []


def test_create_account_with_claims_and_read_it_back(ledger: Ledger) -> None:
    svar = _opret(ledger, fordring("F1", 5000), fordring("F2", 12_500))
    assert svar.fordring_ider == ("F1", "F2")
    konto = ledger.hent_debitorkonto(
        model.HentDebitorkonto(kommunekode="101", debitorkontonummer=svar.debitorkontonummer)
    ).debitorkonto
    assert konto.saldo == 17_500
    assert [f.saldo for f in konto.fordringer] == [5000, 12_500]
    kinds = [e.kind for e in ledger.events()]
    assert kinds == [
        EventKind.DEBITORKONTO_OPRETTET,
        EventKind.FORDRING_OPRETTET,
        EventKind.FORDRING_OPRETTET,
    ]


def test_same_claim_twice_is_one_claim_and_other_content_is_refused(ledger: Ledger) -> None:
    first = ledger.opret_fordring(fordring("F1", 5000))
    again = ledger.opret_fordring(fordring("F1", 5000))
    assert again == first
    assert len(ledger.claims_of_account(first.debitorkontonummer)) == 1
    with pytest.raises(OeirFault) as err:
        ledger.opret_fordring(fordring("F1", 6000))
    assert err.value.kode == "FordringIdAlleredeBrugt"
    assert ledger.claim("101", "F1").hovedstol == 5000  # type: ignore[union-attr]


def test_same_claim_id_in_two_municipalities_are_two_claims(ledger: Ledger) -> None:
    ledger.opret_fordring(fordring("F1", 5000, kommunekode="101"))
    ledger.opret_fordring(fordring("F1", 7000, kommunekode="561"))
    assert ledger.claim("561", "F1").hovedstol == 7000  # type: ignore[union-attr]


def test_nedskrivning_is_idempotent_on_its_id(ledger: Ledger) -> None:
    ledger.opret_fordring(fordring("F1", 5000))
    assert ledger.nedskriv(_nedskriv("F1", "N1", 1000)).saldo == 4000
    assert ledger.nedskriv(_nedskriv("F1", "N1", 1000)).saldo == 4000
    assert ledger.claim("101", "F1").saldo == 4000  # type: ignore[union-attr]
    with pytest.raises(OeirFault) as err:
        ledger.nedskriv(_nedskriv("F1", "N1", 2000))
    assert err.value.kode == "NedskrivningIdAlleredeBrugt"
    with pytest.raises(OeirFault) as err:
        ledger.nedskriv(_nedskriv("F1", "N2", 4001))
    assert err.value.kode == "NedskrivningOverstigerSaldo"
    _invariant_holds(ledger, "101", "F1")


def test_partial_full_and_overpayment(ledger: Ledger) -> None:
    svar = _opret(ledger, fordring("F1", 5000), fordring("F2", 3000))
    partial = ledger.daekning("101", "F1", 2000, model.Betalingsmiddel.KORT)
    assert partial.daekninger[0].beloeb == 2000 and partial.overskud == 0
    assert ledger.claim("101", "F1").status == S.AABEN  # type: ignore[union-attr]
    over = ledger.daekning("101", "F1", 4000, model.Betalingsmiddel.MOBILEPAY)
    assert over.daekninger[0].beloeb == 3000 and over.overskud == 1000
    assert ledger.claim("101", "F1").status == S.BETALT  # type: ignore[union-attr]
    account = ledger.account(svar.debitorkontonummer)
    assert account is not None and account.tilgode == 1000
    konto = ledger.hent_debitorkonto(
        model.HentDebitorkonto(kommunekode="101", debitor=debitor())
    ).debitorkonto
    assert konto.saldo == 3000 - 1000
    with pytest.raises(OeirFault) as err:
        ledger.daekning("101", "F1", 100, model.Betalingsmiddel.KORT)
    assert err.value.kode == "FordringErLukket"
    _invariant_holds(ledger, "101", "F1")


def test_reversed_payment_reopens_a_paid_claim(ledger: Ledger) -> None:
    ledger.opret_fordring(fordring("F1", 5000))
    paid = ledger.daekning("101", "F1", 5000, model.Betalingsmiddel.KORT)
    assert ledger.claim("101", "F1").status == S.BETALT  # type: ignore[union-attr]
    ledger.tilbagefoer_daekning(paid.events[0].event_id, "afvist kort")
    claim = ledger.claim("101", "F1")
    assert claim is not None and claim.status == S.AABEN and claim.saldo == 5000
    with pytest.raises(OeirFault) as err:
        ledger.tilbagefoer_daekning(paid.events[0].event_id)
    assert err.value.kode == "HaendelseFindesIkke"
    _invariant_holds(ledger, "101", "F1")


def test_foretag_indbetaling_spreads_oldest_due_first(ledger: Ledger) -> None:
    from datetime import date

    _opret(
        ledger,
        fordring("NEW", 5000, forfald=date(2026, 3, 1)),
        fordring("OLD", 3000, forfald=date(2026, 1, 1)),
    )
    msg = model.ForetagIndbetaling(
        kommunekode="101",
        debitor=debitor(),
        indbetaling_id="I1",
        beloeb=4000,
        betalingsmiddel=model.Betalingsmiddel.KORT,
    )
    svar = ledger.foretag_indbetaling(msg)
    assert [(d.fordring_id, d.beloeb) for d in svar.daekninger] == [("OLD", 3000), ("NEW", 1000)]
    assert ledger.foretag_indbetaling(msg) == svar  # idempotent on IndbetalingId
    assert ledger.claim("101", "NEW").saldo == 4000  # type: ignore[union-attr]


def test_annul_skift_haefter_afskriv_and_close(ledger: Ledger) -> None:
    svar = _opret(ledger, fordring("F1", 5000), fordring("F2", 3000))
    annul = model.AnnullerFordring(
        kreditor=kreditor(), fordring_id="F1", aarsag=model.AnnulleringAarsag.MATERIALE_FUNDET
    )
    assert ledger.annuller(annul).status == S.ANNULLERET
    assert ledger.annuller(annul).status == S.ANNULLERET
    moved = ledger.skift_haefter(
        model.SkiftHaefter(kreditor=kreditor(), fordring_id="F2", ny_debitor=debitor(CPRS[1]))
    )
    assert moved.debitorkontonummer != svar.debitorkontonummer
    ledger.luk_debitorkonto(svar.debitorkontonummer)
    with pytest.raises(OeirFault) as err:
        ledger.luk_debitorkonto(moved.debitorkontonummer)
    assert err.value.kode == "DebitorkontoHarAabneFordringer"
    ledger.afskriv("101", "F2", 3000, model.AfskrivningAarsag.BAGATEL)
    assert ledger.claim("101", "F2").status == S.AFSKREVET  # type: ignore[union-attr]
    ledger.luk_debitorkonto(moved.debitorkontonummer)
    assert ledger.account(moved.debitorkontonummer).lukket  # type: ignore[union-attr]
    for fid in ("F1", "F2"):
        _invariant_holds(ledger, "101", fid)


def test_fees_interest_and_nedregulering_move_the_balance(ledger: Ledger) -> None:
    ledger.opret_fordring(fordring("F1", 5000))
    ledger.rykkergebyr("101", "F1", 10_000)
    ledger.rente("101", "F1", 37)
    ledger.nedreguler("101", "F1", 1000)
    claim = ledger.claim("101", "F1")
    assert claim is not None and claim.saldo == 5000 + 10_000 + 37 - 1000
    konto = ledger.hent_debitorkonto(
        model.HentDebitorkonto(kommunekode="101", debitorkontonummer=claim.konto)
    ).debitorkonto
    saldo = konto.fordringer[0]
    assert (saldo.rykkergebyrer, saldo.renter, saldo.nedskrevet) == (10_000, 37, 1000)
    assert [p.posteringstype for p in saldo.posteringer] == [
        model.PosteringType.RYKKERGEBYR,
        model.PosteringType.RENTE,
        model.PosteringType.NEDREGULERING,
    ]
    _invariant_holds(ledger, "101", "F1")


def test_a_refused_operation_changes_nothing(ledger: Ledger) -> None:
    ledger.opret_fordring(fordring("F1", 5000))
    before = ledger.events()
    good, bad = fordring("F2", 100), fordring("F1", 9999)
    with pytest.raises(OeirFault):
        _opret(ledger, good, bad)  # the second claim reuses F1 with other content
    assert ledger.claim("101", "F2") is None
    assert ledger.events() == before


def test_events_have_monotonic_seq_and_stable_unique_ids(
    ledger: Ledger, store: SqliteStore, clock: VirtualClock
) -> None:
    _opret(ledger, fordring("F1", 5000), fordring("F2", 3000))
    ledger.daekning("101", "F1", 100, model.Betalingsmiddel.KORT)
    events = ledger.events()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert len({e.event_id for e in events}) == len(events)
    assert all(e.tidspunkt == clock.now() for e in events)
    assert Ledger(store, clock).events() == events  # read again: same ids
    with store.transaction() as tx:
        tx.reset()
    ledger.opret_fordring(fordring("F9", 5000))
    assert ledger.events()[0].event_id not in {e.event_id for e in events}


def test_event_ids_are_the_uuid5_of_instance_and_seq() -> None:
    """Existing databases and FBS (HaendelseId) hold ids made by `uuid.uuid5`."""
    namespace = uuid.UUID("6f1b1c2e-6c4e-5d0e-9a35-1590b0000001")
    for instance, seq in [("i", 1), (str(uuid.UUID(int=7)), 123456), ("æø", 10**12)]:
        assert event_id(instance, seq) == str(uuid.uuid5(namespace, f"{instance}:{seq}"))


# -- issue 13: repeated claim ids and amounts beyond the contract --------------------


def _betal(beloeb: int, *fordring_ider: str, nid: str = "I1") -> model.ForetagIndbetaling:
    return model.ForetagIndbetaling(
        kommunekode="101",
        debitor=debitor(),
        indbetaling_id=nid,
        beloeb=beloeb,
        betalingsmiddel=model.Betalingsmiddel.KORT,
        fordring_ider=fordring_ider,
    )


def _refused(kode: str, fn: Callable[..., object], *args: object) -> OeirFault:
    with pytest.raises(OeirFault) as err:
        fn(*args)
    assert err.value.kode == kode
    return err.value


def test_a_payment_naming_a_claim_twice_is_refused_and_changes_nothing(ledger: Ledger) -> None:
    ledger.opret_fordring(fordring("F1", 10_000))
    before = ledger.events()
    fault = _refused("FordringIdGentaget", ledger.foretag_indbetaling, _betal(15_000, "F1", "F1"))
    assert fault.felt == "FordringId[2]"
    assert ledger.events() == before
    assert ledger.claim("101", "F1").saldo == 10_000  # type: ignore[union-attr]
    assert_ledger_sound(ledger)


def test_the_payment_loop_reads_each_claim_at_its_turn(ledger: Ledger) -> None:
    """Even given an id twice, the allocation never works on a copy an earlier step changed."""
    ledger.opret_fordring(fordring("F1", 10_000))
    with ledger.store.transaction() as tx:
        account = tx.account_by_debtor("101", CPRS[0])
        assert account is not None
        result = ledger._pay(
            tx, "101", ["F1", "F1"], 15_000, model.Betalingsmiddel.KORT, "I1", None, account.nummer
        )
    assert [(d.fordring_id, d.beloeb) for d in result.daekninger] == [("F1", 10_000)]
    assert result.overskud == 5000
    claim = ledger.claim("101", "F1")
    assert claim is not None and (claim.daekket, claim.saldo, claim.status) == (10_000, 0, S.BETALT)
    assert ledger.account(claim.konto).tilgode == 5000  # type: ignore[union-attr]
    assert_ledger_sound(ledger)


def test_opret_debitorkonto_naming_a_claim_twice_is_refused(ledger: Ledger) -> None:
    fault = _refused(
        "FordringIdGentaget", _opret, ledger, fordring("F1", 5000), fordring("F1", 5000)
    )
    assert fault.felt == "Fordring[2]/FordringId"
    assert ledger.claim("101", "F1") is None and ledger.events() == []


MAX = model.MAX_OERE


def test_claims_beyond_what_the_contract_carries_are_refused(ledger: Ledger) -> None:
    ledger.opret_fordring(fordring("F1", MAX))
    before = ledger.events()
    fault = _refused("BeloebForStort", ledger.opret_fordring, fordring("F2", MAX))
    assert fault.felt == "Fordring/Hovedstol"
    _refused("BeloebForStort", ledger.opret_fordring, fordring("F2", 1))
    assert ledger.claim("101", "F2") is None and ledger.events() == before
    assert_ledger_sound(ledger)
    # Paid down, there is room again, up to the limit exactly.
    ledger.daekning("101", "F1", 100, model.Betalingsmiddel.KORT)
    ledger.opret_fordring(fordring("F2", 100))
    assert_ledger_sound(ledger)


def test_fees_and_interest_beyond_the_contract_are_refused(ledger: Ledger) -> None:
    ledger.opret_fordring(fordring("F1", MAX - 10))
    ledger.rykkergebyr("101", "F1", 10)
    for add in (ledger.rykkergebyr, ledger.rente):
        _refused("BeloebForStort", add, "101", "F1", 1)
    # The claim's total bounds what it reports (Daekket...), even once it is paid down.
    ledger.daekning("101", "F1", MAX - 1, model.Betalingsmiddel.KORT)
    _refused("BeloebForStort", ledger.rente, "101", "F1", 1)
    claim = ledger.claim("101", "F1")
    assert claim is not None and (claim.rykkergebyrer, claim.renter, claim.saldo) == (10, 0, 1)
    assert_ledger_sound(ledger)


def test_credit_beyond_the_contract_is_refused(ledger: Ledger) -> None:
    ledger.opret_fordring(fordring("F1", 100))
    ledger.foretag_indbetaling(_betal(MAX, nid="I1"))  # 100 øre covered, the rest is credit
    account = ledger.account(ledger.claim("101", "F1").konto)  # type: ignore[union-attr]
    assert account is not None and account.tilgode == MAX - 100
    _refused("BeloebForStort", ledger.foretag_indbetaling, _betal(101, nid="I2"))
    ledger.foretag_indbetaling(_betal(100, nid="I3"))
    assert ledger.account(account.nummer).tilgode == MAX  # type: ignore[union-attr]
    assert_ledger_sound(ledger)


def test_moves_that_would_push_an_account_past_the_contract_are_refused(ledger: Ledger) -> None:
    ledger.opret_fordring(fordring("F1", MAX))
    paid = ledger.daekning("101", "F1", 500, model.Betalingsmiddel.KORT)
    ledger.opret_fordring(fordring("F2", 500))  # takes the room the payment made
    before = ledger.events()
    _refused("BeloebForStort", ledger.tilbagefoer_daekning, paid.events[0].event_id)
    assert ledger.events() == before
    ledger.opret_fordring(fordring("G1", MAX, cpr=CPRS[1]))
    before = ledger.events()
    skift = model.SkiftHaefter(kreditor=kreditor(), fordring_id="F2", ny_debitor=debitor(CPRS[1]))
    _refused("BeloebForStort", ledger.skift_haefter, skift)
    assert ledger.events() == before
    f1, f2 = ledger.claim("101", "F1"), ledger.claim("101", "F2")
    assert f1 is not None and f2 is not None and f2.konto == f1.konto
    assert_ledger_sound(ledger)


def test_a_claims_stored_payload_hashes_to_its_creation_digest() -> None:
    # The claim carries its creation's idempotency: the hash of its stored payload.
    fake = testdata.faker(7)
    for i in range(200):
        f = testdata.fordring(
            fake,
            fordring_id=f"F{i}",
            debitor=model.Debitor(cpr_nummer=fake.cpr(), navn=fake.name() + " Ærø-Øster Å"),
        )
        payload = claim_payload(f)
        assert payload_digest(payload) == digest(f)
        # The text stored is the JSON an older version stored (its payload parsed, dumped).
        assert json.dumps(json.loads(payload), ensure_ascii=False) == payload


def test_a_repeated_claim_after_a_change_of_debtor_gets_the_first_answer(ledger: Ledger) -> None:
    first = ledger.opret_fordring(fordring("F1", 5000))
    ledger.skift_haefter(
        model.SkiftHaefter(kreditor=kreditor(), fordring_id="F1", ny_debitor=debitor(CPRS[1]))
    )
    assert ledger.opret_fordring(fordring("F1", 5000)) == first
    with pytest.raises(OeirFault) as err:
        ledger.opret_fordring(fordring("F1", 5000, cpr=CPRS[1]))
    assert err.value.kode == "FordringIdAlleredeBrugt"
    assert ledger.claim("101", "F1").konto != first.debitorkontonummer  # type: ignore[union-attr]


def test_a_claim_stored_with_an_idempotency_record_is_answered_from_it(
    ledger: Ledger, store: Store
) -> None:
    # A database written before claims carried their own idempotency (an idempotency
    # record per claim; here also a claim without payload, as the bench seeds them).
    first = ledger.opret_fordring(fordring("F1", 5000))
    ledger.opret_fordring(fordring("F2", 7000))
    answer = json.dumps({"debitorkontonummer": first.debitorkontonummer, "fordring_id": "F1"})
    with store.transaction() as tx:
        tx.sql().execute("UPDATE claims SET payload = NULL WHERE fordring_id = ?", ("F1",))
        tx.remember("fordring", "101", "F1", digest(fordring("F1", 5000)), answer)
        tx.remember("fordring", "101", "F2", digest(fordring("F2", 7000)), "{}")
    assert ledger.opret_fordring(fordring("F1", 5000)) == first
    for other in (fordring("F1", 6000), fordring("F2", 8000)):
        with pytest.raises(OeirFault) as err:
            ledger.opret_fordring(other)
        assert err.value.kode == "FordringIdAlleredeBrugt"
    assert ledger.opret_fordring(fordring("F2", 7000)).fordring_id == "F2"  # by its payload
    assert len(ledger.claims_of_account(first.debitorkontonummer)) == 2
