"""Builders and real-HTTP calls for the time-behaviour tests."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import requests

from oeir import model, soap
from oeir.services import DEBITOR_FORESPOERGSEL, DEBITOR_INDBETALING, DEBITOR_REGISTRERING, Service
from simulators.tenants import Tenant
from tests.simulators.conftest import sp_header, tenant_for
from tests.simulators.sim_time.conftest import World

CPR = "0101901234"
CPR2 = "1502851111"

__all__ = ["CPR", "CPR2", "tenant_for"]

_SERVICE_OF = {
    model.OpretFordring: DEBITOR_REGISTRERING,
    model.OpretDebitorkonto: DEBITOR_REGISTRERING,
    model.HentDebitorkonto: DEBITOR_FORESPOERGSEL,
    model.SoegDelfordringTilIndbetaling: DEBITOR_INDBETALING,
    model.ForetagIndbetaling: DEBITOR_INDBETALING,
}


def soap_call(world: World, tenant: Tenant, message: Any) -> Any:
    """Send `message` as FBS would (SP headers for `tenant`) and read the answer.

    Raises the `OeirFault` of a SOAP Fault answer.
    """
    service: Service = _SERVICE_OF[type(message)]
    op = service.operations[type(message).__name__]
    body = soap.request_envelope(message, sp_header(tenant, service.name))
    r = requests.post(
        f"{world.base_url}{service.path}",
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": op.soap_action},
        timeout=10,
    )
    return soap.read_response(r.content, op.response)


def fordring(
    tenant: Tenant,
    fordring_id: str,
    hovedstol: int = 10_000,
    *,
    cpr: str = CPR,
    navn: str | None = "Test Person",
    forfald: date = date(2026, 1, 19),
    sidste_rettidige: date | None = None,
    fordring_type: model.FordringType = model.FordringType.GEBYR,
    anerkendt: bool = False,
) -> model.Fordring:
    """A claim of the municipality's library on a CPR debtor."""
    return model.Fordring(
        fordring_id=fordring_id,
        fordring_type=fordring_type,
        klassifikationskode="BIB-GEBYR",
        hovedstol=hovedstol,
        stiftelsesdato=forfald - timedelta(days=14),
        forfaldsdato=forfald,
        sidste_rettidige_betalingsdato=sidste_rettidige or forfald,
        tekst="Gebyr (for sent)" if fordring_type == model.FordringType.GEBYR else "Erstatning",
        skriftligt_anerkendt=anerkendt,
        debitor=model.Debitor(cpr_nummer=cpr, navn=navn),
        kreditor=model.Kreditor(agency_id=f"DK-7{tenant.kode}00", kommunekode=tenant.kode),
    )


def opret(
    world: World, tenant: Tenant, fordring_id: str, hovedstol: int = 10_000, **kw: Any
) -> None:
    """Create a claim through DebitorRegistreringAfsend (real SOAP over HTTP)."""
    soap_call(
        world, tenant, model.OpretFordring(fordring=fordring(tenant, fordring_id, hovedstol, **kw))
    )


def login(world: World, tenant: Tenant, cpr: str = CPR) -> requests.Session:
    """A browser session logged in on the municipality's payment page (CPR in the POST body)."""
    browser = requests.Session()
    r = browser.get(f"{world.base_url}/betaling/{tenant.kode}/", timeout=10)
    assert r.status_code == 200 and 'name="cpr"' in r.text
    r = browser.post(
        f"{world.base_url}/betaling/{tenant.kode}/login", data={"cpr": cpr}, timeout=10
    )
    assert r.status_code == 200, r.text
    assert cpr not in r.url and cpr not in r.text
    return browser


def pay_on_page(
    world: World, browser: requests.Session, tenant: Tenant, fordring_ider: list[str], method: str
) -> str:
    """Pay claims on the page; returns the receipt page's HTML."""
    r = browser.post(
        f"{world.base_url}/betaling/{tenant.kode}/betal",
        data={"fordring_id": fordring_ider, "betalingsmiddel": method},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    assert "Tak for din betaling" in r.text
    return r.text


def text_of(html: str) -> str:
    """The visible text of a page, roughly (tags removed, spaces collapsed)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
