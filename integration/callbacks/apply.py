"""Apply a `RegistrerDaekningAfskrivning` batch: each event once, in any order, atomically.

The event ids are stored in the same transaction as their effect, so a
redelivered event is recognised (answered ``Dublet``) and never applied twice.
The fee's balance is re-derived from all its events (`integration.fbs.ledger`),
which makes the result independent of arrival order. The answer is built only
after the transaction committed.
"""

from __future__ import annotations

from integration.fbs.ledger import StoredEvent
from integration.fbs.service import FbsService
from integration.store import Store
from oeir import kommuner, model
from oeir.faults import OeirFault


def stored_event(h: model.Haendelse) -> StoredEvent:
    """The part of an event the fee's balance depends on."""
    day = h.tidspunkt.date()
    if h.daekning is not None:
        return StoredEvent(
            haendelse_id=h.haendelse_id,
            art="Daekning",
            beloeb=h.daekning.beloeb,
            dato=h.daekning.betalingsdato,
        )
    if h.daekning_tilbagefoert is not None:
        return StoredEvent(
            haendelse_id=h.haendelse_id,
            art="DaekningTilbagefoert",
            beloeb=h.daekning_tilbagefoert.beloeb,
            dato=day,
            ref=h.daekning_tilbagefoert.oprindelig_haendelse_id,
        )
    if h.afskrivning is not None:
        return StoredEvent(
            haendelse_id=h.haendelse_id, art="Afskrivning", beloeb=h.afskrivning.beloeb, dato=day
        )
    if h.nedregulering is not None:
        return StoredEvent(
            haendelse_id=h.haendelse_id,
            art="Nedregulering",
            beloeb=h.nedregulering.beloeb,
            dato=day,
        )
    if h.overdraget_til_inddrivelse is not None:
        return StoredEvent(
            haendelse_id=h.haendelse_id,
            art="OverdragetTilInddrivelse",
            beloeb=0,
            dato=day,
            status=h.overdraget_til_inddrivelse.status.value,
        )
    return StoredEvent(haendelse_id=h.haendelse_id, art=h.art or "Ukendt", beloeb=0, dato=day)


def caller(header: model.SpHeader) -> kommuner.Kommune:
    """The municipality a callback comes from; refused like Serviceplatformen would refuse it."""
    kommune = kommuner.by_cvr().get(header.authority_context.municipality_cvr)
    if kommune is None:
        raise OeirFault(
            header.authority_context.municipality_cvr,
            kode="UkendtKommune",
            felt="AuthorityContext/MunicipalityCVR",
        )
    if header.invocation_context.service_agreement_uuid != kommune.service_agreement_uuid:
        raise OeirFault(kode="IngenServiceaftale", felt="InvocationContext/ServiceAgreementUUID")
    return kommune


def apply_batch(
    store: Store,
    service: FbsService,
    batch: model.RegistrerDaekningAfskrivning,
    municipality_cvr: str | None = None,
) -> model.RegistrerDaekningAfskrivningSvar:
    """Apply every new event of `batch` in one transaction; answer Modtaget/Dublet per event.

    Raises `OeirFault` (and applies nothing) when an event names a claim FBS
    does not have, or a claim of another municipality than the caller's.
    """
    caller = kommuner.by_cvr().get(municipality_cvr) if municipality_cvr else None
    now = service.config.clock.now()
    receipts: list[model.HaendelseKvittering] = []
    with store.tx() as repo:
        touched: dict[int, tuple[int, str]] = {}
        for i, h in enumerate(batch.haendelser, 1):
            if repo.has_haendelse(h.haendelse_id):
                receipts.append(_receipt(h, model.KvitteringStatus.DUBLET))
                continue
            if caller is not None and h.kreditor.kommunekode != caller.kode:
                raise OeirFault(
                    f"claim of kommune {h.kreditor.kommunekode} reported by {caller.kode}",
                    kode="AdgangNaegtet",
                    felt=f"Haendelse[{i}]/Kreditor",
                )
            fee = None
            if h.fordring_id is not None:
                fee = repo.fee_by_fordring(h.fordring_id)
                if fee is None or fee.agency_id != h.kreditor.agency_id:
                    raise OeirFault(
                        h.fordring_id, kode="FordringFindesIkke", felt=f"Haendelse[{i}]/FordringId"
                    )
            repo.add_haendelse(h.fordring_id, stored_event(h), now)
            if fee is not None:
                touched[fee.fee_id] = (fee.patron_id, fee.kommunekode)
            receipts.append(_receipt(h, model.KvitteringStatus.MODTAGET))
        for fee_id in touched:
            service.rederive(repo, fee_id)
        for patron_id, kommune in set(touched.values()):
            service.refresh_block(repo, patron_id, kommune)
    return model.RegistrerDaekningAfskrivningSvar(kvitteringer=tuple(receipts))


def _receipt(h: model.Haendelse, status: model.KvitteringStatus) -> model.HaendelseKvittering:
    return model.HaendelseKvittering(haendelse_id=h.haendelse_id, status=status)
