"""Reconciliation: paging through SoegDebitorkonti and classifying each difference."""

from __future__ import annotations

from datetime import date

import responses

from integration.reconcile import reconcile, render_html
from oeir import model, soap
from oeir.services import DEBITOR_FORESPOERGSEL
from tests.integration.conftest import new_fee
from tests.integration.soapfakes import FORESPOERGSEL_URL


def saldo(
    fid: str,
    hovedstol: int,
    *,
    daekket: int = 0,
    nedskrevet: int = 0,
    status=model.FordringStatus.AABEN,
    rykker: int = 0,
):
    rest = hovedstol - daekket - nedskrevet
    return model.FordringSaldo(
        fordring_id=fid,
        fordring_type=model.FordringType.GEBYR,
        status=status,
        hovedstol=hovedstol,
        nedskrevet=nedskrevet,
        daekket=daekket,
        afskrevet=0,
        rykkergebyrer=rykker,
        renter=0,
        saldo=rest + rykker,
        forfaldsdato=date(2026, 2, 4),
        sidste_rettidige_betalingsdato=date(2026, 2, 9),
    )


def konto(nr: str, cpr: str, *claims):
    return model.Debitorkonto(
        debitorkontonummer=nr,
        debitor=model.Debitor(cpr_nummer=cpr),
        kommunekode="101",
        saldo=0,
        fordringer=claims,
    )


def pages(*konti_per_page):
    """A responses callback serving SoegDebitorkonti pages with a cursor."""
    seen = []

    def answer(request):
        req = soap.read_request(request.body, DEBITOR_FORESPOERGSEL)
        seen.append(req.message.cursor)
        i = int(req.message.cursor or 0)
        nxt = str(i + 1) if i + 1 < len(konti_per_page) else None
        return (
            200,
            {},
            soap.response_envelope(
                model.SoegDebitorkontiSvar(debitorkonti=konti_per_page[i], naeste_cursor=nxt)
            ),
        )

    responses.add_callback(responses.POST, FORESPOERGSEL_URL, callback=answer)
    return seen


@responses.activate
def test_every_kind_of_difference_is_found_across_pages(core, fake):
    cpr = "0101901234"
    same = core.service.create_fee(new_fee(fake, 3000, cpr=cpr))
    missing = core.service.create_fee(new_fee(fake, 2000, cpr=cpr))
    amount = core.service.create_fee(new_fee(fake, 4000, cpr=cpr))
    status = core.service.create_fee(new_fee(fake, 1000, cpr=cpr))
    other_debtor = core.service.create_fee(new_fee(fake, 1500, cpr=cpr))
    cancelled_early = core.service.create_fee(new_fee(fake, 500, cpr=cpr))
    core.service.cancel(cancelled_early.fee_id)
    seen = pages(
        (
            konto(
                "K1",
                cpr,
                saldo(same.fordring_id, 3000, rykker=10_000),
                saldo(amount.fordring_id, 4000, daekket=1000),
            ),
        ),
        (
            konto(
                "K1",
                cpr,
                saldo(
                    status.fordring_id,
                    1000,
                    nedskrevet=1000,
                    status=model.FordringStatus.ANNULLERET,
                ),
            ),
            konto(
                "K2",
                "0202024321",
                saldo(other_debtor.fordring_id, 1500),
                saldo("FBS-710100-999", 700),
            ),
        ),
    )
    report = reconcile(core.store, core.client, "101", core.config.clock.now(), page_size=2)
    assert seen == [None, "1"]
    kinds = {(d.kind, d.fordring_id) for d in report.differences}
    assert kinds == {
        ("missing_in_debtor", missing.fordring_id),
        ("amount_differs", amount.fordring_id),
        ("status_differs", status.fordring_id),
        ("amount_differs", status.fordring_id),
        ("debtor_differs", other_debtor.fordring_id),
        ("missing_in_fbs", "FBS-710100-999"),
    }
    assert report.matched == 1  # `same`: reminder fees are the debtor system's own
    html = render_html(report)
    assert (
        "Mangler i debitorsystemet" in html and "Beløb afviger" in html and "0202024321" not in html
    )
    assert "020202-****" in html


@responses.activate
def test_matching_sides_give_zero_differences(core, fake):
    cpr = "0101901234"
    a = core.service.create_fee(new_fee(fake, 3000, cpr=cpr))
    b = core.service.create_fee(new_fee(fake, 2000, cpr=cpr))
    core.service.write_down(b.fee_id, 500)
    pages(
        (konto("K1", cpr, saldo(a.fordring_id, 3000), saldo(b.fordring_id, 2000, nedskrevet=500)),)
    )
    report = reconcile(core.store, core.client, "101", core.config.clock.now())
    assert report.differences == [] and report.matched == 2
    assert "Ingen afvigelser" in render_html(report)


@responses.activate
def test_one_patron_is_reconciled_with_hent_debitorkonto(core, fake):
    cpr = "0101901234"
    a = core.service.create_fee(new_fee(fake, 3000, cpr=cpr))
    core.service.create_fee(new_fee(fake, 999))  # another patron: not part of this report

    def answer(request):
        req = soap.read_request(request.body, DEBITOR_FORESPOERGSEL)
        assert req.message.debitor.cpr_nummer == cpr
        svar = model.HentDebitorkontoSvar(
            debitorkonto=konto("K1", cpr, saldo(a.fordring_id, 3000, daekket=500))
        )
        return 200, {}, soap.response_envelope(svar)

    responses.add_callback(responses.POST, FORESPOERGSEL_URL, callback=answer)
    report = reconcile(
        core.store, core.client, "101", core.config.clock.now(), patron_id=a.patron_id
    )
    assert [(d.kind, d.fordring_id) for d in report.differences] == [
        ("amount_differs", a.fordring_id)
    ]
    assert report.fbs_claims == 1


@responses.activate
def test_a_patron_without_an_account_has_everything_missing(core, fake):
    from tests.integration.soapfakes import fault

    a = core.service.create_fee(new_fee(fake, 3000))
    responses.add(responses.POST, FORESPOERGSEL_URL, **fault("DebitorkontoFindesIkke"))
    report = reconcile(
        core.store, core.client, "101", core.config.clock.now(), patron_id=a.patron_id
    )
    assert [d.kind for d in report.differences] == ["missing_in_debtor"]
