"""The dashboard's plain-Python parts: the message shown with errors in place, the SVG, the bench."""

from __future__ import annotations

from datetime import datetime, timedelta

from load.bench import dashboard as bench_dashboard
from oeir import model, soap
from oeir.identifiers import mask_cpr
from oeir.kommuner import by_kode
from simulators.clock import TZ
from simulators.tenants import build_tenant
from simulators.web.dashboard import message as dashboard_message
from simulators.web.dashboard import svg as dashboard_svg
from simulators.web.dashboard.faults import rule_from_form
from simulators.web.dashboard.formatting import kroner, step_name, tid
from simulators.web.dashboard.overview import next_nightly
from tests.dashboard.conftest import SECRET_CPR
from tests.simulators.conftest import sp_header
from tests.simulators.helpers import fordring


def _envelope(**replace: bytes) -> str:
    tenant = build_tenant(by_kode()["147"], {})
    msg = model.OpretFordring(fordring=fordring("P-1", cpr=SECRET_CPR, kommunekode="147"))
    body = soap.request_envelope(msg, sp_header(tenant))
    for old, new in replace.items():
        body = body.replace(old.encode(), new)
    return body.decode()


def test_a_valid_message_is_pretty_printed_masked_and_has_no_errors() -> None:
    shown = dashboard_message.show(_envelope())
    assert shown.pretty and len(shown.lines) > 20
    assert shown.error_lines == [] and shown.unplaced == []
    text = "\n".join(line.text for line in shown.lines)
    assert SECRET_CPR not in text and mask_cpr(SECRET_CPR) in text
    assert any(line.text.strip() == "<o:FordringId>P-1</o:FordringId>" for line in shown.lines)


def test_every_schema_error_lands_on_its_own_line() -> None:
    message = _envelope(
        **{
            "<o:Hovedstol>50.00</o:Hovedstol>": b"<o:Hovedstol>x</o:Hovedstol>",
            "<o:Forfaldsdato>2026-01-19</o:Forfaldsdato>": b"<o:Forfaldsdato>i morgen</o:Forfaldsdato>",
        }
    )
    shown = dashboard_message.show(message)
    marked = {n: shown.lines[n - 1] for n in shown.error_lines}
    assert len(marked) == 2
    texts = sorted(line.text.strip() for line in marked.values())
    assert texts == [
        "<o:Forfaldsdato>i morgen</o:Forfaldsdato>",
        "<o:Hovedstol>x</o:Hovedstol>",
    ]


def test_a_business_rule_fault_is_placed_by_its_field() -> None:
    shown = dashboard_message.show(
        _envelope(**{"<o:Hovedstol>50.00</o:Hovedstol>": b"<o:Hovedstol>-5</o:Hovedstol>"}),
        felt="Fordring/Hovedstol",
        fault_text="BeloebIkkePositivt",
    )
    assert len(shown.error_lines) == 1
    line = shown.lines[shown.error_lines[0] - 1]
    assert "Hovedstol>-5<" in line.text
    assert line.errors == ["Fordring/Hovedstol: BeloebIkkePositivt"]
    # A field the message does not hold is still told, above the message.
    shown = dashboard_message.show(_envelope(), felt="Fordring/Findesikke", fault_text="X")
    assert shown.error_lines == [] and shown.unplaced == ["Fordring/Findesikke: X"]


def test_a_message_that_is_not_xml_is_shown_as_received() -> None:
    shown = dashboard_message.show(f"linje et\n<ikke xml {SECRET_CPR}\n")
    assert not shown.pretty
    assert shown.lines[0].text == "linje et"
    assert SECRET_CPR not in shown.lines[1].text
    assert shown.error_lines or shown.unplaced


def test_timeline_svg_has_six_lanes_and_marks_now() -> None:
    t0 = datetime(2026, 1, 5, 8, 0, tzinfo=TZ)
    steps = [
        {"step": "created", "at": t0.isoformat(), "beloeb": 4500},
        {"step": "paid", "at": (t0 + timedelta(days=1)).isoformat(), "beloeb": 4500},
        {"step": "written_down", "at": (t0 + timedelta(hours=3)).isoformat(), "beloeb": 500},
    ]
    svg = str(dashboard_svg.render(steps, t0 + timedelta(days=2), step_name))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('<g class="spor"') == 3  # created, paid, and "Andet" for the write-down
    assert svg.count('<g class="spor tomt"') == 4
    assert ">Andet<" in svg and "Nedskrevet: 05.01.2026 11:00 (5,00 kr.)" in svg
    assert 'class="nu"' in svg
    # The write-down lies a sixteenth of the way between creation and now.
    xs = [float(p.split('"')[1]) for p in svg.split("<circle cx=")[1:]]
    assert xs[0] < xs[2] < xs[1]


def test_formatting_and_the_fault_form() -> None:
    assert kroner(123456) == "1.234,56 kr." and kroner(-5) == "-0,05 kr."
    assert tid("2026-01-05T08:00:00+01:00") == "man. 05.01.2026 08:00"
    assert rule_from_form(_Form(kind="latency", fixed_ms="250", count="3", kommunekode="")) == {
        "kind": "latency",
        "fixed_ms": 250.0,
        "count": 3,
    }
    assert rule_from_form(
        _Form(kind="maintenance", start="22:00", end="06:00", weekdays=["5", "6"])
    ) == {"kind": "maintenance", "start": "22:00", "end": "06:00", "weekdays": [5, 6]}


def test_next_nightly_is_the_earliest_run_of_any_system() -> None:
    opus = build_tenant(by_kode()["147"], {})
    late = build_tenant(by_kode()["151"], {"profile": {"callbacks.time": "04:00"}})
    realtime = build_tenant(by_kode()["155"], {"profile": {"callbacks.mode": "realtime"}})
    friday = datetime(2026, 1, 9, 12, 0, tzinfo=TZ)
    found = next_nightly([late, realtime, opus], friday)
    assert found is not None
    at, who = found
    # Friday's run (02:00 in the small hours after it) beats the 04:00 system's.
    assert at == datetime(2026, 1, 10, 2, 0, tzinfo=TZ)
    assert [t.kode for t in who] == ["147"]
    assert next_nightly([realtime], friday) is None


def test_bench_runs_small() -> None:
    out = bench_dashboard.run(claims=40, iterations=2, journal=20)
    assert out["store"]["claims"] == 40
    assert len(out["pages"]) == 13 and all(p["bytes"] > 1000 for p in out["pages"])


class _Form(dict[str, object]):
    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        return super().get(key, default)

    def getlist(self, key: str) -> list[str]:
        value = super().get(key, [])
        return value if isinstance(value, list) else [str(value)]
