"""Compare FBS's fees of one municipality with the debtor system's claims.

The debtor side comes from `SoegDebitorkonti`, read page by page with its
cursor. Claims are matched on FordringId. Kinds of difference:

- ``missing_in_debtor``: FBS has an uncancelled fee the debtor system lacks
  (also a fee still waiting in the outbox: it is not there yet);
- ``missing_in_fbs``: the debtor system has a claim FBS does not know;
- ``amount_differs``: the original amount (Hovedstol) or the remaining
  principal differs. Remaining = Hovedstol - Nedskrevet (write-downs,
  cancellations and down-adjustments) - Daekket - Afskrevet; reminder fees
  and interest are the debtor system's own and are left out;
- ``status_differs``: open / paid / written off / cancelled / handed over differ;
- ``debtor_differs``: the claim sits on another CPR/CVR than FBS's patron has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from integration.client import BusinessFault, DebtorClient
from integration.domain.model import Fee, FeeStatus
from integration.fbs.payment import client_payment
from integration.store import Store
from oeir import model
from oeir.identifiers import mask_cpr

KINDS = (
    "missing_in_debtor",
    "missing_in_fbs",
    "amount_differs",
    "status_differs",
    "debtor_differs",
)

_STATUS = {
    FeeStatus.OPEN: model.FordringStatus.AABEN,
    FeeStatus.PAID: model.FordringStatus.BETALT,
    FeeStatus.WRITTEN_OFF: model.FordringStatus.AFSKREVET,
    FeeStatus.CANCELLED: model.FordringStatus.ANNULLERET,
}


@dataclass(frozen=True, kw_only=True)
class DebtorClaim:
    """A claim as the debtor system reports it, with its account's debtor."""

    saldo: model.FordringSaldo
    debitorkontonummer: str
    ident: str


@dataclass(frozen=True, kw_only=True)
class Difference:
    """One difference between FBS and the debtor system."""

    kind: str
    fordring_id: str
    detail: str
    fbs: dict[str, Any] | None = None
    debtor: dict[str, Any] | None = None


@dataclass(kw_only=True)
class Report:
    """The outcome of one reconciliation run."""

    kommunekode: str
    generated_at: str
    fbs_claims: int
    debtor_claims: int
    matched: int
    differences: list[Difference] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Number of differences per kind (every kind listed)."""
        out = dict.fromkeys(KINDS, 0)
        for d in self.differences:
            out[d.kind] += 1
        return out

    def as_json(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "kommunekode": self.kommunekode,
            "generatedAt": self.generated_at,
            "fbsClaims": self.fbs_claims,
            "debtorClaims": self.debtor_claims,
            "matched": self.matched,
            "counts": self.counts(),
            "differences": [asdict(d) for d in self.differences],
        }


Progress = Callable[[int, int], None]
"""Called after each page of the debtor system with (pages read, claims so far)."""


def fetch_debtor_view(
    client: DebtorClient,
    kommunekode: str,
    page_size: int = 100,
    max_pages: int = 100_000,
    progress: Progress | None = None,
) -> dict[str, DebtorClaim]:
    """Every claim of the municipality in the debtor system, by FordringId (all pages)."""
    claims: dict[str, DebtorClaim] = {}
    cursor: str | None = None
    for page in range(max_pages):
        answer = client.call(
            kommunekode,
            model.SoegDebitorkonti(kommunekode=kommunekode, cursor=cursor, maks_antal=page_size),
            f"afstemning-{kommunekode}-{page}",
        )
        for konto in answer.debitorkonti:
            for saldo in konto.fordringer:
                claims[saldo.fordring_id] = DebtorClaim(
                    saldo=saldo,
                    debitorkontonummer=konto.debitorkontonummer,
                    ident=konto.debitor.ident,
                )
        if progress is not None:
            progress(page + 1, len(claims))
        cursor = answer.naeste_cursor
        if not cursor:
            break
    return claims


def fetch_account_view(
    client: DebtorClient, kommunekode: str, debitor: model.Debitor
) -> dict[str, DebtorClaim]:
    """One debtor's claims in the debtor system (`HentDebitorkonto`); empty without an account."""
    try:
        answer = client.call(
            kommunekode,
            model.HentDebitorkonto(kommunekode=kommunekode, debitor=debitor),
            f"afstemning-{kommunekode}-konto",
        )
    except BusinessFault as fault:
        if fault.kode == "DebitorkontoFindesIkke":
            return {}
        raise
    konto = answer.debitorkonto
    return {
        s.fordring_id: DebtorClaim(
            saldo=s, debitorkontonummer=konto.debitorkontonummer, ident=konto.debitor.ident
        )
        for s in konto.fordringer
    }


def _expected_status(fee: Fee, paid_in_fbs: bool = False) -> model.FordringStatus:
    if paid_in_fbs:
        return model.FordringStatus.ANNULLERET  # FBS sent AnnullerFordring after the payment
    if fee.status is FeeStatus.OPEN and fee.overdraget_status is not None:
        return model.FordringStatus.OVERDRAGET
    if fee.status is FeeStatus.WRITTEN_OFF and fee.afskrevet == 0:
        return model.FordringStatus.ANNULLERET  # written down to nothing: the claim is void
    return _STATUS[fee.status]


def _debtor_remaining(s: model.FordringSaldo) -> int:
    return max(0, s.hovedstol - s.nedskrevet - s.daekket - s.afskrevet)


