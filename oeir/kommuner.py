"""The 98 Danish municipalities and the identifiers Serviceplatformen calls carry.

Shared reference data for both sides. The municipality codes and names are
real (`data/kommuner.csv`). Their CVR numbers and all UUIDs here are *test*
values: generated, valid (CVR modulus 11) and deterministic, never the real
ones, so that every test bed derives the same values without a lookup.
"""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from oeir.identifiers import valid_cvr

_DATA = Path(__file__).parent / "data" / "kommuner.csv"
_NS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:debitorsim")

FBS_USER_SYSTEM_UUID = str(uuid.uuid5(_NS, "anvendersystem:FBS"))
"""UserSystemUUID of FBS (the sector system) on the simulated Serviceplatformen."""


@dataclass(frozen=True, slots=True)
class Kommune:
    """One municipality: code, name and its (test) CVR number."""

    kode: str
    navn: str
    cvr: str

    @property
    def service_agreement_uuid(self) -> str:
        """The (test) service agreement between FBS and this municipality's debtor system."""
        return _service_agreement_uuid(self.kode)


@cache
def _service_agreement_uuid(kode: str) -> str:
    return str(uuid.uuid5(_NS, f"serviceaftale:{kode}"))


def test_cvr(kode: str) -> str:
    """A deterministic, valid test CVR number for municipality `kode`."""
    candidate = 30_000_000 + int(kode) * 1_000
    while not valid_cvr(str(candidate)):
        candidate += 1
    return str(candidate)


test_cvr.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def service_uuid(service_name: str) -> str:
    """The (test) ServiceUUID of one SF1590_B service."""
    return str(uuid.uuid5(_NS, f"service:{service_name}"))


@cache
def alle() -> tuple[Kommune, ...]:
    """All 98 municipalities, in the order of `data/kommuner.csv`."""
    with _DATA.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    return tuple(Kommune(r["kommunekode"], r["navn"], test_cvr(r["kommunekode"])) for r in rows)


@cache
def by_kode() -> dict[str, Kommune]:
    """Municipalities by their three-digit code."""
    return {k.kode: k for k in alle()}


@cache
def by_cvr() -> dict[str, Kommune]:
    """Municipalities by their (test) CVR number."""
    return {k.cvr: k for k in alle()}
