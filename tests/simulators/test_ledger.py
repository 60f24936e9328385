"""The ledger's operations, idempotency and event log, without any web layer."""

from __future__ import annotations

import pytest

from oeir import model
from oeir.faults import OeirFault
from simulators.clock import VirtualClock
from simulators.ledger import EventKind, Ledger, check_invariant
from simulators.store import SqliteStore
from tests.simulators.helpers import CPRS, debitor, fordring, kreditor

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
