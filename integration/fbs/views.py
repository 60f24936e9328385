"""JSON shapes: FeeV2, PatronV4 and PaymentConfirmationV2 as the FBS external API returns them,
and the harness's views.

The FBS shapes follow FBS's published OpenAPI (``src/core/fbs/fbs-adapter.yaml`` in
danskernesdigitalebibliotek/dpl-react) and FBS's PHP models (ding2/ding2
``modules/fbs/src/Model/``): required fields always present, optional ones null or absent.
"""

from __future__ import annotations

from typing import Any

from integration.config import CoreConfig
from integration.domain.model import BlockPeriod, Fee, FeeStatus, Patron
from integration.store import OutboxRow
from oeir.identifiers import mask_cpr


def kroner(oere: int) -> float:
    """Øre as the JSON number FBS uses for amounts (kroner, two decimals)."""
    return round(oere / 100, 2)


def fee_v2(fee: Fee) -> dict[str, Any]:
    """The FBS ``FeeV2`` object. `amount` is what is owed while open, the principal once closed."""
    return {
        "feeId": fee.fee_id,
        "type": fee.type.value,
        "reasonMessage": fee.reason_message,
        "amount": kroner(fee.remaining if fee.status is FeeStatus.OPEN else fee.principal),
        "creationDate": fee.creation_date.isoformat(),
        "dueDate": fee.due_date.isoformat(),
        "paidDate": fee.paid_date.isoformat() if fee.paid_date else None,
        "payableByClient": payable_by_client(fee),
        "materials": [
            {
                "materialItemNumber": m.material_item_number,
                "recordId": m.record_id,
                "periodical": periodical_v2(m.periodical),
                "materialGroup": {
                    "name": m.material_group_name,
                    "description": m.material_group_description,
                },
            }
            for m in fee.materials
        ],
    }


PERIODICAL_FIELDS = ("displayText", "volume", "volumeNumber", "volumeYear")
"""The spec's ``Periodical``: ``displayText`` required, the volume fields optional strings."""


def periodical_v2(stored: dict[str, str] | None) -> dict[str, str] | None:
    """The spec's ``Periodical`` of a material (None when it is no periodical).

    Only the spec's fields leave, and only as text. A periodical stored before
    input was checked may lack ``displayText``: it is made from the volume fields
    then, so the answer still has what the spec requires.
    """
    if not stored:
        return None
    out = {k: v for k, v in stored.items() if k in PERIODICAL_FIELDS and isinstance(v, str)}
    if not out.get("displayText"):
        parts = [out.get("volumeYear"), out.get("volume"), out.get("volumeNumber")]
        text = ", ".join(p for p in parts if p)
        if not text:
            return None
        out["displayText"] = text
    return {k: out[k] for k in PERIODICAL_FIELDS if k in out}


def payable_by_client(fee: Fee) -> bool:
    """False once the debtor system has the claim (or the fee is closed): pay there, not in FBS."""
    return fee.handed_over_at is None and fee.status is FeeStatus.OPEN


def listed(fee: Fee, include_paid: bool, include_nonpayable: bool) -> bool:
    """Whether `GET .../fees/v2` lists the fee under these flags (cancelled fees never)."""
    if fee.status is FeeStatus.CANCELLED:
        return False
    if fee.status is not FeeStatus.OPEN and not include_paid:
        return False
    return include_nonpayable or payable_by_client(fee)


def fee_detail(fee: Fee, config: CoreConfig) -> dict[str, Any]:
    """The harness's view of a fee: FeeV2 plus the integration's state of it."""
    rules = config.rules(fee.kommunekode)
    return {
        **fee_v2(fee),
        "fordringId": fee.fordring_id,
        "agencyId": fee.agency_id,
        "kommunekode": fee.kommunekode,
        "patronId": fee.patron_id,
        "status": fee.status.value,
        "originalAmount": kroner(fee.amount),
        "writtenDown": kroner(fee.written_down),
        "paid": kroner(fee.daekket),
        "writtenOff": kroner(fee.afskrevet),
        "adjustedDown": kroner(fee.nedreguleret),
        "remaining": kroner(fee.remaining),
        "handedOver": fee.handed_over_at is not None,
        "handedOverAt": fee.handed_over_at.isoformat() if fee.handed_over_at else None,
        "collectionStatus": fee.overdraget_status,
        "paymentUrl": rules.payment_url if fee.handed_over_at is not None else None,
        "lastTimelyPaymentDate": fee.last_timely_date.isoformat(),
    }


