"""A stub of PSRM (Gældsstyrelsen's collection system) applying the public hand-over rules.

PSRM takes a claim only when (domain brief, gaeldst.dk):
- its last timely payment date (sidste rettidige betalingsdato) has passed;
- the usual reminder procedure has run;
- a compensation claim (erstatning) was acknowledged in writing by the debtor;
- the debtor is identified (CPR or CVR) and named.
Otherwise the receipt is ``AFVIST`` with a reason code and a Danish text. An
accepted claim is ``MODTAGET`` at once and ``UDFOERT`` after the processing time
(`collection.psrm_processing_days`, an assumption).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from oeir import model
from simulators.ledger.records import Account, Claim

_NS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:debitorsim:psrm")


class Afvisning(StrEnum):
    """Why PSRM refuses a claim (stable codes, shown in the receipt text)."""

    IKKE_FORFALDEN = "SidsteRettidigeBetalingsdatoIkkeOverskredet"
    RYKKER_MANGLER = "RykkerprocedureIkkeGennemfoert"
    IKKE_ANERKENDT = "ErstatningIkkeSkriftligtAnerkendt"
    DEBITOR_MANGLER = "DebitoroplysningerMangler"


TEKSTER: dict[Afvisning, str] = {
    Afvisning.IKKE_FORFALDEN: "Afvist: sidste rettidige betalingsdato er ikke overskredet",
    Afvisning.RYKKER_MANGLER: "Afvist: rykkerproceduren er ikke gennemført",
    Afvisning.IKKE_ANERKENDT: "Afvist: erstatningskravet er ikke skriftligt anerkendt af skyldner",
    Afvisning.DEBITOR_MANGLER: "Afvist: skyldners navn eller CPR/CVR-nummer mangler",
}
"""The Danish text of each refusal."""


@dataclass(frozen=True, slots=True)
class PsrmKvittering:
    """PSRM's receipt on a handed-over claim."""

    status: model.PsrmStatus
    reference: str | None
    aarsag: Afvisning | None = None

    @property
    def tekst(self) -> str:
        """The receipt text that goes to the ledger and FBS."""
        if self.aarsag is not None:
            return f"{TEKSTER[self.aarsag]} ({self.aarsag})"
        return {
            model.PsrmStatus.MODTAGET: "Modtaget til inddrivelse",
            model.PsrmStatus.UDFOERT: "Overdragelsen er gennemført",
        }.get(self.status, str(self.status))


def reference(claim: Claim) -> str:
    """PSRM's (test) case reference for a claim: stable per municipality and claim."""
    return "PSRM-" + uuid.uuid5(_NS, f"{claim.kommunekode}:{claim.fordring_id}").hex[:20].upper()


def vurder(claim: Claim, account: Account, today: date, *, reminded: bool) -> PsrmKvittering:
    """PSRM's answer to handing over `claim` on `today` (first rule broken wins)."""
    if today <= claim.sidste_rettidige_betalingsdato:
        reason: Afvisning | None = Afvisning.IKKE_FORFALDEN
    elif not reminded:
        reason = Afvisning.RYKKER_MANGLER
    elif claim.fordring_type == model.FordringType.ERSTATNING and not claim.skriftligt_anerkendt:
        reason = Afvisning.IKKE_ANERKENDT
    elif not (account.navn or "").strip() or not account.ident:
        reason = Afvisning.DEBITOR_MANGLER
    else:
        reason = None
    if reason is not None:
        return PsrmKvittering(model.PsrmStatus.AFVIST, None, reason)
    return PsrmKvittering(model.PsrmStatus.MODTAGET, reference(claim))
