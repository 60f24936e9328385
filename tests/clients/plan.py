"""One call of every operation of every served WSDL, as plain values any SOAP client takes.

The arguments are the typed `oeir.model` messages written as nested dicts of strings
(element names as keys, in XSD order, repeated elements as lists): zeep, suds and
node-soap all take that. The headers are the two Serviceplatformen blocks as element
name -> text; each client builds the header elements itself, from the WSDL.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from lxml import etree

from oeir import codec, kommuner, model
from oeir.services import (
    DAEKNING_AFSKRIVNING,
    DEBITOR_FORESPOERGSEL,
    DEBITOR_INDBETALING,
    DEBITOR_REGISTRERING,
    Service,
)

CET = timezone(timedelta(hours=1))


@dataclass(frozen=True)
class Call:
    """One operation call: where, what, and what the answer must say."""

    service: Service
    message: Any
    headers: dict[str, dict[str, str]]
    expect: dict[str, str]
    """Simple fields of the answer and their expected text (amounts compared as numbers)."""

    @property
    def operation(self) -> str:
        """The operation's name (the message's class)."""
        return type(self.message).__name__

    @property
    def args(self) -> dict[str, Any]:
        """The message as the clients' keyword arguments."""
        return wire_values(self.message)


def wire_values(obj: Any) -> dict[str, Any]:
    """A message as nested dicts of wire texts, in element order (node-soap keeps key order)."""
    element = codec.encode(obj)
    return _values(type(obj), element)


def _values(cls: type, element: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in codec.fields(cls):
        found = element.findall(f.tag)
        if not found:
            continue
        nested = dataclasses.is_dataclass(f.kind)
        items = [_values(f.kind, c) if nested else codec.element_text(c) for c in found]
        out[etree.QName(f.tag).localname] = items if f.repeated else items[0]
    return out


def headers(kommune: kommuner.Kommune, service: Service, call_id: str) -> dict[str, dict[str, str]]:
    """The Serviceplatformen context blocks FBS sends for `kommune`, as element texts."""
    return {
        "InvocationContext": {
            "ServiceAgreementUUID": kommune.service_agreement_uuid,
            "UserSystemUUID": kommuner.FBS_USER_SYSTEM_UUID,
            "UserUUID": "00000000-0000-4000-8000-00000000c11e",
            "ServiceUUID": kommuner.service_uuid(service.name),
            "CallersServiceCallIdentifier": call_id,
            "AccountingInfo": "round trip",
        },
        "AuthorityContext": {"MunicipalityCVR": kommune.cvr},
    }


@dataclass(frozen=True)
class Claim:
    """A claim the core and the simulator both hold (for the callback)."""

    fordring_id: str
    debitorkontonummer: str


def calls(kode: str, tag: str, cprs: tuple[str, str], claim: Claim) -> list[Call]:
    """Every operation once, for municipality `kode`, ids made unique by `tag`."""
    kommune = kommuner.by_kode()[kode]
    kreditor = model.Kreditor(agency_id=f"DK-7{kode}00", kommunekode=kode)
    debitor = model.Debitor(cpr_nummer=cprs[0], navn="Round Trip")
    f1, f2 = f"RT-{tag}-1", f"RT-{tag}-2"

    def fordring(fid: str) -> model.Fordring:
        return model.Fordring(
            fordring_id=fid,
            fordring_type=model.FordringType.GEBYR,
            klassifikationskode="BIB-GEBYR",
            hovedstol=5000,
            stiftelsesdato=date(2026, 1, 5),
            forfaldsdato=date(2026, 1, 19),
            sidste_rettidige_betalingsdato=date(2026, 1, 19),
            tekst="Gebyr (for sent): «Ærø rundt»",
            materialer=(model.Materiale(materialenummer="5010101010", post_id="870970-basis:1"),),
            debitor=debitor,
            kreditor=kreditor,
        )

    def call(service: Service, n: int, message: Any, **expect: str) -> Call:
        return Call(service, message, headers(kommune, service, f"rt-{tag}-{n}"), expect)

    reg, query, pay = DEBITOR_REGISTRERING, DEBITOR_FORESPOERGSEL, DEBITOR_INDBETALING
    event = model.Haendelse(
        haendelse_id=f"RT-{tag}-H1",
        tidspunkt=datetime(2026, 1, 6, 4, 0, tzinfo=CET),
        kreditor=kreditor,
        debitorkontonummer=claim.debitorkontonummer,
        fordring_id=claim.fordring_id,
        daekning=model.Daekning(
            beloeb=100, betalingsdato=date(2026, 1, 5), betalingsmiddel=model.Betalingsmiddel.KORT
        ),
    )
    return [
        call(
            reg,
            1,
            model.OpretDebitorkonto(debitor=debitor, kreditor=kreditor, fordringer=(fordring(f1),)),
        ),
        call(reg, 2, model.OpretFordring(fordring=fordring(f2)), FordringId=f2),
        call(
            reg,
            3,
            model.NedskrivFordring(
                kreditor=kreditor,
                fordring_id=f1,
                nedskrivning_id=f"RT-{tag}-N1",
                beloeb=1000,
                aarsag=model.NedskrivningAarsag.KULANCE,
            ),
            FordringId=f1,
            Saldo="40.00",
        ),
        call(query, 4, model.HentDebitorkonto(kommunekode=kode, debitor=debitor)),
        call(query, 5, model.SoegDebitorkonti(kommunekode=kode, maks_antal=5)),
        call(pay, 6, model.SoegDelfordringTilIndbetaling(kommunekode=kode, debitor=debitor)),
        call(
            pay,
            7,
            model.ForetagIndbetaling(
                kommunekode=kode,
                debitor=debitor,
                indbetaling_id=f"RT-{tag}-I1",
                beloeb=500,
                betalingsmiddel=model.Betalingsmiddel.KORT,
                fordring_ider=(f1,),
            ),
            IndbetalingId=f"RT-{tag}-I1",
        ),
        call(
            reg,
            8,
            model.AnnullerFordring(
                kreditor=kreditor, fordring_id=f2, aarsag=model.AnnulleringAarsag.KULANCE
            ),
            FordringId=f2,
        ),
        call(
            reg,
            9,
            model.SkiftHaefter(
                kreditor=kreditor,
                fordring_id=f1,
                ny_debitor=model.Debitor(cpr_nummer=cprs[1], navn="Ny Hæfter"),
            ),
            FordringId=f1,
        ),
        call(DAEKNING_AFSKRIVNING, 10, model.RegistrerDaekningAfskrivning(haendelser=(event,))),
    ]


def same_text(expected: str, got: Any) -> bool:
    """Whether a client's value for a simple field is the expected wire text."""
    if isinstance(got, (int, float, Decimal)) and not isinstance(got, bool):
        return Decimal(str(got)) == Decimal(expected)
    return str(got) == expected
