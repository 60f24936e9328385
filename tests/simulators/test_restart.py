"""Restart: 1,000 claims created over SOAP are all there after the process (or app) is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import requests

from oeir import model, soap
from oeir.services import DEBITOR_FORESPOERGSEL, DEBITOR_REGISTRERING
from simulators import SimConfig, create_app, simulator_of
from simulators.store import SqliteStore
from simulators.tenants import Tenant, TenantRegistry
from tests.simulators.conftest import sp_header
from wsgiserve import ServerThread

N_DEBTORS, PER_DEBTOR = 10, 100


def _tenant(data_dir: Path) -> Tenant:
    store = SqliteStore(data_dir / "registry-only.sqlite3")
    tenant = TenantRegistry(store).get("561")
    store.close()
    assert tenant is not None
    return tenant


def _cpr(i: int) -> str:
    return f"{i + 1:02d}0190{4000 + i:04d}"


def create_claims(base_url: str, tenant: Tenant) -> None:
    """1,000 claims: 10 debtors, one OpretDebitorkonto of 100 claims each."""
    kreditor = model.Kreditor(agency_id="DK-756100", kommunekode=tenant.kode)
    for d in range(N_DEBTORS):
        debitor = model.Debitor(cpr_nummer=_cpr(d), navn=f"Debitor {d}")
        claims = tuple(
            model.Fordring(
                fordring_id=f"R-{d}-{i}",
                fordring_type=model.FordringType.GEBYR,
                klassifikationskode="BIB-GEBYR",
                hovedstol=1000 + i,
                stiftelsesdato=date(2026, 1, 1),
                forfaldsdato=date(2026, 1, 1) + timedelta(days=14),
                sidste_rettidige_betalingsdato=date(2026, 1, 1) + timedelta(days=14),
                tekst="Gebyr",
                debitor=debitor,
                kreditor=kreditor,
            )
            for i in range(PER_DEBTOR)
        )
        msg = model.OpretDebitorkonto(debitor=debitor, kreditor=kreditor, fordringer=claims)
        r = requests.post(
            base_url + DEBITOR_REGISTRERING.path,
            data=soap.request_envelope(msg, sp_header(tenant)),
            timeout=30,
        )
        assert r.status_code == 200, r.text[:500]


def count_claims(base_url: str, tenant: Tenant) -> tuple[int, int]:
    """(claims, sum of principals) seen through DebitorForespoergsel, paging all accounts."""
    cursor, claims, total = None, 0, 0
    while True:
        msg = model.SoegDebitorkonti(kommunekode=tenant.kode, cursor=cursor, maks_antal=3)
        r = requests.post(
            base_url + DEBITOR_FORESPOERGSEL.path,
            data=soap.request_envelope(msg, sp_header(tenant, DEBITOR_FORESPOERGSEL.name)),
            timeout=30,
        )
        page = soap.read_response(r.content, model.SoegDebitorkontiSvar)
        for konto in page.debitorkonti:
            claims += len(konto.fordringer)
            total += sum(f.hovedstol for f in konto.fordringer)
        if page.naeste_cursor is None:
            return claims, total
        cursor = page.naeste_cursor


EXPECTED = (N_DEBTORS * PER_DEBTOR, N_DEBTORS * sum(1000 + i for i in range(PER_DEBTOR)))


def test_restart_in_process_keeps_every_claim(tmp_path: Path) -> None:
    tenant = _tenant(tmp_path)
    cfg = SimConfig(data_dir=tmp_path / "data")
    first = create_app(cfg)
    with ServerThread(first) as server:
        create_claims(server.base_url, tenant)
        assert count_claims(server.base_url, tenant) == EXPECTED
    simulator_of(first).close()

    second = create_app(cfg)
    with ServerThread(second) as server:
        assert count_claims(server.base_url, tenant) == EXPECTED
    assert simulator_of(second).stats()["claims"] == EXPECTED[0]
    simulator_of(second).close()


def _start(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "debitorsim.cli", "sim", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the server is listening (or the process died)
    assert line.startswith("listening on "), line
    return proc, line.split()[-1]


def test_restart_of_a_killed_process_keeps_every_claim(tmp_path: Path) -> None:
    tenant = _tenant(tmp_path)
    data_dir = tmp_path / "data"
    proc, base = _start(data_dir)
    try:
        create_claims(base, tenant)
    finally:
        proc.send_signal(signal.SIGKILL)  # no clean shutdown: committed means durable
        proc.wait(timeout=30)
    proc, base = _start(data_dir)
    try:
        assert count_claims(base, tenant) == EXPECTED
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
