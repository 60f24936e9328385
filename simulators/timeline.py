"""A claim's timeline on the virtual clock: created, invoiced, paid, reported to FBS,
reminded, handed over (what the readiness report and the dashboard draw).

Built from the ledger's event log, the collection marks and the callback batches.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from oeir.identifiers import mask_cprs_in_data
from simulators.callbacks.events import REPORTED
from simulators.ledger.records import EventKind
from simulators.store.base import Store
from simulators.store.time import TimeRepo

STEPS = ("created", "invoiced", "paid", "reported_to_fbs", "reminded", "handed_over")
"""The six steps, in their natural order."""

_EVENT_STEPS: dict[EventKind, str] = {
    EventKind.FORDRING_OPRETTET: "created",
    EventKind.DAEKNING: "paid",
    EventKind.DAEKNING_TILBAGEFOERT: "payment_reversed",
    EventKind.NEDSKRIVNING: "written_down",
    EventKind.ANNULLERING: "cancelled",
    EventKind.AFSKRIVNING: "written_off",
    EventKind.NEDREGULERING: "adjusted_down",
    EventKind.RYKKERGEBYR: "reminder_fee",
}


def timeline(store: Store, kommunekode: str, fordring_id: str) -> list[dict[str, Any]] | None:
    """The claim's steps in time order (None if there is no such claim); CPR in texts masked."""
    with store.read() as tx:
        claim = tx.claim(kommunekode, fordring_id)
        if claim is None:
            return None
        events = tx.events(kommunekode=kommunekode, fordring_ider=[fordring_id], limit=10**6)
        repo = TimeRepo(tx, write=False)  # stale (e.g. after a reset): nothing recorded
        marks = repo.marks(kommunekode, fordring_id)
        batches = repo.batches_of_claim(kommunekode, fordring_id)
    steps: list[tuple[datetime, int, dict[str, Any]]] = []
    for e in events:
        step = _EVENT_STEPS.get(e.kind)
        if step is None:
            continue
        detail: dict[str, Any] = {"beloeb": e.beloeb, "haendelse_id": e.event_id}
        for key in ("betalingsmiddel", "betalingsdato", "indbetaling_id", "tekst"):
            if key in e.data:
                detail[key] = mask_cprs_in_data(e.data[key])
        steps.append((e.tidspunkt, e.seq, {"step": step, "at": e.tidspunkt, **detail}))
    for m in marks:
        detail = mask_cprs_in_data(m.detail)
        steps.append((m.tidspunkt, 0, {"step": m.step, "at": m.tidspunkt, **detail}))
    by_batch: dict[int, list[str]] = {}
    for event_id, batch in batches:
        by_batch.setdefault(batch.id, []).append(event_id)
    kinds = {e.event_id: str(e.kind) for e in events if e.kind in REPORTED}
    for _, batch in batches:
        if by_batch.get(batch.id) is None:
            continue
        ids = by_batch.pop(batch.id)
        at = batch.delivered_at
        entry: dict[str, Any] = {
            "step": "reported_to_fbs" if batch.status == "delivered" else "report_pending",
            "at": at or batch.created,
            "batch_id": batch.id,
            "batch_created": batch.created,
            "status": batch.status,
            "attempts": batch.attempts,
            "haendelser": [{"haendelse_id": i, "art": kinds.get(i)} for i in ids],
        }
        steps.append((at or batch.created, 10**12, entry))
    steps.sort(key=lambda s: (s[0], s[1]))
    return [
        {k: v.isoformat() if isinstance(v, datetime) else v for k, v in s.items()}
        for _, _, s in steps
    ]
