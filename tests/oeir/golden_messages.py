"""The expected content of every golden sample in tests/oeir/golden/.

The XML files are the contract examples a vendor reads; this module is what
they must decode to. The files were written once from these objects and then
kept as fixed files: a change to the codec that alters the wire format makes
the golden tests fail instead of silently rewriting the samples.

Regenerate deliberately (and review the diff) with
``.venv/bin/python -m tests.oeir.golden_messages --write``.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from lxml import etree

from oeir import kommuner, model, soap
from oeir.faults import OeirFault
from oeir.services import SERVICES, Service

GOLDEN_DIR = Path(__file__).parent / "golden"

CET = timezone(timedelta(hours=1), "CET")

KOEBENHAVN = kommuner.by_kode()["101"]
KREDITOR = model.Kreditor(agency_id="DK-710100", kommunekode="101")

SOEREN = model.Debitor(cpr_nummer="1502803456", navn="Søren Ærø Kjærgård")
ASTRID = model.Debitor(cpr_nummer="0304054123", navn="Astrid Bøgh Østergaard")
BIRTHE = model.Debitor(cpr_nummer="2207451512", navn="Birthe Ågesen")
BOERNEHAVE = model.Debitor(cvr_nummer="25360060", navn="Bøgeskov Børnehave ApS")


def header(service: Service, call_id: str) -> model.SpHeader:
    """The Serviceplatformen header FBS sends to København's debtor system."""
    return model.SpHeader(
        invocation_context=model.InvocationContext(
            service_agreement_uuid=KOEBENHAVN.service_agreement_uuid,
            user_system_uuid=kommuner.FBS_USER_SYSTEM_UUID,
            user_uuid="7c1e2f64-3b9a-4d5e-8f10-2a3b4c5d6e7f",
            service_uuid=kommuner.service_uuid(service.name),
            callers_service_call_identifier=call_id,
            accounting_info="FBS debitorintegration, København",
        ),
        authority_context=model.AuthorityContext(municipality_cvr=KOEBENHAVN.cvr),
    )


GEBYR = model.Fordring(
    fordring_id="FBS-101-000431",
    fordring_type=model.FordringType.GEBYR,
    klassifikationskode="BIB-GEBYR",
    hovedstol=3000,
    stiftelsesdato=date(2026, 10, 5),
    forfaldsdato=date(2026, 10, 19),
    sidste_rettidige_betalingsdato=date(2026, 10, 19),
    tekst="Gebyr (for sent): «Ærø rundt på cykel» afleveret 12 dage for sent på Hovedbiblioteket",
    materialer=(model.Materiale(materialenummer="5210463817", post_id="870970-basis:29583142"),),
    debitor=SOEREN,
    kreditor=KREDITOR,
)

ERSTATNING = model.Fordring(
    fordring_id="FBS-101-000432",
    fordring_type=model.FordringType.ERSTATNING,
    klassifikationskode="BIB-ERSTATNING",
    hovedstol=34995,
    stiftelsesdato=date(2026, 10, 5),
    forfaldsdato=date(2026, 11, 4),
    sidste_rettidige_betalingsdato=date(2026, 11, 18),
    periode=model.Periode(fra=date(2026, 8, 1), til=date(2026, 9, 30)),
    tekst="Erstatning for bortkommet materiale: «Kærlighed på Østerbro», 2 bind",
    materialer=(
        model.Materiale(materialenummer="5210463901", post_id="870970-basis:51234567"),
        model.Materiale(materialenummer="5210463902", post_id="870970-basis:51234567"),
    ),
    skriftligt_anerkendt=True,
    debitor=SOEREN,
    kreditor=KREDITOR,
)

INSTITUTION = model.Fordring(
    fordring_id="FBS-101-000517",
    fordring_type=model.FordringType.ERSTATNING,
    klassifikationskode="BIB-ERSTATNING",
    hovedstol=12500,
    stiftelsesdato=date(2026, 11, 2),
    forfaldsdato=date(2026, 11, 16),
    sidste_rettidige_betalingsdato=date(2026, 11, 30),
    tekst="Erstatning for beskadiget billedbog (vandskade), udlånt til institution",
    materialer=(model.Materiale(materialenummer="5210470011", post_id="870970-basis:62718293"),),
    debitor=BOERNEHAVE,
    kreditor=KREDITOR,
)

