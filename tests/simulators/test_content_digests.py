"""The content hashes stored in a database never change: a call id recorded before an
upgrade must still recognise its retry (`simulators.replay`), and a claim's stored payload
must still hash to the digest of the content it was created with (`simulators.ledger`).

The values below were taken from the code as it was when they were written: a change to
the serialisation that moves any of them breaks existing databases.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from dataclasses import asdict, fields, is_dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oeir import model
from oeir.faults import OeirFault
from simulators.clock import VirtualClock
from simulators.ledger import Ledger
from simulators.ledger.core import claim_payload, digest, payload_digest
from simulators.replay import content_digest
from simulators.store import SqliteStore
from tests.oeir import strategies

KREDITOR = model.Kreditor(agency_id="DK-710100", kommunekode="101")

FORDRING = model.Fordring(
    fordring_id="FBS-pin-1",
    fordring_type=model.FordringType.ERSTATNING,
    klassifikationskode="BIB-ERSTATNING",
    hovedstol=11100,
    stiftelsesdato=date(2026, 11, 14),
    forfaldsdato=date(2026, 11, 28),
    sidste_rettidige_betalingsdato=date(2026, 11, 28),
    periode=model.Periode(fra=date(2026, 10, 1), til=date(2026, 10, 31)),
    tekst='Erstatning for "Ærø" \\ bortkommet\tmateriale\n€',
    materialer=(
        model.Materiale(materialenummer="78707214", post_id="870970-basis:73855860"),
        model.Materiale(materialenummer="1", post_id="2"),
    ),
    skriftligt_anerkendt=True,
    debitor=model.Debitor(cpr_nummer="1012684877", navn="Søren Åberg-Øster"),
    kreditor=KREDITOR,
)

PAYLOAD = (
    '{"debitor": {"cpr_nummer": "1012684877", "cvr_nummer": null, "navn": "Søren Åberg-Øster"},'
    ' "fordring_id": "FBS-pin-1", "fordring_type": "Erstatning", "forfaldsdato": "2026-11-28",'
    ' "hovedstol": 11100, "klassifikationskode": "BIB-ERSTATNING",'
    ' "kreditor": {"agency_id": "DK-710100", "kommunekode": "101"},'
    ' "materialer": [{"materialenummer": "78707214", "post_id": "870970-basis:73855860"},'
    ' {"materialenummer": "1", "post_id": "2"}],'
    ' "periode": {"fra": "2026-10-01", "til": "2026-10-31"},'
    ' "sidste_rettidige_betalingsdato": "2026-11-28", "skriftligt_anerkendt": true,'
    ' "stiftelsesdato": "2026-11-14",'
    ' "tekst": "Erstatning for \\"Ærø\\" \\\\ bortkommet\\tmateriale\\n€"}'
)
"""The claims row's payload column for `FORDRING`, as stored."""

CLAIM_DIGEST = "15ee6c5d541779690ac4ed3fb9bdd8cbc410cf15dd33b2bcf5e8a208681d7871"


def test_a_call_ids_content_hash_is_the_one_stored_before() -> None:
    assert content_digest("OpretFordring", model.OpretFordring(fordring=FORDRING)) == (
        "0e399af430eb7616e8af8cdb94e775bc5b7a0abd4b31a265cb48cf54d3c147b4"
    )
    nedskriv = model.NedskrivFordring(
        kreditor=KREDITOR,
        fordring_id="FBS-pin-1",
        nedskrivning_id="N-1",
        beloeb=500,
        aarsag=model.NedskrivningAarsag.DELVIS_AFLEVERING,
    )
    assert content_digest("NedskrivFordring", nedskriv) == (
        "f8ee347db19359ceb5145eed1b0a6f710cca7b761dc88448259b55f009a8b083"
    )


def _stored_payload(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        (payload,) = conn.execute("SELECT payload FROM claims").fetchone()
    return str(payload)


def test_a_claims_hash_and_stored_payload_are_the_ones_stored_before(tmp_path: Path) -> None:
    assert digest(FORDRING) == CLAIM_DIGEST
    assert claim_payload(FORDRING) == PAYLOAD
    assert payload_digest(PAYLOAD) == CLAIM_DIGEST
    store = SqliteStore(tmp_path / "sim.sqlite3", synchronous="OFF")
    try:
        Ledger(store, VirtualClock()).opret_fordring(FORDRING)
    finally:
        store.close()
    assert _stored_payload(tmp_path / "sim.sqlite3") == PAYLOAD


NOT_CANONICAL = json.dumps(dict(reversed(json.loads(PAYLOAD).items())), ensure_ascii=True)
"""`PAYLOAD`'s content in other JSON: keys in reverse order, non-ASCII escaped."""


@pytest.mark.parametrize("stored", [PAYLOAD, NOT_CANONICAL], ids=["canonical", "not-canonical"])
def test_a_claim_stored_before_still_answers_its_retry(tmp_path: Path, stored: str) -> None:
    # A claims row as an older version may have written it: the retry is the same call.
    store = SqliteStore(tmp_path / "sim.sqlite3", synchronous="OFF")
    try:
        ledger = Ledger(store, VirtualClock())
        first = ledger.opret_fordring(FORDRING)
        with closing(sqlite3.connect(tmp_path / "sim.sqlite3")) as conn, conn:
            conn.execute("UPDATE claims SET payload = ?", (stored,))
        assert ledger.opret_fordring(FORDRING) == first
        other = replace(FORDRING, hovedstol=FORDRING.hovedstol + 1)
        with pytest.raises(OeirFault) as refused:
            ledger.opret_fordring(other)
        assert refused.value.kode == "FordringIdAlleredeBrugt"
    finally:
        store.close()


def _as_first_written(obj: object) -> str:
    """The content hash as it was first defined: `dataclasses.asdict`, canonical JSON."""
    plain = asdict(obj) if not isinstance(obj, dict) else obj  # type: ignore[call-overload]
    text = json.dumps(plain, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@settings(max_examples=300, deadline=None)
@given(st.one_of(list(strategies.STRATEGIES.values())))
def test_every_messages_hash_is_its_canonical_json_as_first_defined(message: object) -> None:
    assert digest(message) == _as_first_written(message)
    operation = type(message).__name__
    wrapped = {"operation": operation, "message": asdict(message)}  # type: ignore[call-overload]
    assert content_digest(operation, message) == _as_first_written(wrapped)


def test_no_message_holds_a_dict() -> None:
    # The canonical JSON sorts the keys of dataclasses only (`simulators.ledger.core`).
    held = [
        f"{cls.__name__}.{f.name}"
        for cls in vars(model).values()
        if isinstance(cls, type) and is_dataclass(cls)
        for f in fields(cls)
        if "dict" in str(f.type).lower() or "mapping" in str(f.type).lower()
    ]
    assert held == []


def test_a_new_claims_fordring_is_written_once_for_the_call_hash_and_the_payload() -> None:
    # The call's hash writes the Fordring inside the OpretFordring; the claim's payload is
    # that same text, not a second writing of it (`simulators.ledger.core._writer_of`).
    fordring = replace(FORDRING)
    content_digest("OpretFordring", model.OpretFordring(fordring=fordring))
    payload = claim_payload(fordring)
    assert payload == PAYLOAD and claim_payload(fordring) is payload
    other = replace(FORDRING, hovedstol=1)
    assert claim_payload(other) != PAYLOAD
    again = replace(FORDRING)
    assert claim_payload(again) == PAYLOAD and claim_payload(again) is not payload
    assert claim_payload(fordring) == PAYLOAD
