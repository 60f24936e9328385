"""FBS's ``payFees`` (``POST .../payment/v2``): a library site registers a gateway payment.

FBS's rules (ding2/ding2 ``modules/fbs/src/ExternalPaymentApi.php``): the payment
covers each named fee in full (no partial payment of a fee); paying again with the
same ``orderId`` answers ``paymentRegistered`` with the same ``confirmationId``; a
fee already paid with another order gets ``paymentRegisteredByDifferentOrderId``
and no confirmation; a fee the client may not offer payment for gets
``paymentNotAllowedByClient`` and no confirmation.

Here a fee is payable by the client while FBS still holds it (`payable_by_client`):
once the debtor system has the claim, the citizen pays there. A client payment is
stored as a ``Daekning`` event of the whole remaining amount (id
``FBS-BETALING-<feeId>``, the order id as its reference), so the fee's balance,
``paidDate`` and the patron's block follow from the same ledger as the debtor
system's payments. Because the claim may already be on its way to the debtor
system (``OpretFordring`` queued or in flight), an ``AnnullerFordring`` is queued
behind it, so the debtor system never collects what the library was paid.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from integration.domain.balance import StoredEvent
from integration.domain.model import Fee
from integration.fbs.service import FbsError, FbsService
from integration.fbs.views import payable_by_client
from integration.mapping import fit_text
from integration.outbox import messages
from integration.store import Repo
from oeir import model

MAX_ORDER_ID = 100
"""Longest order id taken (a payment gateway's order number, not a document)."""


class PaymentStatus(StrEnum):
    """PaymentConfirmationV2 ``paymentStatus``."""

    REGISTERED = "paymentRegistered"
    BY_DIFFERENT_ORDER = "paymentRegisteredByDifferentOrderId"
    NOT_ALLOWED = "paymentNotAllowedByClient"


@dataclass(frozen=True, kw_only=True)
class PaymentConfirmation:
    """One fee's answer to a payment order (PaymentConfirmationV2)."""

    order_id: str
    fee_id: int
    status: PaymentStatus
    confirmation_id: str | None


def event_id(fee_id: int) -> str:
    """The id of the event that records a client payment of this fee."""
    return f"FBS-BETALING-{fee_id}"


def confirmation_id(fee_id: int, order_id: str) -> str:
    """The same confirmation for the same fee and order, every time."""
    digest = hashlib.sha256(f"{fee_id}\x00{order_id}".encode()).hexdigest()[:16]
    return f"FBS-{fee_id}-{digest}"


def pay_fees(
    service: FbsService, agency_id: str, patron_id: int, order_id: str, fee_ids: list[int]
) -> list[PaymentConfirmation]:
    """Register `order_id` as full payment of `fee_ids`, all in one transaction.

    A fee id that is not one of this patron's fees at this agency gets
    ``paymentNotAllowedByClient``, as FBS answers for any fee the client may not pay.
    """
    if not order_id.strip() or len(order_id) > MAX_ORDER_ID:
        raise FbsError("UgyldigOrdre", f"orderId must be 1 to {MAX_ORDER_ID} characters.")
    now = service.config.clock.now()
    answers: list[PaymentConfirmation] = []
    with service.store.tx() as repo:
        patron = repo.patron(patron_id)
        if patron is None or patron.agency_id != agency_id:
            raise FbsError("UkendtLaaner", "No such patron at this agency.", 404)
        kommuner: set[str] = set()
        for fee_id in dict.fromkeys(fee_ids):  # a fee named twice is paid once
            fee = repo.fee(fee_id)
            if fee is None or fee.patron_id != patron_id or fee.agency_id != agency_id:
                answers.append(_answer(order_id, fee_id, PaymentStatus.NOT_ALLOWED))
                continue
            earlier = client_payment(repo, fee)
            if earlier is not None:
                same = earlier.ref == order_id
                status = PaymentStatus.REGISTERED if same else PaymentStatus.BY_DIFFERENT_ORDER
                answers.append(_answer(order_id, fee_id, status))
                continue
            if not payable_by_client(fee) or fee.remaining <= 0:
                answers.append(_answer(order_id, fee_id, PaymentStatus.NOT_ALLOWED))
                continue
            _register(service, repo, fee, order_id, now)
            kommuner.add(fee.kommunekode)
            answers.append(_answer(order_id, fee_id, PaymentStatus.REGISTERED))
        for kommune in kommuner:
            service.refresh_block(repo, patron_id, kommune)
    return answers


def _answer(order_id: str, fee_id: int, status: PaymentStatus) -> PaymentConfirmation:
    confirmation = confirmation_id(fee_id, order_id) if status is PaymentStatus.REGISTERED else None
    return PaymentConfirmation(
        order_id=order_id, fee_id=fee_id, status=status, confirmation_id=confirmation
    )


def client_payment(repo: Repo, fee: Fee) -> StoredEvent | None:
    """The payment the library's client registered for this fee (payment/v2), if any."""
    wanted = event_id(fee.fee_id)
    for event in repo.haendelser(fee.fordring_id):
        if event.haendelse_id == wanted and event.art == "Daekning":
            return event
    return None


def _register(service: FbsService, repo: Repo, fee: Fee, order_id: str, now: datetime) -> None:
    repo.add_haendelse(
        fee.fordring_id,
        StoredEvent(
            haendelse_id=event_id(fee.fee_id),
            art="Daekning",
            beloeb=fee.remaining,
            dato=now.date(),
            ref=order_id,
        ),
        now,
    )
    service.rederive(repo, fee.fee_id)
    rules = service.config.rules(fee.kommunekode)
    messages.enqueue(
        repo,
        operation="AnnullerFordring",
        message=model.AnnullerFordring(
            kreditor=model.Kreditor(agency_id=fee.agency_id, kommunekode=fee.kommunekode),
            fordring_id=fee.fordring_id,
            aarsag=model.AnnulleringAarsag.ANDET,
            tekst=fit_text(
                f"Betalt i FBS, ordre {order_id}", rules.max_text_length, rules.abbreviations
            ),
        ),
        fordring_id=fee.fordring_id,
        kommunekode=fee.kommunekode,
        now=now,
    )
