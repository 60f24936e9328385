"""A CPR number in a name or free text, or written as XML character references, is shown masked.

The debtor's name and a claim's text are the caller's own words and may hold a
CPR number anywhere; a request may write one as ``&#48;101901234`` or split it
with a comment (``311270<!---->0042``), which an XML reader turns into plain
digits. The admin JSON, the dashboard pages and the journal must mask them all.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from oeir import model, soap
from oeir.faults import OeirFault
from oeir.identifiers import mask_cpr
from oeir.services import DEBITOR_REGISTRERING
from simulators import journal
from simulators.journal import mask_message
from simulators.ledger import check_invariant
from tests.conftest import Served
from tests.simulators.conftest import sp_header, tenant_for
from tests.simulators.helpers import fordring

DEBTOR = "2412629996"
IN_NAME = "1502851111"
IN_REFS = "0101901234"
IN_SPLIT = "3112700042"
IN_REASON = "1502803456"


def read_as_xml_would(text: str) -> str:
    """`text` with references decoded (twice: XML shown in HTML) and comments removed."""
    text = html.unescape(html.unescape(text))
    return re.sub(r"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[|\]\]>", "", text, flags=re.DOTALL)


def leaks(text: str) -> list[str]:
    """The test's CPR numbers found unmasked in `text` (plain or with a dash), as read."""
    text = read_as_xml_would(text)
    found = []
    for cpr in (DEBTOR, IN_NAME, IN_REFS, IN_SPLIT, IN_REASON):
        for form in (cpr, f"{cpr[:6]}-{cpr[6:]}"):
            if re.search(rf"(?<!\d){re.escape(form)}(?!\d)", text):
                found.append(form)
    return found