def _fbs_json(fee: Fee, paid_in_fbs: bool = False) -> dict[str, Any]:
    return {
        "feeId": fee.fee_id,
        "status": _expected_status(fee, paid_in_fbs).value,
        "hovedstol": fee.amount,
        "remaining": fee.remaining,
    }


def _debtor_json(c: DebtorClaim) -> dict[str, Any]:
    return {
        "debitorkontonummer": c.debitorkontonummer,
        "status": c.saldo.status.value,
        "hovedstol": c.saldo.hovedstol,
        "remaining": _debtor_remaining(c.saldo),
        "saldo": c.saldo.saldo,
    }


def _masked(ident: str) -> str:
    return mask_cpr(ident) if len(ident) == 10 else ident


def compare(
    kommunekode: str,
    fees: list[Fee],
    idents: dict[int, str],
    debtor: dict[str, DebtorClaim],
    now: datetime,
    paid_in_fbs: frozenset[str] = frozenset(),
) -> Report:
    """Classify every difference between FBS's fees and the debtor system's claims.

    `paid_in_fbs` names the claims a library client paid in FBS (payment/v2): FBS
    cancelled those in the debtor system, so a cancelled claim there is what it expects.
    """
    report = Report(
        kommunekode=kommunekode,
        generated_at=now.isoformat(),
        fbs_claims=0,
        debtor_claims=len(debtor),
        matched=0,
    )
    seen: set[str] = set()
    for fee in fees:
        claim = debtor.get(fee.fordring_id)
        if fee.status is FeeStatus.CANCELLED and claim is None:
            continue  # cancelled before it ever left FBS
        report.fbs_claims += 1
        if claim is None:
            report.differences.append(
                Difference(
                    kind="missing_in_debtor",
                    fordring_id=fee.fordring_id,
                    detail="Fordringen findes i FBS, men ikke i debitorsystemet.",
                    fbs=_fbs_json(fee, fee.fordring_id in paid_in_fbs),
                )
            )
            continue
        seen.add(fee.fordring_id)
        found = _differences(
            fee, claim, idents.get(fee.patron_id, ""), fee.fordring_id in paid_in_fbs
        )
        report.differences.extend(found)
        if not found:
            report.matched += 1
    for fordring_id, claim in sorted(debtor.items()):
        if fordring_id not in seen:
            report.differences.append(
                Difference(
                    kind="missing_in_fbs",
                    fordring_id=fordring_id,
                    detail="Fordringen findes i debitorsystemet, men ikke i FBS.",
                    debtor=_debtor_json(claim),
                )
            )
    return report


def _differences(fee: Fee, claim: DebtorClaim, ident: str, paid_in_fbs: bool) -> list[Difference]:
    out = []
    s = claim.saldo
    fbs, theirs = _fbs_json(fee, paid_in_fbs), _debtor_json(claim)
    expected = _expected_status(fee, paid_in_fbs)
    if expected != s.status:
        out.append(
            Difference(
                kind="status_differs",
                fordring_id=fee.fordring_id,
                detail=f"Status i FBS: {expected.value}; i debitorsystemet: {s.status.value}.",
                fbs=fbs,
                debtor=theirs,
            )
        )
    if fee.amount != s.hovedstol or fee.remaining != theirs["remaining"]:
        out.append(
            Difference(
                kind="amount_differs",
                fordring_id=fee.fordring_id,
                detail=(
                    f"Hovedstol {fee.amount} / {s.hovedstol} øre, "
                    f"restbeløb {fee.remaining} / {theirs['remaining']} øre (FBS / debitorsystem)."
                ),
                fbs=fbs,
                debtor=theirs,
            )
        )
    if ident and claim.ident and ident != claim.ident:
        out.append(
            Difference(
                kind="debtor_differs",
                fordring_id=fee.fordring_id,
                detail=(
                    f"Debitor i FBS: {_masked(ident)}; i debitorsystemet: {_masked(claim.ident)}."
                ),
                fbs=fbs,
                debtor=theirs,
            )
        )
    return out


def reconcile(
    store: Store,
    client: DebtorClient,
    kommunekode: str,
    now: datetime,
    page_size: int = 100,
    patron_id: int | None = None,
    progress: Progress | None = None,
) -> Report:
    """Fetch both sides for one municipality (or one patron in it) and compare them.

    For one patron the debtor side comes from `HentDebitorkonto` on the
    patron's current CPR/CVR; claims still on another debtor's account then
    show as missing in the debtor system.
    """
    with store.read() as repo:
        if patron_id is None:
            fees = repo.fees_of_kommune(kommunekode)
        else:
            fees = repo.fees_of_patron(patron_id, kommunekode)
        idents = repo.idents_by_patron({f.patron_id for f in fees})
        patron = repo.patron(patron_id) if patron_id is not None else None
        paid_in_fbs = frozenset(
            f.fordring_id
            for f in fees
            if f.status is FeeStatus.PAID and client_payment(repo, f) is not None
        )
    if patron_id is None:
        debtor = fetch_debtor_view(client, kommunekode, page_size, progress=progress)
    elif patron is None:
        debtor = {}
    else:
        debtor = fetch_account_view(
            client, kommunekode, model.Debitor(cpr_nummer=patron.cpr, cvr_nummer=patron.cvr)
        )
    return compare(kommunekode, fees, idents, debtor, now, paid_in_fbs)
