"""JSON shapes: FeeV2 exactly as the FBS external API returns it, and the harness's views."""

from __future__ import annotations

from typing import Any

from integration.config import CoreConfig
from integration.fbs.model import BlockPeriod, Fee, FeeStatus, Patron
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
                "periodical": m.periodical,
                "materialGroup": {
                    "name": m.material_group_name,
                    "description": m.material_group_description,
                },
            }
            for m in fee.materials
        ],
    }


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