KONTO = model.Debitorkonto(
    debitorkontonummer="KK-DEB-1000231",
    debitor=SOEREN,
    kommunekode="101",
    saldo=31495,
    fordringer=(
        model.FordringSaldo(
            fordring_id="FBS-101-000431",
            fordring_type=model.FordringType.GEBYR,
            status=model.FordringStatus.BETALT,
            hovedstol=3000,
            nedskrevet=0,
            daekket=3000,
            afskrevet=0,
            rykkergebyrer=0,
            renter=0,
            saldo=0,
            forfaldsdato=date(2026, 10, 19),
            sidste_rettidige_betalingsdato=date(2026, 10, 19),
            posteringer=(
                model.Postering(
                    posteringstype=model.PosteringType.DAEKNING,
                    beloeb=3000,
                    dato=date(2026, 10, 17),
                    reference="MP-2026-10-17-88231",
                ),
            ),
        ),
        model.FordringSaldo(
            fordring_id="FBS-101-000432",
            fordring_type=model.FordringType.ERSTATNING,
            status=model.FordringStatus.OVERDRAGET,
            hovedstol=34995,
            nedskrevet=12500,
            daekket=0,
            afskrevet=0,
            rykkergebyrer=25000,
            renter=4,
            saldo=47499,
            forfaldsdato=date(2026, 11, 4),
            sidste_rettidige_betalingsdato=date(2026, 11, 18),
            inddrivelse_status=model.PsrmStatus.SAGSBEHANDL,
            posteringer=(
                model.Postering(
                    posteringstype=model.PosteringType.NEDSKRIVNING,
                    beloeb=12500,
                    dato=date(2026, 11, 6),
                    reference="NED-000432-1",
                ),
                model.Postering(
                    posteringstype=model.PosteringType.RYKKERGEBYR,
                    beloeb=25000,
                    dato=date(2026, 11, 25),
                ),
                model.Postering(
                    posteringstype=model.PosteringType.RENTE, beloeb=4, dato=date(2026, 11, 30)
                ),
            ),
        ),
        model.FordringSaldo(
            fordring_id="FBS-101-000433",
            fordring_type=model.FordringType.GEBYR,
            status=model.FordringStatus.AABEN,
            hovedstol=1500,
            nedskrevet=0,
            daekket=3504,
            afskrevet=0,
            rykkergebyrer=0,
            renter=0,
            saldo=-2004,
            forfaldsdato=date(2026, 11, 20),
            sidste_rettidige_betalingsdato=date(2026, 11, 20),
            posteringer=(
                model.Postering(
                    posteringstype=model.PosteringType.DAEKNING,
                    beloeb=3504,
                    dato=date(2026, 11, 10),
                    reference="IBK-71-000042",
                ),
            ),
        ),
    ),
)

LUKKET_KONTO = model.Debitorkonto(
    debitorkontonummer="KK-DEB-1000307",
    debitor=BOERNEHAVE,
    kommunekode="101",
    saldo=0,
    lukket=True,
)

