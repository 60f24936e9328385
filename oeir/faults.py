"""Fault catalogue and the exceptions that become SOAP Faults.

Every error a service can answer with is an `OeirFault` carrying a stable
`FejlKode`, a SOAP 1.1 faultcode (``Client`` = the caller must change the
message, ``Server`` = try again later) and a reason in Danish and English.
The codes are the contract: a vendor's adapter may branch on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oeir.model import Fejl


@dataclass(frozen=True, slots=True)
class FejlDefinition:
    """One entry of the fault catalogue."""

    kode: str
    faultcode: str  # "Client", "Server", "VersionMismatch" or "MustUnderstand"
    da: str
    en: str


_CATALOGUE = [
    # Transport and XML safety
    FejlDefinition("BeskedForStor", "Client", "Beskeden er for stor.", "The message is too large."),
    FejlDefinition(
        "DtdIkkeTilladt",
        "Client",
        "Beskeden må ikke indeholde DTD eller entiteter.",
        "The message must not contain a DTD or entities.",
    ),
    FejlDefinition(
        "BeskedForDyb",
        "Client",
        "Beskeden er nestet for dybt.",
        "The message is nested too deeply.",
    ),
    FejlDefinition(
        "UgyldigTegnkodning",
        "Client",
        "Beskeden er ikke gyldig UTF-8.",
        "The message is not valid UTF-8.",
    ),
    FejlDefinition(
        "MisdannetXml",
        "Client",
        "Beskeden er ikke velformet XML.",
        "The message is not well-formed XML.",
    ),
    FejlDefinition(
        "UgyldigSoapKonvolut",
        "Client",
        "Beskeden er ikke en gyldig SOAP 1.1-konvolut.",
        "The message is not a valid SOAP 1.1 envelope.",
    ),
    FejlDefinition(
        "SoapVersionIkkeUnderstoettet",
        "VersionMismatch",
        "Kun SOAP 1.1 understøttes.",
        "Only SOAP 1.1 is supported.",
    ),
    FejlDefinition(
        "UkendtNavnerum",
        "Client",
        "Beskedens element har et ukendt navnerum.",
        "The message element has an unknown namespace.",
    ),
    FejlDefinition(
        "UkendtOperation",
        "Client",
        "Operationen findes ikke på denne service.",
        "The operation does not exist on this service.",
    ),
    FejlDefinition(
        "ForkertSoapAction",
        "Client",
        "SOAPAction passer ikke til beskeden.",
        "The SOAPAction does not match the message.",
    ),
    FejlDefinition(
        "SkemaValideringFejlet",
        "Client",
        "Beskeden overholder ikke skemaet.",
        "The message does not conform to the schema.",
    ),
    FejlDefinition(
        "ManglendeSoapHeader",
        "Client",
        "InvocationContext eller AuthorityContext mangler.",
        "InvocationContext or AuthorityContext is missing.",
    ),
    FejlDefinition(
        "SoapHeaderGentaget",
        "Client",
        "En Serviceplatformen-kontekst (InvocationContext, AuthorityContext, CallContext) "
        "eller et af dens felter er angivet mere end én gang.",
        "A Serviceplatformen context (InvocationContext, AuthorityContext, CallContext) "
        "or one of its fields is given more than once.",
    ),
    FejlDefinition(
        "SoapHeaderForkertPlaceret",
        "Client",
        "En Serviceplatformen-kontekst står forkert: den hører til i soap:Header "
        "eller i request-elementet.",
        "A Serviceplatformen context is misplaced: it belongs in soap:Header "
        "or in the request element.",
    ),
    FejlDefinition(
        "SoapHeaderIkkeForstaaet",
        "MustUnderstand",
        'En SOAP-header med mustUnderstand="1" er ukendt for modtageren.',
        'A SOAP header block marked mustUnderstand="1" is not understood by the receiver.',
    ),
    # Serviceplatformen
    FejlDefinition(
        "UkendtKommune",
        "Client",
        "Kommunen er ikke tilsluttet Serviceplatformen.",
        "The municipality is not connected to Serviceplatformen.",
    ),
    FejlDefinition(
        "IngenServiceaftale",
        "Client",
        "Der findes ingen gyldig serviceaftale for kaldet.",
        "No valid service agreement exists for the call.",
    ),
    FejlDefinition(
        "AdgangNaegtet",
        "Client",
        "Kalderen har ikke adgang.",
        "The caller is not authorised.",
    ),
    FejlDefinition(
        "ForkertCertifikat",
        "Client",
        "Certifikatet tilhører ikke anvendersystemet.",
        "The certificate does not belong to the user system.",
    ),
    # Business rules on claims
    FejlDefinition(
        "CprUgyldig", "Client", "CPR-nummeret er ugyldigt.", "The CPR number is invalid."
    ),
    FejlDefinition(
        "CvrUgyldig", "Client", "CVR-nummeret er ugyldigt.", "The CVR number is invalid."
    ),
    FejlDefinition(
        "DebitorUgyldig",
        "Client",
        "Debitor skal have præcis ét CPR- eller CVR-nummer.",
        "The debtor must have exactly one CPR or CVR number.",
    ),
    FejlDefinition(
        "BeloebIkkePositivt",
        "Client",
        "Beløbet skal være større end nul.",
        "The amount must be greater than zero.",
    ),
    FejlDefinition(
        "ForfaldFoerStiftelse",
        "Client",
        "Forfaldsdatoen ligger før stiftelsesdatoen.",
        "The due date is before the creation date.",
    ),
    FejlDefinition(
        "SidsteRettidigeFoerForfald",
        "Client",
        "Sidste rettidige betalingsdato ligger før forfaldsdatoen.",
        "The last timely payment date is before the due date.",
    ),
    FejlDefinition(
        "PeriodeUgyldig",
        "Client",
        "Periodens slutdato ligger før startdatoen.",
        "The period ends before it starts.",
    ),
    FejlDefinition(
        "DebitorUoverensstemmelse",
        "Client",
        "Fordringens debitor eller kreditor passer ikke til debitorkontoen.",
        "The claim's debtor or creditor does not match the debtor account.",
    ),
    FejlDefinition(
        "HaendelseUgyldig",
        "Client",
        "En hændelse skal have præcis én hændelsesart.",
        "An event must have exactly one kind.",
    ),
    FejlDefinition(
        "FordringIdAlleredeBrugt",
        "Client",
        "Fordrings-id'et er allerede brugt til en anden fordring.",
        "The claim id is already used for a different claim.",
    ),
    FejlDefinition(
        "FordringFindesIkke", "Client", "Fordringen findes ikke.", "The claim does not exist."
    ),
    FejlDefinition(
        "DebitorkontoFindesIkke",
        "Client",
        "Debitorkontoen findes ikke.",
        "The debtor account does not exist.",
    ),
    FejlDefinition(
        "FordringErLukket",
        "Client",
        "Fordringen er lukket og kan ikke ændres.",
        "The claim is closed and cannot be changed.",
    ),
    FejlDefinition(
        "NedskrivningOverstigerSaldo",
        "Client",
        "Nedskrivningen er større end fordringens restbeløb.",
        "The write-down exceeds the claim's remaining balance.",
    ),
    FejlDefinition("TekstForLang", "Client", "Teksten er for lang.", "The text is too long."),
    FejlDefinition(
        "CvrIkkeUnderstoettet",
        "Client",
        "Debitorsystemet understøtter ikke CVR-debitorer.",
        "The debtor system does not support CVR debtors.",
    ),
    FejlDefinition(
        "SkiftHaefterIkkeUnderstoettet",
        "Client",
        "Debitorsystemet understøtter ikke skift af hæfter.",
        "The debtor system does not support a change of debtor.",
    ),
    FejlDefinition(
        "IngenBetalingsloesning",
        "Client",
        "Kommunen har ingen betalingsløsning. Betal via indbetalingskort.",
        "The municipality has no payment solution. Pay by payment slip.",
    ),
    FejlDefinition(
        "NedskrivningIdAlleredeBrugt",
        "Client",
        "Nedskrivnings-id'et er allerede brugt til en anden nedskrivning.",
        "The write-down id is already used for a different write-down.",
    ),
    FejlDefinition(
        "IndbetalingIdAlleredeBrugt",
        "Client",
        "Indbetalings-id'et er allerede brugt til en anden indbetaling.",
        "The payment id is already used for a different payment.",
    ),
    FejlDefinition(
        "KaldIdAlleredeBrugt",
        "Client",
        "Kald-id'et (CallersServiceCallIdentifier) er allerede brugt til et andet kald.",
        "The call id (CallersServiceCallIdentifier) is already used for a different call.",
    ),
    FejlDefinition(
        "DebitorkontoHarAabneFordringer",
        "Client",
        "Debitorkontoen har åbne fordringer og kan ikke lukkes.",
        "The debtor account has open claims and cannot be closed.",
    ),
    FejlDefinition(
        "FordringIdGentaget",
        "Client",
        "Samme fordrings-id står mere end én gang i beskeden.",
        "The same claim id appears more than once in the message.",
    ),
    FejlDefinition(
        "BeloebForStort",
        "Client",
        "Beløbet gør en saldo eller sum større, end kontrakten kan bære "
        "(højst 9.999.999.999.999,99 kr.).",
        "The amount makes a balance or total larger than the contract can carry "
        "(at most 9,999,999,999,999.99 kr).",
    ),
    FejlDefinition(
        "DatoUdenforKalender",
        "Client",
        "Datoen ligger efter 2999-12-31; så langt frem kan debitorsystemet ikke planlægge.",
        "The date is after 2999-12-31; the debtor system cannot schedule that far ahead.",
    ),
    FejlDefinition(
        "HaendelseFindesIkke",
        "Client",
        "Hændelsen findes ikke eller kan ikke tilbageføres.",
        "The event does not exist or cannot be reversed.",
    ),
    # Server side
    FejlDefinition(
        "TjenesteUtilgaengelig",
        "Server",
        "Tjenesten er midlertidigt utilgængelig. Prøv igen senere.",
        "The service is temporarily unavailable. Try again later.",
    ),
    FejlDefinition(
        "UkendtFejl",
        "Client",
        "Modparten svarede med en fejl uden FejlKode.",
        "The other party answered with a fault without a FejlKode.",
    ),
    FejlDefinition(
        "InternFejl", "Server", "Der opstod en intern fejl.", "An internal error occurred."
    ),
]

CATALOGUE: dict[str, FejlDefinition] = {d.kode: d for d in _CATALOGUE}
"""Every known `FejlKode`, with its faultcode and texts."""


# Characters XML 1.0 cannot carry; a detail quoting hostile input must still serialise.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def first_non_xml(text: str) -> str | None:
    """The first character of `text` XML 1.0 cannot carry (NUL, U+FFFE, a lone surrogate …), if any."""
    found = _NOT_XML.search(text)
    return found.group() if found else None


def xml_safe(text: str, limit: int = 500) -> str:
    """`text` cut to `limit` characters, with characters XML 1.0 cannot carry replaced by '?'."""
    return _NOT_XML.sub("?", text[:limit])


class OeirFault(Exception):
    """An error that is answered with a SOAP Fault carrying a `FejlKode`.

    Subclasses fix `KODE`; otherwise pass ``kode=``, any catalogue code.
    Unknown codes (a vendor's own) are allowed and get the code as text.
    """

    KODE = "InternFejl"

    def __init__(
        self, detalje: str | None = None, *, kode: str | None = None, felt: str | None = None
    ) -> None:
        self.kode = kode or self.KODE
        self.detalje = detalje
        self.felt = felt
        self.operation: str | None = None
        """The operation the refused message is, when known before the refusal."""
        known = CATALOGUE.get(self.kode)
        self.definition = known or FejlDefinition(self.kode, "Client", self.kode, self.kode)
        super().__init__(f"{self.kode}: {self.tekst_en}")

    @property
    def faultcode(self) -> str:
        """SOAP 1.1 faultcode local name: Client, Server, VersionMismatch or MustUnderstand."""
        return self.definition.faultcode

    @property
    def tekst_da(self) -> str:
        """Danish reason, with the detail appended where there is one."""
        return self.definition.da + (f" ({self.detalje})" if self.detalje else "")

    @property
    def tekst_en(self) -> str:
        """English reason, with the detail appended where there is one."""
        return self.definition.en + (f" ({self.detalje})" if self.detalje else "")

    def as_fejl(self) -> Fejl:
        """The structured fault detail for the wire."""
        return Fejl(
            fejl_kode=xml_safe(self.kode, 32),
            fejl_tekst=xml_safe(self.tekst_da),
            fejl_tekst_engelsk=xml_safe(self.tekst_en),
            felt=xml_safe(self.felt) if self.felt is not None else None,
        )

    @classmethod
    def from_fejl(cls, fejl: Fejl, faultcode: str | None = None) -> OeirFault:
        """Rebuild a fault received on the wire, keeping the sender's texts."""
        fault = cls(kode=fejl.fejl_kode, felt=fejl.felt)
        fault.definition = FejlDefinition(
            fejl.fejl_kode, faultcode or fault.faultcode, fejl.fejl_tekst, fejl.fejl_tekst_engelsk
        )
        fault.args = (f"{fejl.fejl_kode}: {fejl.fejl_tekst_engelsk}",)
        return fault


class XmlRejected(OeirFault):
    """The XML was refused before it was read: hostile, oversized or malformed."""


class MessageTooLarge(XmlRejected):
    """The body is larger than the configured limit."""

    KODE = "BeskedForStor"


class DtdForbidden(XmlRejected):
    """The document has a DOCTYPE: DTDs and entities are never processed."""

    KODE = "DtdIkkeTilladt"


class MessageTooDeep(XmlRejected):
    """Elements are nested deeper than the configured limit."""

    KODE = "BeskedForDyb"


class InvalidEncoding(XmlRejected):
    """The bytes are not UTF-8, or declare another encoding."""

    KODE = "UgyldigTegnkodning"


class MalformedXml(XmlRejected):
    """The document is not well-formed XML."""

    KODE = "MisdannetXml"


class WrongNamespace(XmlRejected):
    """An element is in a namespace the service does not know."""

    KODE = "UkendtNavnerum"


class InvalidEnvelope(XmlRejected):
    """The document is not a SOAP 1.1 envelope with one body element."""

    KODE = "UgyldigSoapKonvolut"


class SchemaInvalid(OeirFault):
    """The message breaks the XSD; `detalje` says where and why."""

    KODE = "SkemaValideringFejlet"


class DecodeError(OeirFault):
    """The message could not be mapped to its typed class."""

    KODE = "SkemaValideringFejlet"


class BusinessRuleBroken(OeirFault):
    """A business rule (CPR, amount, dates, profile limits) refused the message."""
