"""Request bodies for the load suites: realistic da_DK traffic built with the shared contract.

Plain Python (no Locust, no gevent), so it is unit-tested on its own and shared by
every Locust user class. Envelopes come from `oeir.soap.request_envelope` with the
Serviceplatformen headers a real call carries: the municipality's (test) CVR in
AuthorityContext, its service agreement UUID and FBS's user system UUID.
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from faker import Faker

from oeir import kommuner, model, soap, testdata
from oeir.services import (
    DAEKNING_AFSKRIVNING,
    DEBITOR_FORESPOERGSEL,
    DEBITOR_INDBETALING,
    DEBITOR_REGISTRERING,
    Service,
)

CONTENT_TYPE = "text/xml; charset=utf-8"
LOAD_USER_UUID = str(uuid.uuid5(uuid.NAMESPACE_URL, "urn:debitorsim:load-user"))
"""UserUUID on every load-test call, so the simulator's journal can tell load traffic apart."""

_KONTONUMMER = re.compile(rb"Debitorkontonummer>([^<]+)<")
_CURSOR = re.compile(rb"NaesteCursor>([^<]+)<")
_call_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class SoapCall:
    """One SOAP request ready to send: path, headers and body."""

    path: str
    operation: str
    body: bytes

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers: the SOAP 1.1 content type and the operation's SOAPAction."""
        service = _SERVICE_OF[self.operation]
        return {
            "Content-Type": CONTENT_TYPE,
            "SOAPAction": f'"{service.operations[self.operation].soap_action}"',
        }


_SERVICE_OF: dict[str, Service] = {
    op: svc
    for svc in (
        DEBITOR_REGISTRERING,
        DAEKNING_AFSKRIVNING,
        DEBITOR_FORESPOERGSEL,
        DEBITOR_INDBETALING,
    )
    for op in svc.operations
}


def agency_id(kommune: kommuner.Kommune) -> str:
    """The library's FBS agency id (ISIL) for a municipality: ``DK-7<kode>00``."""
    return f"DK-7{kommune.kode}00"


def sp_header(
    kommune: kommuner.Kommune, service: Service, call_id: str | None = None
) -> model.SpHeader:
    """The Serviceplatformen headers FBS (or the debtor system) sends for `kommune`, with
    `call_id` as CallersServiceCallIdentifier (default: a fresh one)."""
    return model.SpHeader(
        invocation_context=model.InvocationContext(
            service_agreement_uuid=kommune.service_agreement_uuid,
            user_system_uuid=kommuner.FBS_USER_SYSTEM_UUID,
            user_uuid=LOAD_USER_UUID,
            service_uuid=kommuner.service_uuid(service.name),
            callers_service_call_identifier=call_id or f"load-{uuid.uuid4()}",
        ),
        authority_context=model.AuthorityContext(municipality_cvr=kommune.cvr),
    )


def _call(kommune: kommuner.Kommune, message: object) -> SoapCall:
    operation = type(message).__name__
    service = _SERVICE_OF[operation]
    body = soap.request_envelope(message, sp_header(kommune, service))
    return SoapCall(service.path, operation, body)


def kontonummer(response: bytes) -> str | None:
    """The debtor account number in an answer, without a full (slow) XSD parse."""
    m = _KONTONUMMER.search(response)
    return m.group(1).decode() if m else None


def naeste_cursor(response: bytes) -> str | None:
    """The next-page cursor of a `SoegDebitorkontiSvar`, if more pages follow."""
    m = _CURSOR.search(response)
    return m.group(1).decode() if m else None


def is_fault(response: bytes) -> bool:
    """Whether a SOAP answer is a Fault."""
    return b"Fault>" in response