EVENTS = model.RegistrerDaekningAfskrivning(
    haendelser=(
        model.Haendelse(
            haendelse_id="OPUS-101-EV-0000001",
            tidspunkt=datetime(2026, 11, 24, 2, 15, 0, tzinfo=CET),
            kreditor=KREDITOR,
            debitorkontonummer="KK-DEB-1000231",
            fordring_id="FBS-101-000431",
            daekning=model.Daekning(
                beloeb=1750,
                betalingsdato=date(2026, 11, 21),
                betalingsmiddel=model.Betalingsmiddel.MOBILEPAY,
                indbetaling_id="MP-2026-11-21-00017",
            ),
        ),
        model.Haendelse(
            haendelse_id="OPUS-101-EV-0000002",
            tidspunkt=datetime(2026, 11, 24, 2, 15, 1, 250000, tzinfo=CET),
            kreditor=KREDITOR,
            debitorkontonummer="KK-DEB-1000231",
            fordring_id="FBS-101-000431",
            daekning_tilbagefoert=model.DaekningTilbagefoert(
                beloeb=1750,
                oprindelig_haendelse_id="OPUS-101-EV-0000001",
                tekst="Kortbetaling afvist af indløser (tilbageført)",
            ),
        ),
        model.Haendelse(
            haendelse_id="OPUS-101-EV-0000003",
            tidspunkt=datetime(2026, 11, 24, 1, 15, 2, tzinfo=UTC),
            kreditor=KREDITOR,
            debitorkontonummer="KK-DEB-1000231",
            fordring_id="FBS-101-000432",
            afskrivning=model.Afskrivning(
                beloeb=34995,
                aarsag=model.AfskrivningAarsag.DOEDSBO,
                tekst="Afskrevet: dødsboet er insolvent (skifteretten i Århus)",
            ),
        ),
        model.Haendelse(
            haendelse_id="OPUS-101-EV-0000004",
            tidspunkt=datetime(2026, 11, 24, 2, 15, 3, tzinfo=CET),
            kreditor=KREDITOR,
            debitorkontonummer="KK-DEB-1000231",
            fordring_id="FBS-101-000433",
            nedregulering=model.Nedregulering(beloeb=1, tekst="Øreafrunding"),
        ),
        model.Haendelse(
            haendelse_id="OPUS-101-EV-0000005",
            tidspunkt=datetime(2026, 11, 24, 2, 15, 4, tzinfo=CET),
            kreditor=KREDITOR,
            debitorkontonummer="KK-DEB-1000307",
            debitorkonto_lukket=model.DebitorkontoLukket(lukkedato=date(2026, 11, 23)),
        ),
        model.Haendelse(
            haendelse_id="OPUS-101-EV-0000006",
            tidspunkt=datetime(2026, 11, 24, 2, 15, 5, tzinfo=CET),
            kreditor=KREDITOR,
            debitorkontonummer="KK-DEB-1000231",
            fordring_id="FBS-101-000432",
            overdraget_til_inddrivelse=model.OverdragetTilInddrivelse(
                status=model.PsrmStatus.MODTAGET,
                psrm_reference="PSRM-2026-4471902",
                tekst="Overdraget til Gældsstyrelsen efter rykkerprocedure",
            ),
        ),
    )
)

REQUESTS: dict[str, Any] = {
    "OpretDebitorkonto": model.OpretDebitorkonto(
        debitor=SOEREN, kreditor=KREDITOR, fordringer=(GEBYR, ERSTATNING)
    ),
    "OpretFordring": model.OpretFordring(fordring=INSTITUTION),
    "NedskrivFordring": model.NedskrivFordring(
        kreditor=KREDITOR,
        fordring_id="FBS-101-000432",
        nedskrivning_id="NED-000432-1",
        beloeb=12550,
        aarsag=model.NedskrivningAarsag.DELVIS_AFLEVERING,
        tekst="Delvis aflevering: bind 1 af 2 afleveret på Østerbro Bibliotek",
    ),
    "AnnullerFordring": model.AnnullerFordring(
        kreditor=KREDITOR,
        fordring_id="FBS-101-000517",
        aarsag=model.AnnulleringAarsag.MATERIALE_FUNDET,
        tekst="Billedbogen fundet i bogkassen på Blågårdens Bibliotek",
    ),
    "SkiftHaefter": model.SkiftHaefter(
        kreditor=KREDITOR, fordring_id="FBS-101-000431", ny_debitor=ASTRID
    ),
    "RegistrerDaekningAfskrivning": EVENTS,
    "HentDebitorkonto": model.HentDebitorkonto(kommunekode="101", debitor=SOEREN),
    "SoegDebitorkonti": model.SoegDebitorkonti(
        kommunekode="101", cursor="eyJlZnRlciI6IktLLURFQi0xMDAwMjMwIn0=", maks_antal=2
    ),
    "SoegDelfordringTilIndbetaling": model.SoegDelfordringTilIndbetaling(
        kommunekode="101", debitor=BIRTHE
    ),
    "ForetagIndbetaling": model.ForetagIndbetaling(
        kommunekode="101",
        debitor=BIRTHE,
        indbetaling_id="BETAL-2026-11-24-000981",
        beloeb=27550,
        betalingsmiddel=model.Betalingsmiddel.KORT,
        fordring_ider=("FBS-101-000610", "FBS-101-000611"),
    ),
}
"""One request per operation, keyed by operation name."""

