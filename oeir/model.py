"""Typed messages of the SF1590_B debtor services, modelled on public names.

Every class here is a frozen dataclass. Field order is element order on the
wire (xsd:sequence). Money is integer øre (`Oere`); the codec writes it as
kroner with two decimals. Repeated elements are tuples, optional ones `None`.
A class's XML element name is its class name; a field's is its name in
CamelCase unless `XML_NAMES` on the class says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar

Oere = Annotated[int, "oere"]
"""An amount of money in øre (1 kr = 100 øre)."""

MAX_OERE = 10**15 - 1
"""The largest amount the contract carries (`BeloebType`: 15 digits, 2 of them decimals),
i.e. 9,999,999,999,999.99 kr. Every amount and sum a message reports must stay within it."""

Uuid = Annotated[str, "uuid"]
"""A UUID, read in its canonical lower-case form (the XSD allows either case)."""


class FordringType(StrEnum):
    """Kind of claim a library creates."""

    GEBYR = "Gebyr"  # late-return fee (gebyr for overskredet lånetid)
    ERSTATNING = "Erstatning"  # compensation for lost or damaged material


class FordringStatus(StrEnum):
    """Life-cycle state of a claim in the debtor system."""

    AABEN = "Aaben"
    BETALT = "Betalt"
    ANNULLERET = "Annulleret"
    AFSKREVET = "Afskrevet"
    OVERDRAGET = "OverdragetTilInddrivelse"


class NedskrivningAarsag(StrEnum):
    """Why the sector system writes a claim down."""

    DELVIS_AFLEVERING = "DelvisAflevering"
    FEJL_I_OPRETTELSE = "FejlIOprettelse"
    KULANCE = "Kulance"
    ANDET = "Andet"


class AnnulleringAarsag(StrEnum):
    """Why the sector system cancels a claim."""

    MATERIALE_FUNDET = "MaterialeFundet"
    FEJL_I_OPRETTELSE = "FejlIOprettelse"
    KULANCE = "Kulance"
    ANDET = "Andet"


class AfskrivningAarsag(StrEnum):
    """Why the debtor system writes a claim off."""

    UERHOLDELIG = "Uerholdelig"
    FORAELDET = "Foraeldet"
    DOEDSBO = "Doedsbo"
    BAGATEL = "Bagatel"
    ANDET = "Andet"


class Betalingsmiddel(StrEnum):
    """How a citizen paid."""

    KORT = "Kort"
    MOBILEPAY = "MobilePay"
    INDBETALINGSKORT = "Indbetalingskort"
    KONTANT = "Kontant"


class PsrmStatus(StrEnum):
    """Receipt status from PSRM (Gældsstyrelsen) on a handed-over claim."""

    MODTAGET = "MODTAGET"
    AFVIST = "AFVIST"
    SAGSBEHANDL = "SAGSBEHANDL"
    UDFOERT = "UDFOERT"


class PosteringType(StrEnum):
    """Kind of a booking on a claim, as `DebitorForespoergsel` reports it."""

    NEDSKRIVNING = "Nedskrivning"
    DAEKNING = "Daekning"
    DAEKNING_TILBAGEFOERT = "DaekningTilbagefoert"
    AFSKRIVNING = "Afskrivning"
    NEDREGULERING = "Nedregulering"
    RYKKERGEBYR = "Rykkergebyr"
    RENTE = "Rente"


class KvitteringStatus(StrEnum):
    """Receiver's answer per callback event."""

    MODTAGET = "Modtaget"
    DUBLET = "Dublet"


_MSG = dict(frozen=True, kw_only=True, slots=True)


# --- Serviceplatformen headers -------------------------------------------------


@dataclass(**_MSG)
class InvocationContext:
    """Serviceplatformen's InvocationContext block (its elements may come in any order).

    `callers_service_call_identifier` is optional, as on SP: without it a call is not
    recorded for replay (`simulators.replay`).
    """

    XML_NAMES: ClassVar[dict[str, str]] = {
        "service_agreement_uuid": "ServiceAgreementUUID",
        "user_system_uuid": "UserSystemUUID",
        "user_uuid": "UserUUID",
        "service_uuid": "ServiceUUID",
        "on_behalf_of_user": "OnBehalfOfUser",
        "callers_service_call_identifier": "CallersServiceCallIdentifier",
        "accounting_info": "AccountingInfo",
    }
    service_agreement_uuid: Uuid
    user_system_uuid: Uuid
    user_uuid: Uuid
    service_uuid: Uuid
    on_behalf_of_user: str | None = None
    callers_service_call_identifier: str | None = None
    accounting_info: str | None = None


