"""Apply a `RegistrerDaekningAfskrivning` batch: each event once, in any order, atomically.

The event ids are stored in the same transaction as their effect, so a
redelivered event is recognised (answered ``Dublet``) and never applied twice.
The fee's balance is re-derived from all its events (`integration.domain.balance`),
which makes the result independent of arrival order. The answer is built only
after the transaction committed.
"""

from __future__ import annotations

from integration.domain.balance import StoredEvent
from integration.domain.model import Fee
from integration.fbs.service import FbsService
from integration.store import Repo, Store
from oeir import kommuner, model
from oeir.codec import kroner
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

    Raises `OeirFault` (and applies nothing of the batch) when an event names a
    claim FBS does not have (``FordringFindesIkke``), a claim of another
    municipality than the caller's (``AdgangNaegtet``), reuses an event id received
    for another claim (``HaendelseIdBrugtTilAndenFordring``), or reverses something that
    is not a payment of its claim, a payment already reversed, or more than the
    payment (``HaendelseFindesIkke``).
    """
    caller = kommuner.by_cvr().get(municipality_cvr) if municipality_cvr else None
    now = service.config.clock.now()
    receipts: list[model.HaendelseKvittering] = []
    with store.tx() as repo:
        touched: dict[int, tuple[int, str]] = {}
        reversals: list[tuple[str, model.Haendelse, Fee]] = []
        for i, h in enumerate(batch.haendelser, 1):
            felt = f"Haendelse[{i}]"
            fee = _claim_of(repo, h, felt, caller)
            if _already_applied(repo, h, felt):
                receipts.append(_receipt(h, model.KvitteringStatus.DUBLET))
                continue
            repo.add_haendelse(h.fordring_id, stored_event(h), now)
            if fee is not None:
                touched[fee.fee_id] = (fee.patron_id, fee.kommunekode)
                if h.daekning_tilbagefoert is not None:
                    reversals.append((felt, h, fee))
            receipts.append(_receipt(h, model.KvitteringStatus.MODTAGET))
        # checked once the whole batch is stored, so its order inside the batch does not matter
        for felt, h, fee in reversals:
            _check_reversal(repo, h, fee, felt)
        for fee_id in touched:
            service.rederive(repo, fee_id)
        for patron_id, kommune in set(touched.values()):
            service.refresh_block(repo, patron_id, kommune)
    return model.RegistrerDaekningAfskrivningSvar(kvitteringer=tuple(receipts))


def _already_applied(repo: Repo, h: model.Haendelse, felt: str) -> bool:
    """True for a redelivered event (answered Dublet); a refusal when its id was used for
    another claim: answering Dublet would drop this event without a trace, and let one
    municipality swallow another's later event by using its id first."""
    seen = repo.fordring_of_haendelse(h.haendelse_id)
    if seen is None:
        return False
    if seen != (h.fordring_id or ""):
        raise OeirFault(
            f"{h.haendelse_id} was received for {seen or 'no claim'}, not {h.fordring_id}",
            kode="HaendelseIdBrugtTilAndenFordring",
            felt=f"{felt}/HaendelseId",
        )
    return True


def _claim_of(
    repo: Repo, h: model.Haendelse, felt: str, caller: kommuner.Kommune | None
) -> Fee | None:
    """The fee an event is about, refused unless it is the caller's own claim.

    The claim's own municipality decides, not the event's `Kreditor`: the sender
    writes the Kreditor, so it proves nothing about whose claim the FordringId is.
    """
    if caller is not None and h.kreditor.kommunekode != caller.kode:
        raise OeirFault(
            f"claim of kommune {h.kreditor.kommunekode} reported by {caller.kode}",
            kode="AdgangNaegtet",
            felt=f"{felt}/Kreditor",
        )
    if h.fordring_id is None:
        return None
    fee = repo.fee_by_fordring(h.fordring_id)
    if fee is not None and caller is not None and fee.kommunekode != caller.kode:
        raise OeirFault(
            f"{h.fordring_id} is a claim of kommune {fee.kommunekode}, reported by {caller.kode}",
            kode="AdgangNaegtet",
            felt=f"{felt}/FordringId",
        )
    if fee is None or fee.agency_id != h.kreditor.agency_id:
        raise OeirFault(h.fordring_id, kode="FordringFindesIkke", felt=f"{felt}/FordringId")
    return fee


def _check_reversal(repo: Repo, h: model.Haendelse, fee: Fee, felt: str) -> None:
    """A reversal names a payment of its own claim, reverses it once, and never by more.

    A payment FBS has not seen yet is no refusal: callbacks may come in any
    order, so the reversal waits and the ledger counts it (capped) once the
    payment arrives.
    """
    assert h.daekning_tilbagefoert is not None
    ref = h.daekning_tilbagefoert.oprindelig_haendelse_id
    felt = f"{felt}/DaekningTilbagefoert/OprindeligHaendelseId"
    events = {e.haendelse_id: e for e in repo.haendelser(fee.fordring_id)}
    original = events.get(ref)
    if original is None:
        if repo.has_haendelse(ref):
            raise OeirFault(
                f"{ref} is not an event of {fee.fordring_id}", kode=_NO_EVENT, felt=felt
            )
        return
    if original.art != "Daekning":
        raise OeirFault(f"{ref} is a {original.art}, not a Daekning", kode=_NO_EVENT, felt=felt)
    naming = [e for e in events.values() if e.art == "DaekningTilbagefoert" and e.ref == ref]
    if len(naming) > 1:
        raise OeirFault(f"{ref} already reversed", kode=_NO_EVENT, felt=felt)
    if h.daekning_tilbagefoert.beloeb > original.beloeb:
        raise OeirFault(
            f"reversal {kroner(h.daekning_tilbagefoert.beloeb)} > payment "
            f"{kroner(original.beloeb)}",
            kode=_NO_EVENT,
            felt=felt,
        )


_NO_EVENT = "HaendelseFindesIkke"


def _receipt(h: model.Haendelse, status: model.KvitteringStatus) -> model.HaendelseKvittering:
    return model.HaendelseKvittering(haendelse_id=h.haendelse_id, status=status)