RESPONSES: dict[str, Any] = {
    "OpretDebitorkonto": model.OpretDebitorkontoSvar(
        debitorkontonummer="KK-DEB-1000231", fordring_ider=("FBS-101-000431", "FBS-101-000432")
    ),
    "OpretFordring": model.OpretFordringSvar(
        debitorkontonummer="KK-DEB-1000307", fordring_id="FBS-101-000517"
    ),
    "NedskrivFordring": model.NedskrivFordringSvar(fordring_id="FBS-101-000432", saldo=22445),
    "AnnullerFordring": model.AnnullerFordringSvar(
        fordring_id="FBS-101-000517", status=model.FordringStatus.ANNULLERET
    ),
    "SkiftHaefter": model.SkiftHaefterSvar(
        fordring_id="FBS-101-000431", debitorkontonummer="KK-DEB-1000412"
    ),
    "RegistrerDaekningAfskrivning": model.RegistrerDaekningAfskrivningSvar(
        kvitteringer=tuple(
            model.HaendelseKvittering(
                haendelse_id=h.haendelse_id,
                status=model.KvitteringStatus.DUBLET if i == 0 else model.KvitteringStatus.MODTAGET,
            )
            for i, h in enumerate(EVENTS.haendelser)
        )
    ),
    "HentDebitorkonto": model.HentDebitorkontoSvar(debitorkonto=KONTO),
    "SoegDebitorkonti": model.SoegDebitorkontiSvar(
        debitorkonti=(KONTO, LUKKET_KONTO), naeste_cursor="eyJlZnRlciI6IktLLURFQi0xMDAwMzA3In0="
    ),
    "SoegDelfordringTilIndbetaling": model.SoegDelfordringTilIndbetalingSvar(
        delfordringer=(
            model.Delfordring(
                fordring_id="FBS-101-000610",
                tekst="Gebyr (for sent): «Fuglene over Sundet»",
                saldo=5000,
                forfaldsdato=date(2026, 11, 3),
                sidste_rettidige_betalingsdato=date(2026, 11, 3),
            ),
            model.Delfordring(
                fordring_id="FBS-101-000611",
                tekst="Erstatning: lydbog med skadet æske",
                saldo=22550,
                forfaldsdato=date(2026, 11, 10),
                sidste_rettidige_betalingsdato=date(2026, 11, 24),
            ),
        )
    ),
    "ForetagIndbetaling": model.ForetagIndbetalingSvar(
        indbetaling_id="BETAL-2026-11-24-000981",
        daekninger=(
            model.DaekningKvittering(fordring_id="FBS-101-000610", beloeb=5000),
            model.DaekningKvittering(fordring_id="FBS-101-000611", beloeb=22550),
        ),
        overskud=0,
    ),
}
"""One response per operation, keyed by operation name."""

FAULT = OeirFault(kode="CprUgyldig", felt="Fordring/Debitor/CPRNummer")
"""The fault sample: a claim refused for an invalid CPR number."""


def service_of(operation: str) -> Service:
    """The service that offers `operation`."""
    return next(s for s in SERVICES.values() if operation in s.operations)


def request_path(operation: str) -> Path:
    """Golden file of the request of `operation`."""
    return GOLDEN_DIR / f"{service_of(operation).name}.{operation}.request.xml"


def response_path(operation: str) -> Path:
    """Golden file of the response of `operation`."""
    return GOLDEN_DIR / f"{service_of(operation).name}.{operation}.response.xml"


FAULT_PATH = GOLDEN_DIR / "fault.CprUgyldig.xml"


def _pretty(data: bytes) -> bytes:
    root = etree.fromstring(data)
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def write_all() -> None:
    """(Re)write every golden file from the objects above."""
    GOLDEN_DIR.mkdir(exist_ok=True)
    for i, (operation, message) in enumerate(REQUESTS.items(), 1):
        call_id = f"fbs-101-{i:06d}"
        data = soap.request_envelope(message, header(service_of(operation), call_id))
        request_path(operation).write_bytes(_pretty(data))
    for operation, message in RESPONSES.items():
        response_path(operation).write_bytes(_pretty(soap.response_envelope(message)))
    FAULT_PATH.write_bytes(_pretty(soap.fault_envelope(FAULT)))


if __name__ == "__main__" and "--write" in sys.argv:
    write_all()