@dataclass(**_MSG)
class CallContext:
    """Serviceplatformen's CallContext block of newer services: all three fields optional."""

    XML_NAMES: ClassVar[dict[str, str]] = {
        "on_behalf_of_user": "OnBehalfOfUser",
        "callers_service_call_identifier": "CallersServiceCallIdentifier",
        "accounting_info": "AccountingInfo",
    }
    on_behalf_of_user: str | None = None
    callers_service_call_identifier: str | None = None
    accounting_info: str | None = None


@dataclass(**_MSG)
class AuthorityContext:
    """Serviceplatformen's AuthorityContext: the municipality the call is for."""

    XML_NAMES: ClassVar[dict[str, str]] = {"municipality_cvr": "MunicipalityCVR"}
    municipality_cvr: str


@dataclass(**_MSG)
class SpHeader:
    """Both SOAP header blocks of a Serviceplatformen call (not an element itself)."""

    invocation_context: InvocationContext
    authority_context: AuthorityContext


# --- Building blocks ----------------------------------------------------------


@dataclass(**_MSG)
class Debitor:
    """The debtor: a person (CPR) or a company (CVR), exactly one of them."""

    XML_NAMES: ClassVar[dict[str, str]] = {"cpr_nummer": "CPRNummer", "cvr_nummer": "CVRNummer"}
    cpr_nummer: str | None = None
    cvr_nummer: str | None = None
    navn: str | None = None

    @property
    def ident(self) -> str:
        """The CPR or CVR number, whichever is set."""
        return self.cpr_nummer or self.cvr_nummer or ""


@dataclass(**_MSG)
class Kreditor:
    """The creditor: the library (FBS agency id) and its municipality."""

    agency_id: str
    kommunekode: str


@dataclass(**_MSG)
class Materiale:
    """A library item the claim concerns."""

    materialenummer: str
    post_id: str


@dataclass(**_MSG)
class Periode:
    """An optional period the claim covers."""

    fra: date
    til: date


@dataclass(**_MSG)
class Fordring:
    """A claim (fordring) as FBS delivers it."""

    XML_NAMES: ClassVar[dict[str, str]] = {"materialer": "Materiale"}
    fordring_id: str
    fordring_type: FordringType
    klassifikationskode: str
    hovedstol: Oere
    stiftelsesdato: date
    forfaldsdato: date
    sidste_rettidige_betalingsdato: date
    periode: Periode | None = None
    tekst: str
    materialer: tuple[Materiale, ...] = ()
    skriftligt_anerkendt: bool = False
    debitor: Debitor
    kreditor: Kreditor


@dataclass(**_MSG)
class Postering:
    """One booking on a claim: payment, write-off, reminder fee, interest..."""

    posteringstype: PosteringType
    beloeb: Oere
    dato: date
    reference: str | None = None


@dataclass(**_MSG)
class FordringSaldo:
    """A claim as the debtor system sees it, with its balances and bookings."""

    XML_NAMES: ClassVar[dict[str, str]] = {"posteringer": "Postering"}
    fordring_id: str
    fordring_type: FordringType
    status: FordringStatus
    hovedstol: Oere
    nedskrevet: Oere
    daekket: Oere
    afskrevet: Oere
    rykkergebyrer: Oere
    renter: Oere
    saldo: Oere
    forfaldsdato: date
    sidste_rettidige_betalingsdato: date
    inddrivelse_status: PsrmStatus | None = None
    posteringer: tuple[Postering, ...] = ()


@dataclass(**_MSG)
class Debitorkonto:
    """A debtor account (debitorkonto): one debtor's claims in one municipality."""

    XML_NAMES: ClassVar[dict[str, str]] = {"fordringer": "FordringSaldo"}
    debitorkontonummer: str
    debitor: Debitor
    kommunekode: str
    saldo: Oere
    lukket: bool = False
    fordringer: tuple[FordringSaldo, ...] = ()


# --- DebitorRegistreringAfsend (FBS -> debtor system) ----------------------------