class Traffic:
    """Builds the requests of every traffic kind from one seeded da_DK Faker."""

    def __init__(self, seed: int | None = None) -> None:
        self.fake: Faker = testdata.faker(seed)
        self._serial = itertools.count(1)
        self._prefix = uuid.uuid4().hex[:8]

    def fordring_id(self) -> str:
        """A claim id unique across processes and runs (FBS ids are opaque strings)."""
        return f"FBS-{self._prefix}-{next(self._serial)}"

    def debitor(self) -> model.Debitor:
        """A citizen with a valid (generated) CPR number and a Danish name."""
        return model.Debitor(cpr_nummer=self.fake.cpr(), navn=self.fake.name())

    def fordring(self, kommune: kommuner.Kommune, debitor: model.Debitor) -> model.Fordring:
        """A realistic fee or compensation claim from `kommune`'s library."""
        return testdata.fordring(
            self.fake,
            kommunekode=kommune.kode,
            agency_id=agency_id(kommune),
            fordring_id=self.fordring_id(),
            debitor=debitor,
            today=date.today() - timedelta(days=self.fake.random_int(0, 20)),
        )

    def opret_debitorkonto(
        self, kommune: kommuner.Kommune
    ) -> tuple[SoapCall, model.Debitor, model.Fordring]:
        """`OpretDebitorkonto` for a new citizen with one first claim."""
        debitor = self.debitor()
        fordring = self.fordring(kommune, debitor)
        message = model.OpretDebitorkonto(
            debitor=debitor,
            kreditor=fordring.kreditor,
            fordringer=(fordring,),
        )
        return _call(kommune, message), debitor, fordring

    def opret_fordring(
        self, kommune: kommuner.Kommune, debitor: model.Debitor | None = None
    ) -> tuple[SoapCall, model.Fordring]:
        """`OpretFordring`: one more claim on a (new or known) citizen's account."""
        fordring = self.fordring(kommune, debitor or self.debitor())
        return _call(kommune, model.OpretFordring(fordring=fordring)), fordring

    def hent_debitorkonto(
        self,
        kommune: kommuner.Kommune,
        *,
        kontonummer: str | None = None,
        debitor: model.Debitor | None = None,
    ) -> SoapCall:
        """`HentDebitorkonto` by account number or by the debtor's CPR."""
        message = model.HentDebitorkonto(
            kommunekode=kommune.kode,
            debitorkontonummer=kontonummer,
            debitor=None if kontonummer else debitor,
        )
        return _call(kommune, message)

    def soeg_debitorkonti(
        self, kommune: kommuner.Kommune, cursor: str | None = None, maks_antal: int = 100
    ) -> SoapCall:
        """One page of `SoegDebitorkonti` (reconciliation)."""
        return _call(
            kommune,
            model.SoegDebitorkonti(kommunekode=kommune.kode, cursor=cursor, maks_antal=maks_antal),
        )

    def soeg_delfordring(self, kommune: kommuner.Kommune, debitor: model.Debitor) -> SoapCall:
        """`SoegDelfordringTilIndbetaling`: the payer looks up what the citizen owes."""
        return _call(
            kommune, model.SoegDelfordringTilIndbetaling(kommunekode=kommune.kode, debitor=debitor)
        )

    def callback(
        self, kommune: kommuner.Kommune, fordringer: list[tuple[str, str, int]], *, batch: int = 10
    ) -> SoapCall:
        """A nightly `RegistrerDaekningAfskrivning` batch of payments.

        `fordringer` holds (fordring_id, debitorkontonummer, øre) triples; when empty,
        made-up claims are reported (the receiver must still answer every event).
        """
        today = date.today()
        picks = fordringer[:batch] or [
            (self.fordring_id(), f"DK{self.fake.random_int(10**8, 10**9)}", 2500)
            for _ in range(batch)
        ]
        kreditor = model.Kreditor(agency_id=agency_id(kommune), kommunekode=kommune.kode)
        haendelser = tuple(
            model.Haendelse(
                haendelse_id=str(uuid.uuid4()),
                tidspunkt=datetime.now(UTC).replace(microsecond=0),
                kreditor=kreditor,
                debitorkontonummer=konto,
                fordring_id=fid,
                daekning=model.Daekning(
                    beloeb=beloeb,
                    betalingsdato=today,
                    betalingsmiddel=self.fake.random_element(list(model.Betalingsmiddel)),
                    indbetaling_id=f"IND-{uuid.uuid4().hex[:12]}",
                ),
            )
            for fid, konto, beloeb in picks
        )
        return _call(kommune, model.RegistrerDaekningAfskrivning(haendelser=haendelser))