def _post(served: Served, envelope: bytes) -> bytes:
    r = requests.post(
        served.base_url + DEBITOR_REGISTRERING.path,
        data=envelope,
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return r.content


def test_cpr_in_names_free_text_and_character_references_is_masked_everywhere(
    served: Served,
) -> None:
    tenant = tenant_for(served.sim, "prisme2015")
    kode = tenant.kode
    claim = fordring("CPRTXT-1", kommunekode=kode, cpr=DEBTOR, tekst="Erstatning for REFS")
    claim = replace(claim, debitor=model.Debitor(cpr_nummer=DEBTOR, navn=f"Jens {IN_NAME} Hansen"))
    envelope = soap.request_envelope(model.OpretFordring(fordring=claim), sp_header(tenant))
    refs = "".join(f"&#{ord(c)};" if i % 3 == 0 else c for i, c in enumerate(IN_REFS))
    envelope = envelope.replace(b"REFS", refs.encode())
    assert IN_REFS.encode() not in envelope  # only character references reach the wire
    soap.read_response(_post(served, envelope), model.OpretFordringSvar)

    split = fordring("CPRTXT-2", kommunekode=kode, cpr=DEBTOR, tekst=f"Sag {IN_SPLIT}")
    envelope = soap.request_envelope(model.OpretFordring(fordring=split), sp_header(tenant))
    envelope = envelope.replace(IN_SPLIT.encode(), f"{IN_SPLIT[:6]}<!---->{IN_SPLIT[6:]}".encode())
    soap.read_response(_post(served, envelope), model.OpretFordringSvar)

    nedskriv = model.NedskrivFordring(
        kreditor=claim.kreditor,
        fordring_id="CPRTXT-1",
        nedskrivning_id="CPRTXT-N1",
        beloeb=1000,
        aarsag=model.NedskrivningAarsag.KULANCE,
        tekst=f"Fejl hos {IN_REASON[:6]}-{IN_REASON[6:]}",
    )
    soap.read_response(
        _post(served, soap.request_envelope(nedskriv, sp_header(tenant))),
        model.NedskrivFordringSvar,
    )

    # The values really are stored decoded (so the masking is tested, not the wire form).
    stored = served.sim.ledger.claim(kode, "CPRTXT-1")
    assert stored is not None and stored.tekst == f"Erstatning for {IN_REFS}"
    for fid in ("CPRTXT-1", "CPRTXT-2"):
        c = served.sim.ledger.claim(kode, fid)
        assert c is not None
        assert check_invariant(c, served.sim.ledger.events(kommunekode=kode, limit=10_000)) == []

    base = served.base_url
    outputs: dict[str, str] = {}
    with requests.Session() as http:

        def get(path: str) -> requests.Response:
            r = http.get(base + path, timeout=30)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
            outputs[path] = r.text
            return r

        accounts = get(f"/admin/accounts?kommunekode={kode}").json()["accounts"]
        nummer = next(a["nummer"] for a in accounts if a["debitor"]["cpr"] == mask_cpr(DEBTOR))
        get(f"/admin/accounts/{nummer}")
        r = http.post(f"{base}/admin/accounts/search", json={"debitor": DEBTOR}, timeout=30)
        outputs["/admin/accounts/search"] = r.text
        for fid in ("CPRTXT-1", "CPRTXT-2"):
            get(f"/admin/claims/{kode}/{fid}")
            get(f"/admin/claims/{kode}/{fid}/timeline")
            get(f"/kommuner/{kode}/fordringer/{fid}")
        get("/admin/events?limit=1000")
        journal = get(f"/admin/journal?kommunekode={kode}&limit=1000").json()["entries"]
        get(f"/kommuner/{kode}")
        get(f"/kommuner/{kode}?vis=konti")
        get(f"/journal?kommunekode={kode}")
        for entry in journal[:10]:
            get(f"/journal/{entry['id']}")

    leaked = {path: leaks(text) for path, text in outputs.items() if leaks(text)}
    assert leaked == {}
    everything = "".join(outputs.values())
    # The data is there, masked (so an empty page cannot pass).
    for cpr in (IN_NAME, IN_REFS, IN_SPLIT, IN_REASON):
        assert mask_cpr(cpr) in everything, cpr
    assert f"Jens {mask_cpr(IN_NAME)} Hansen" in outputs[f"/admin/accounts/{nummer}"]
    assert f"Erstatning for {mask_cpr(IN_REFS)}" in outputs[f"/admin/claims/{kode}/CPRTXT-1"]
    assert f"Erstatning for {mask_cpr(IN_REFS)}" in outputs[f"/kommuner/{kode}/fordringer/CPRTXT-1"]


def test_the_journal_masks_a_cpr_in_every_form_an_xml_reader_decodes() -> None:
    forms = (
        "&#48;101901234",
        "&#x30;&#x31;01901234",
        "&#0048;1019012&#51;4",
        "010190<!---->1234",
        "0101<?pi x?>90-<!-- a --><!--b-->1234",
        "0101<![CDATA[90]]>1234",
    )
    for form in forms:
        masked = mask_message(f"<o:Tekst>Sag {form}</o:Tekst>")
        assert masked == "<o:Tekst>Sag 010190-****</o:Tekst>", form
    # Not digits: left as they were (a reference to "<" stays a reference).
    assert mask_message("<a>&#60;&#x2F;a&#62;</a>") == "<a>&#60;&#x2F;a&#62;</a>"


def test_a_mistyped_cpr_refused_by_the_schema_is_not_repeated_in_the_fault_or_journal(
    served: Served,
) -> None:
    # 11 or 9 digits: no CPR mask recognises them afterwards, but they are a CPR number
    # with a typo, and libxml2's message repeats the value.
    tenant = tenant_for(served.sim, "opus")
    for typo in (DEBTOR + "5", DEBTOR[:9]):
        claim = fordring(f"TYPO-{len(typo)}", kommunekode=tenant.kode, cpr=DEBTOR)
        envelope = soap.request_envelope(model.OpretFordring(fordring=claim), sp_header(tenant))
        envelope = envelope.replace(DEBTOR.encode(), typo.encode())
        r = requests.post(
            served.base_url + DEBITOR_REGISTRERING.path,
            data=envelope,
            headers={"Content-Type": "text/xml; charset=utf-8"},
            timeout=10,
        )
        with pytest.raises(OeirFault) as refused:
            soap.read_response(r.content, model.OpretFordringSvar)
        assert refused.value.kode == "SkemaValideringFejlet", r.text
        assert DEBTOR[:9] not in r.text
    served.sim.journal.flush()
    journal = requests.get(served.base_url + "/admin/journal?limit=50", timeout=10).text
    assert DEBTOR[:9] not in read_as_xml_would(journal)


_PIECES = st.sampled_from(
    [
        "<",
        ">",
        "</",
        ":",
        "o:",
        "a.b-c:",
        " ",
        'x="1"',
        "CPRNummer",
        "CPRNum",
        "<o:CPRNummer>",
        "0101901234",
        "1502851111",
        "æ",
        "<!-- -->",
        "\n",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=30))
def test_masking_cpr_elements_by_windows_matches_the_pattern_over_the_whole_text(
    pieces: list[str],
) -> None:
    """Trying the CPRNummer pattern only before each "CPRNummer" changes speed only."""
    text = "".join(pieces)
    whole = journal._CPR_ELEMENT.sub(
        lambda m: f"{m.group(1)}{m.group(2)[:6]}-****{m.group(3)}", text
    )
    assert journal.mask_cpr_elements(text) == whole


@pytest.mark.parametrize(
    "text",
    [
        "<o:CPRNummer>0101901234<o:CPRNummer>1502851111</o:CPRNummer>",
        "<CPRNummer:CPRNummer>0101901234</x>",
        "<o:CPRNummer <o:CPRNummer>0101901234</o:CPRNummer>",
        "<a:b:CPRNummer>0101901234</a:b:CPRNummer>",
        "<o:CPRNummer x='CPRNummer'>0101901234</o:CPRNummer>",
        "<o:CPRNummer>CPRNummer 0101901234</o:CPRNummer>",
        "<o:CPRNummer>0101901234",
        "CPRNummer<CPRNummer>0101901234<",
    ],
)
def test_masking_cpr_elements_at_the_edges(text: str) -> None:
    whole = journal._CPR_ELEMENT.sub(
        lambda m: f"{m.group(1)}{m.group(2)[:6]}-****{m.group(3)}", text
    )
    assert journal.mask_cpr_elements(text) == whole