@dataclass(**_MSG)
class OpretDebitorkonto:
    """Create a debtor account with its first claim(s)."""

    XML_NAMES: ClassVar[dict[str, str]] = {"fordringer": "Fordring"}
    debitor: Debitor
    kreditor: Kreditor
    fordringer: tuple[Fordring, ...]


@dataclass(**_MSG)
class OpretDebitorkontoSvar:
    """Answer to `OpretDebitorkonto`: the account number and the claims taken."""

    XML_NAMES: ClassVar[dict[str, str]] = {"fordring_ider": "FordringId"}
    debitorkontonummer: str
    fordring_ider: tuple[str, ...]


@dataclass(**_MSG)
class OpretFordring:
    """Add a claim to the debtor's existing account."""

    fordring: Fordring


@dataclass(**_MSG)
class OpretFordringSvar:
    """Answer to `OpretFordring`."""

    debitorkontonummer: str
    fordring_id: str


@dataclass(**_MSG)
class NedskrivFordring:
    """Write down part of a claim's principal (nedskrivning)."""

    kreditor: Kreditor
    fordring_id: str
    nedskrivning_id: str
    beloeb: Oere
    aarsag: NedskrivningAarsag
    tekst: str | None = None


@dataclass(**_MSG)
class NedskrivFordringSvar:
    """Answer to `NedskrivFordring`, with the claim's balance after it."""

    fordring_id: str
    saldo: Oere


@dataclass(**_MSG)
class AnnullerFordring:
    """Cancel a claim (annullering)."""

    kreditor: Kreditor
    fordring_id: str
    aarsag: AnnulleringAarsag
    tekst: str | None = None


@dataclass(**_MSG)
class AnnullerFordringSvar:
    """Answer to `AnnullerFordring`."""

    fordring_id: str
    status: FordringStatus


@dataclass(**_MSG)
class SkiftHaefter:
    """Move a claim to another debtor (change of CPR/CVR)."""

    kreditor: Kreditor
    fordring_id: str
    ny_debitor: Debitor


@dataclass(**_MSG)
class SkiftHaefterSvar:
    """Answer to `SkiftHaefter`: the account the claim now sits on."""

    fordring_id: str
    debitorkontonummer: str


# --- DaekningAfskrivningRegistreringAfsend (debtor system -> FBS) ----------------


@dataclass(**_MSG)
class Daekning:
    """A payment (dækning) covering all or part of a claim."""

    beloeb: Oere
    betalingsdato: date
    betalingsmiddel: Betalingsmiddel
    indbetaling_id: str | None = None


@dataclass(**_MSG)
class DaekningTilbagefoert:
    """A payment reversed, for example a bounced card payment."""

    beloeb: Oere
    oprindelig_haendelse_id: str
    tekst: str | None = None


@dataclass(**_MSG)
class Afskrivning:
    """A write-off (afskrivning) by the debtor system."""

    beloeb: Oere
    aarsag: AfskrivningAarsag
    tekst: str | None = None


@dataclass(**_MSG)
class Nedregulering:
    """A down-adjustment (nedregulering) by the debtor system."""

    beloeb: Oere
    tekst: str | None = None


@dataclass(**_MSG)
class DebitorkontoLukket:
    """The debtor account was closed."""

    lukkedato: date


@dataclass(**_MSG)
class OverdragetTilInddrivelse:
    """The claim was handed to PSRM for collection, with PSRM's receipt."""

    status: PsrmStatus
    psrm_reference: str | None = None
    tekst: str | None = None


@dataclass(**_MSG)
class Haendelse:
    """One event reported back to FBS; exactly one of the event fields is set."""

    haendelse_id: str
    tidspunkt: datetime
    kreditor: Kreditor
    debitorkontonummer: str
    fordring_id: str | None = None
    daekning: Daekning | None = None
    daekning_tilbagefoert: DaekningTilbagefoert | None = None
    afskrivning: Afskrivning | None = None
    nedregulering: Nedregulering | None = None
    debitorkonto_lukket: DebitorkontoLukket | None = None
    overdraget_til_inddrivelse: OverdragetTilInddrivelse | None = None

    @property
    def art(self) -> str:
        """The XML name of the event kind that is set, e.g. ``"Daekning"``."""
        for name in HAENDELSE_ARTER:
            if getattr(self, name) is not None:
                return "".join(p.capitalize() for p in name.split("_"))
        return ""


