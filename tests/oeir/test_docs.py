"""docs/contract.md and docs/glossary.md stay in step with the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from oeir.faults import CATALOGUE
from oeir.services import SERVICES

DOCS = Path(__file__).resolve().parents[2] / "docs"
CONTRACT = (DOCS / "contract.md").read_text(encoding="utf-8")
GLOSSARY = (DOCS / "glossary.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("kode", list(CATALOGUE))
def test_every_fejlkode_is_in_the_contract_table(kode: str) -> None:
    d = CATALOGUE[kode]
    assert f"| `{d.kode}` | {d.faultcode} | {d.da} | {d.en} |" in CONTRACT


def test_contract_says_it_is_modelled_not_official() -> None:
    assert "It is *not* KOMBIT's official XSD/WSDL." in CONTRACT
    for public in ("SF1590_B_01", "SF1590_B_02", "SF1590_B_03", "RetFordringTilstand"):
        assert public in CONTRACT


def test_contract_lists_every_service_path_and_operation() -> None:
    for service in SERVICES.values():
        assert f"`{service.path}`" in CONTRACT
        for name, operation in service.operations.items():
            assert f"`{name}` → `{operation.response.__name__}`" in CONTRACT


def test_contract_explains_plugging_in_an_official_schema() -> None:
    for anchor in ("Schemas.load(directory)", "oeir/namespaces.py", "XML_NAMES"):
        assert anchor in CONTRACT


@pytest.mark.parametrize(
    "term",
    [
        "fordring",
        "delfordring",
        "debitorkonto",
        "dækning",
        "afskrivning",
        "nedskrivning",
        "nedregulering",
        "annullering",
        "hæfter",
        "skift hæfter",
        "hovedstol",
        "stiftelsesdato",
        "forfaldsdato",
        "sidste rettidige betalingsdato",
        "rykker",
        "rykkergebyr",
        "inddrivelse",
        "PSRM",
        "indbetalingskort",
        "betalingsløsning",
        "afstemning",
        "kommunekode",
        "serviceaftale",
        "KLIK",
        "ØiR",
        "FK-ØKO",
        "FBS",
        "SP",
        "hændelse",
        "postering",
        "kvittering",
        "betalingsmiddel",
    ],
)
def test_glossary_explains_each_term(term: str) -> None:
    assert f"**{term}**" in GLOSSARY or f"**{term.capitalize()}**" in GLOSSARY
