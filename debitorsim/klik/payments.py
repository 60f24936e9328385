"""How a citizen pays, over real HTTP: the payment page, a payment slip, DebitorIndbetaling."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

from debitorsim.klik.world import World, expect, fmt_tid
from oeir import model


def text_of(html: str) -> str:
    """The visible text of a page, roughly."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def open_page(verden: World) -> requests.Response:
    """GET the municipality's payment page."""
    return verden.http.get(f"{verden.bed.sim_url}/betaling/{verden.kode}/", timeout=30)


@dataclass(frozen=True)
class Betalingsside:
    """A citizen logged in on the payment page: their browser and the overview it showed."""

    browser: requests.Session
    oversigt: str
    """The overview page's HTML, right after login."""


def login(verden: World) -> Betalingsside:
    """Log in on the payment page (CPR in the POST body, never in a URL)."""
    browser = verden.bed.session()  # a session of its own (cookies); under TLS the tester's
    page = browser.get(f"{verden.bed.sim_url}/betaling/{verden.kode}/", timeout=30)
    if 'name="cpr"' not in page.text:
        shown = text_of(page.text)
        heading = shown[shown.find("Ingen") :][:60] if "Ingen" in shown else shown[:60]
        raise AssertionError(
            f"betalingsside i kommune {verden.kode}: forventet en betalingsløsning med "
            f"login, fik '{heading}'"
        )
    r = browser.post(
        f"{verden.bed.sim_url}/betaling/{verden.kode}/login",
        data={"cpr": verden.patron["cpr"]},
        timeout=30,
    )
    expect(r.status_code, 200, "login på betalingssiden (HTTP-status)")
    return Betalingsside(browser, r.text)


def pay_on_page(verden: World, browser: requests.Session, aliases: list[str], method: str) -> str:
    """Pay the claims on the page; returns the receipt's text."""
    r = browser.post(
        f"{verden.bed.sim_url}/betaling/{verden.kode}/betal",
        data={
            "fordring_id": [verden.fees[a]["fordringId"] for a in aliases],
            "betalingsmiddel": method,
        },
        timeout=30,
    )
    text = text_of(r.text)
    assert "Tak for din betaling" in text, (
        f"betaling på betalingssiden: forventet en kvittering, fik HTTP {r.status_code} "
        f"'{text[:120]}'"
    )
    return text


def pay_slip(verden: World, alias: str, oere: int) -> dict[str, Any]:
    """A payment slip (indbetalingskort) paid at the bank now; it books after bank days."""
    n = len(verden.slips)
    pending = verden.admin(
        "POST",
        "/indbetalingskort",
        json={
            "kommunekode": verden.kode,
            "fordring_id": verden.fees[alias]["fordringId"],
            "beloeb": oere,
            "indbetaling_id": f"OCR-{verden.seed % 10**6}-{n}",
        },
    )
    verden.slips.append(pending)
    return pending


def pay_the_way_offered(verden: World, alias: str, oere: int) -> str:
    """Pay as the municipality offers: on the page if its system has one, else by slip."""
    if verden.tenant["payment_solution"]:
        side = login(verden)
        pay_on_page(verden, side.browser, [alias], "MobilePay")
        return "betalingsløsning"
    pay_slip(verden, alias, oere)
    return "indbetalingskort"


def foretag_indbetaling(verden: World, alias: str, oere: int) -> Any:
    """ForetagIndbetaling over SOAP, as a payer system would; returns the answer or the fault."""
    from integration.client.api import BusinessFault

    assert verden.bed.core is not None and verden.kode is not None
    message = model.ForetagIndbetaling(
        kommunekode=verden.kode,
        debitor=verden.debitor(),
        indbetaling_id=f"BET-{verden.seed % 10**6}",
        beloeb=oere,
        betalingsmiddel=model.Betalingsmiddel.MOBILEPAY,
        fordring_ider=(verden.fees[alias]["fordringId"],),
    )
    try:
        return verden.bed.core.client.call(verden.kode, message, f"betaling-{verden.seed}")
    except BusinessFault as fault:
        return fault


def reported_at(verden: World, alias: str) -> datetime | None:
    """When the claim's last event reached FBS (the simulator's timeline)."""
    times = [
        datetime.fromisoformat(s["at"])
        for s in verden.timeline(alias)
        if s["step"] == "reported_to_fbs"
    ]
    return max(times) if times else None


def describe(when: datetime | None) -> str:
    """A time for a failure message."""
    return fmt_tid(when)