HAENDELSE_ARTER = (
    "daekning",
    "daekning_tilbagefoert",
    "afskrivning",
    "nedregulering",
    "debitorkonto_lukket",
    "overdraget_til_inddrivelse",
)
"""The field names of `Haendelse` that are event kinds (an xsd:choice on the wire)."""


@dataclass(**_MSG)
class RegistrerDaekningAfskrivning:
    """A batch of events from the debtor system to FBS (the callback)."""

    XML_NAMES: ClassVar[dict[str, str]] = {"haendelser": "Haendelse"}
    haendelser: tuple[Haendelse, ...]


@dataclass(**_MSG)
class HaendelseKvittering:
    """The receiver's answer on one event."""

    haendelse_id: str
    status: KvitteringStatus


@dataclass(**_MSG)
class RegistrerDaekningAfskrivningSvar:
    """Answer to the callback: one receipt per event."""

    XML_NAMES: ClassVar[dict[str, str]] = {"kvitteringer": "HaendelseKvittering"}
    kvitteringer: tuple[HaendelseKvittering, ...]


# --- DebitorForespoergsel (FBS -> debtor system) ---------------------------------


@dataclass(**_MSG)
class HentDebitorkonto:
    """Look one account up, by account number or by the debtor's CPR/CVR."""

    kommunekode: str
    debitorkontonummer: str | None = None
    debitor: Debitor | None = None


@dataclass(**_MSG)
class HentDebitorkontoSvar:
    """Answer to `HentDebitorkonto`."""

    debitorkonto: Debitorkonto


@dataclass(**_MSG)
class SoegDebitorkonti:
    """List a municipality's accounts, a page at a time (for reconciliation)."""

    kommunekode: str
    cursor: str | None = None
    maks_antal: int = 100


@dataclass(**_MSG)
class SoegDebitorkontiSvar:
    """One page of accounts; `naeste_cursor` is set while more pages follow."""

    XML_NAMES: ClassVar[dict[str, str]] = {"debitorkonti": "Debitorkonto"}
    debitorkonti: tuple[Debitorkonto, ...] = ()
    naeste_cursor: str | None = None


# --- DebitorIndbetalingAfsend (payer -> debtor system) ---------------------------


@dataclass(**_MSG)
class SoegDelfordringTilIndbetaling:
    """Find a debtor's open (part-)claims that can be paid."""

    kommunekode: str
    debitor: Debitor


@dataclass(**_MSG)
class Delfordring:
    """An open (part-)claim that can be paid."""

    fordring_id: str
    tekst: str
    saldo: Oere
    forfaldsdato: date
    sidste_rettidige_betalingsdato: date


@dataclass(**_MSG)
class SoegDelfordringTilIndbetalingSvar:
    """Answer: the debtor's payable (part-)claims."""

    XML_NAMES: ClassVar[dict[str, str]] = {"delfordringer": "Delfordring"}
    delfordringer: tuple[Delfordring, ...] = ()


@dataclass(**_MSG)
class ForetagIndbetaling:
    """Pay an amount; on the named claims, or oldest first when none are named."""

    XML_NAMES: ClassVar[dict[str, str]] = {"fordring_ider": "FordringId"}
    kommunekode: str
    debitor: Debitor
    indbetaling_id: str
    beloeb: Oere
    betalingsmiddel: Betalingsmiddel
    fordring_ider: tuple[str, ...] = ()


@dataclass(**_MSG)
class DaekningKvittering:
    """How much of a payment went to one claim."""

    fordring_id: str
    beloeb: Oere


@dataclass(**_MSG)
class ForetagIndbetalingSvar:
    """Answer: how the payment was spread, and any amount left over."""

    XML_NAMES: ClassVar[dict[str, str]] = {"daekninger": "DaekningKvittering"}
    indbetaling_id: str
    daekninger: tuple[DaekningKvittering, ...] = ()
    overskud: Oere = 0


# --- Faults ---------------------------------------------------------------------


@dataclass(**_MSG)
class Fejl:
    """Structured detail of a SOAP Fault: stable code, Danish and English text."""

    fejl_kode: str
    fejl_tekst: str
    fejl_tekst_engelsk: str
    felt: str | None = None