def patron_view(
    patron: Patron, fees: list[Fee], periods: list[BlockPeriod], config: CoreConfig
) -> dict[str, Any]:
    """A patron's debt and block status per municipality, with every block period."""
    by_kommune: dict[str, int] = {}
    for f in fees:
        by_kommune[f.kommunekode] = by_kommune.get(f.kommunekode, 0) + f.remaining
    open_blocks = {p.kommunekode for p in periods if p.ended is None}
    return {
        "patronId": patron.patron_id,
        "agencyId": patron.agency_id,
        "name": patron.name,
        "cpr": mask_cpr(patron.cpr) if patron.cpr else None,
        "cvr": patron.cvr,
        "blocked": bool(open_blocks),
        "municipalities": [
            {
                "kommunekode": k,
                "debt": kroner(debt),
                "threshold": kroner(config.rules(k).block_threshold_oere),
                "blocked": k in open_blocks,
                "paymentUrl": config.rules(k).payment_url,
            }
            for k, debt in sorted(by_kommune.items())
        ],
        "blockPeriods": [
            {
                "kommunekode": p.kommunekode,
                "started": p.started.isoformat(),
                "ended": p.ended.isoformat() if p.ended else None,
            }
            for p in periods
        ],
    }


def outbox_view(row: OutboxRow) -> dict[str, Any]:
    """One outbox message for the status API (payload left out: it carries CPR numbers)."""
    return {
        "id": row.id,
        "messageId": row.msg_id,
        "fordringId": row.ordering_key,
        "kommunekode": row.kommunekode,
        "operation": row.operation,
        "state": row.state,
        "attempts": row.attempts,
        "notBefore": row.not_before.isoformat(),
        "created": row.created.isoformat(),
        "sentAt": row.sent_at.isoformat() if row.sent_at else None,
        "lastError": row.last_error,
        "reason": (
            {"code": row.fault_code, "text": row.fault_text} if row.state == "parked" else None
        ),
    }


DEBT_BLOCK_REASON = "E"
"""BlockStatus ``blockedReason`` of a debt block: "patron has fee" (dpl-react's BlockedTypes.fee;
the spec lists O, U, F, S, W and tells clients to read unknown codes as "other reason")."""

DEFAULT_INTEREST_PERIOD_DAYS = 180
"""PatronV4 ``defaultInterestPeriod``: the simulation keeps no reservation settings."""


def _kr_da(oere: int) -> str:
    """Øre as Danish kroner text: 250,00."""
    return f"{oere // 100},{oere % 100:02d}"


def block_status(period: BlockPeriod, debt: int, threshold: int) -> dict[str, str]:
    """The spec's ``BlockStatus`` of one open debt block (all three fields required)."""
    return {
        "blockedReason": DEBT_BLOCK_REASON,
        "blockedSince": period.started.date().isoformat(),
        "message": (
            f"Spærret for lån: ubetalt gæld {_kr_da(debt)} kr. i kommune "
            f"{period.kommunekode} (grænse {_kr_da(threshold)} kr.)."
        ),
    }


def authenticated_patron_v4(
    patron: Patron, fees: list[Fee], periods: list[BlockPeriod], config: CoreConfig
) -> dict[str, Any]:
    """``GET .../patrons/{patronid}/v4``: the spec's AuthenticatedPatronV4 with a PatronV4.

    dpl-react's copy of the spec answers this operation with AuthenticatedPatronV8
    (``authenticateStatus``, a PatronV7 that also requires ``guardianVisibility``);
    the answer carries those fields too, so a client generated from either reads it.
    FBS patron settings the simulation does not keep are fixed: pick-up at the
    agency itself, no e-mail/SMS/post notices, resident. The CPR number never leaves.
    """
    debt: dict[str, int] = {}
    for f in fees:
        debt[f.kommunekode] = debt.get(f.kommunekode, 0) + f.remaining
    blocks = [
        block_status(
            p, debt.get(p.kommunekode, 0), config.rules(p.kommunekode).block_threshold_oere
        )
        for p in periods
        if p.ended is None
    ]
    return {
        "authenticated": True,
        "authenticateStatus": "VALID",
        "patron": {
            "patronId": patron.patron_id,
            "name": patron.name,
            "preferredPickupBranch": patron.agency_id,
            "receiveEmail": False,
            "receiveSms": False,
            "receivePostalMail": False,
            "defaultInterestPeriod": DEFAULT_INTEREST_PERIOD_DAYS,
            "resident": True,
            "guardianVisibility": False,
            "blockStatus": blocks,
        },
    }


def payment_confirmation_v2(
    order_id: str, fee_id: int, status: str, confirmation: str | None
) -> dict[str, Any]:
    """The spec's ``PaymentConfirmationV2`` (ding2 ``PaymentConfirmationV2.php``)."""
    return {
        "orderId": order_id,
        "confirmationId": confirmation,
        "feeId": fee_id,
        "paymentStatus": status,
    }
