"""``readiness.html``: is the municipality ready, and what will its citizens experience?

Built from what a scenario run leaves in its report directory: ``results.json`` (every
scenario with its KLIK area, system, outcome and failure reason) and ``measurements.json``
(figures and timelines measured on the virtual clock). Self-contained HTML in Danish: no
scripts, no external assets; CPR numbers are masked before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from debitorsim.report import timeline_svg
from oeir.identifiers import mask_cprs_in_text
from oeir.kommuner import by_kode
from simulators import profiles

DANISH_TIME = ZoneInfo("Europe/Copenhagen")

AREAS = (
    "Dannelse af fordring",
    "Opdatering af fordring",
    "Opkrævning og betaling",
    "Forsinkede opdateringer",
    "Rykkere og inddrivelse",
    "Afstemning",
    "Drift og fejl",
)
"""The KLIK workflow steps and known challenges, in the order a project manager reads them."""

SYSTEM_NAMES = profiles.names()
"""Each debtor system's name by key, in the seed's order (from the shipped profiles)."""

FIGURES = (
    ("betalingsvej", "Sådan betaler borgeren", None),
    ("betaling_til_fbs_timer", "Fra betaling (lørdag kl. 9) til FBS er opdateret", "timer"),
    ("spaerret_efter_betaling_timer", "Låneren er spærret efter at have betalt", "timer"),
    ("dage_til_rykker", "Fra gebyret oprettes til rykkeren", "dage"),
    ("dage_til_overdragelse", "Fra kravet oprettes til overdragelse til inddrivelse", "dage"),
)

OUTCOME_DA = {"passed": "bestået", "failed": "fejlet", "skipped": "ikke afprøvet"}


@dataclass
class Run:
    """What one scenario run produced."""

    results: dict[str, dict[str, Any]]
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    timelines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    kommuner: dict[str, str] = field(default_factory=dict)
    sim_url: str | None = None
    wall_seconds: float | None = None

    def counts(self) -> dict[str, int]:
        """Scenarios per outcome."""
        out = {"passed": 0, "failed": 0, "skipped": 0}
        for r in self.results.values():
            out[r.get("outcome", "failed")] = out.get(r.get("outcome", "failed"), 0) + 1
        return out

    def counts_of(self, system: str | None) -> dict[str, int]:
        """Scenarios per outcome of one system (None: the system-neutral scenarios)."""
        out = {"passed": 0, "failed": 0, "skipped": 0}
        for r in self.results.values():
            if r.get("system") == system:
                outcome = r.get("outcome", "failed")
                out[outcome] = out.get(outcome, 0) + 1
        return out

    @property
    def verdict(self) -> str:
        """``ready`` (something passed, nothing failed), ``not_ready`` or ``not_tested``."""
        return verdict_of(self.counts())

    @property
    def ready(self) -> bool:
        """Ready for what was tested: something passed, and nothing failed."""
        return self.verdict == "ready"


VERDICT_DA = {
    "ready": ("Klar (for de testede scenarier)", "klar"),
    "not_ready": ("Ikke klar", "ikke"),
    "not_tested": ("Ikke testet", "utestet"),
}
"""A verdict's Danish wording and CSS class. »Klar« always says what it covers."""


def verdict_of(counts: dict[str, int]) -> str:
    """The verdict of a set of outcomes: anything failed is not ready; nothing passed is untested."""
    if counts.get("failed", 0):
        return "not_ready"
    if not counts.get("passed", 0):
        return "not_tested"
    return "ready"


def municipality_name(kode: str | None) -> str:
    """``København (101)`` for a kommunekode; the code alone when unknown."""
    if not kode:
        return "ingen kommune angivet"
    found = by_kode().get(kode)
    return f"{found.navn} ({kode})" if found else f"kommune {kode}"


def system_under_test(sim_url: str | None) -> str:
    """What the scenarios ran against: debitorsim's own simulators, or the given endpoint."""
    if not sim_url:
        return (
            "debitorsims egne simulerede debitorsystemer og egen integrationskerne "
            "(intet rigtigt debitorsystem er afprøvet)"
        )
    parts = urlsplit(sim_url)
    if parts.username or parts.password:  # never print credentials given in the URL
        host = parts.hostname or ""
        sim_url = parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host).geturl()
    return f"debitorsystemet på {sim_url} (angivet med --sim-url); kontrolscenarier springes over"


def load_run(directory: Path, wall_seconds: float | None = None) -> Run:
    """Read ``results.json`` and ``measurements.json`` from a report directory."""
    data = json.loads((directory / "results.json").read_text(encoding="utf-8"))
    m_path = directory / "measurements.json"
    measured = json.loads(m_path.read_text(encoding="utf-8")) if m_path.exists() else {}
    settings = data.get("settings", {})
    return Run(
        results=data.get("results", {}),
        figures=measured.get("figures", {}),
        timelines=measured.get("timelines", {}),
        kommuner=settings.get("kommuner", {}),
        sim_url=settings.get("sim_url"),
        wall_seconds=wall_seconds,
    )


def _e(text: Any) -> str:
    return escape(mask_cprs_in_text(str(text)))


def _figure(value: Any, unit: str | None) -> str:
    if value is None:
        return '<span class="na">ikke målt</span>'
    if unit == "timer":
        hours = float(value)
        days, rest = divmod(hours, 24)
        extra = f" ({int(days)} døgn og {rest:.0f} t)" if days >= 1 else ""
        return f"{hours:.1f}".replace(".", ",") + f" timer{extra}"
    if unit == "dage":
        return f"{float(value):.0f} dage"
    return _e(value)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem auto;
max-width:62rem;color:#1d1d1d;line-height:1.45;padding:0 1rem}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #ddd}
.verdict{padding:1rem 1.3rem;border-radius:8px;font-size:1.15rem;margin:1.2rem 0}
.klar{background:#e3f4e8;border:2px solid #1f7a3a}.ikke{background:#fbe6e5;border:2px solid #a02622}
.utestet{background:#f1f1f1;border:2px dashed #777}.v-klar{color:#1f7a3a}.v-ikke{color:#a02622;
font-weight:bold}.v-utestet{color:#555;font-style:italic}
dl.om{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.4rem 0}
dl.om dt{color:#555}dl.om dd{margin:0}
.verdict strong{font-size:1.5rem;display:block}
table{border-collapse:collapse;width:100%;margin:.6rem 0}th,td{text-align:left;padding:.4rem .6rem;
border-bottom:1px solid #e2e2e2;vertical-align:top}th{background:#f4f4f4}
.ok{color:#1f7a3a;font-weight:bold}.fejl{color:#a02622;font-weight:bold}.skip{color:#8a6d00}
.na{color:#888}.meta{color:#555;font-size:.9rem}.failure{margin:.3rem 0 .8rem 0}
.failure .why{display:block;color:#333}.system{margin:1.4rem 0}svg{max-width:100%;height:auto}
"""


def render(run: Run, *, generated: datetime | None = None, title: str | None = None) -> str:
    """The report as one self-contained HTML page."""
    c = run.counts()
    generated = (generated or datetime.now(UTC)).astimezone(DANISH_TIME)
    failures = [r for r in run.results.values() if r.get("outcome") == "failed"]
    skipped = [r for r in run.results.values() if r.get("outcome") == "skipped"]
    systems = [s for s in SYSTEM_NAMES if any(r.get("system") == s for r in run.results.values())]
    heading = title or "Klar til go-live? FBS-debitorintegrationen"
    h: list[str] = [
        '<!DOCTYPE html><html lang="da"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(heading)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{_e(heading)}</h1>",
        '<dl class="om" id="om-koerslen">',
        f'<dt>Kørt</dt><dd id="koert">{generated:%d.%m.%Y kl. %H:%M} (dansk tid)'
        + (f", {run.wall_seconds:.0f} sekunder".replace(".", ",") if run.wall_seconds else "")
        + "</dd>",
        f'<dt>System under test</dt><dd id="under-test">{_e(system_under_test(run.sim_url))}</dd>',
        "<dt>Kommuner</dt><dd>"
        + _e(
            ", ".join(
                f"{municipality_name(run.kommuner.get(s))} på {SYSTEM_NAMES[s]}" for s in systems
            )
            or "ingen"
        )
        + "</dd></dl>",
        '<p class="meta">Alle tider i scenarierne er målt på testbedets virtuelle ur '
        "(dansk tid).</p>",
    ]
    # -- verdict -------------------------------------------------------------------------
    label, css = VERDICT_DA[run.verdict]
    if run.verdict == "ready":
        why = f"Alle {c['passed']} afprøvede scenarier er bestået. Dommen gælder kun dem."
        if skipped:
            why += f" {len(skipped)} scenarier blev ikke afprøvet (se nedenfor)."
    elif run.verdict == "not_ready":
        areas = sorted({r.get("feature", "?") for r in failures}, key=_area_order)
        why = (
            f"{len(failures)} af {c['passed'] + len(failures)} afprøvede scenarier fejlede, "
            f"inden for: {', '.join(areas)}."
        )
    else:
        why = "Ingen scenarier blev afprøvet og bestået, så intet kan siges om systemet."
    untested = [s for s in SYSTEM_NAMES if s not in systems]
    if untested:
        why += " Ikke med i kørslen: " + ", ".join(SYSTEM_NAMES[s] for s in untested) + "."
    h.append(f'<div class="verdict {css}" id="dom"><strong>{_e(label)}</strong>{_e(why)}</div>')
    # -- per system ----------------------------------------------------------------------------
    h.append(
        '<h2>Resultat pr. system</h2><table id="systemer"><tr><th>System</th><th>Kommune</th>'
        "<th>Bestået</th><th>Fejlet</th><th>Ikke afprøvet</th><th>Vurdering</th></tr>"
    )
    rows: list[tuple[str | None, str, str]] = [
        (s, SYSTEM_NAMES[s], municipality_name(run.kommuner.get(s))) for s in SYSTEM_NAMES
    ]
    if any(r.get("system") is None for r in run.results.values()):
        rows.append((None, "Systemuafhængige scenarier", "–"))
    for key, name, kommune in rows:
        n = run.counts_of(key)
        system_label, system_css = VERDICT_DA[verdict_of(n)]
        if key in untested:
            system_label += " (ikke med i kørslen)"
            kommune = "–"
        h.append(
            f'<tr data-system="{_e(key or "")}"><td>{_e(name)}</td><td>{_e(kommune)}</td>'
            f'<td class="{"ok" if n["passed"] else ""}">{n["passed"]}</td><td class="{"fejl" if n["failed"] else ""}">'
            f'{n["failed"]}</td><td class="{"skip" if n["skipped"] else ""}">{n["skipped"]}</td>'
            f'<td class="v-{system_css}">{_e(system_label)}</td></tr>'
        )
    h.append("</table>")
    # -- per KLIK area -------------------------------------------------------------------------
    h.append(
        "<h2>Resultat pr. KLIK-område</h2><table><tr><th>Område</th>"
        "<th>Bestået</th><th>Fejlet</th><th>Ikke afprøvet</th></tr>"
    )
    by_area: dict[str, list[dict[str, Any]]] = {}
    for r in run.results.values():
        by_area.setdefault(r.get("feature", "Andet"), []).append(r)
    for area in sorted(by_area, key=_area_order):
        rs = by_area[area]
        n = {k: sum(1 for r in rs if r.get("outcome") == k) for k in OUTCOME_DA}
        h.append(
            f'<tr><td>{_e(area)}</td><td class="ok">{n["passed"]}</td>'
            f'<td class="{"fejl" if n["failed"] else ""}">{n["failed"]}</td>'
            f'<td class="{"skip" if n["skipped"] else ""}">{n["skipped"]}</td></tr>'
        )
    h.append("</table>")
    if failures:
        h.append("<h3>Det der fejlede, og hvorfor</h3>")
        for r in sorted(
            failures, key=lambda r: (_area_order(r.get("feature", "")), r.get("scenario", ""))
        ):
            h.append(
                f'<div class="failure"><span class="fejl">{_e(r.get("feature", ""))}:</span> '
                f"{_e(r.get('scenario', ''))} ({_e(SYSTEM_NAMES.get(r.get('system') or '', 'alle systemer'))})"
                f'<span class="why">Trin: {_e(r.get("step", "?"))}</span>'
                f'<span class="why">Årsag: {_e(r.get("message", "ukendt"))}</span></div>'
            )
    if skipped:
        h.append("<h3>Ikke afprøvet, og hvorfor</h3><ul>")
        reasons: dict[str, list[str]] = {}
        for r in skipped:
            reasons.setdefault(r.get("message", "ukendt"), []).append(r.get("scenario", ""))
        for reason, names in reasons.items():
            h.append(f"<li>{len(names)} scenarier: {_e(reason)}</li>")
        h.append("</ul>")
    # -- every scenario ---------------------------------------------------------------------
    h.append(
        '<h2>Alle scenarier i kørslen</h2><table id="scenarier"><tr><th>Område</th>'
        "<th>Scenarie</th><th>System</th><th>Resultat</th><th>Bemærkning</th></tr>"
    )
    for r in sorted(
        run.results.values(),
        key=lambda r: (
            _area_order(r.get("feature", "")),
            r.get("scenario", ""),
            r.get("system") or "",
        ),
    ):
        outcome = r.get("outcome", "failed")
        css = {"passed": "ok", "failed": "fejl", "skipped": "skip"}.get(outcome, "fejl")
        note = r.get("message", "") if outcome != "passed" else ""
        h.append(
            f"<tr><td>{_e(r.get('feature', ''))}</td><td>{_e(r.get('scenario', ''))}</td>"
            f"<td>{_e(SYSTEM_NAMES.get(r.get('system') or '', 'alle systemer'))}</td>"
            f'<td class="{css}">{_e(OUTCOME_DA.get(outcome, outcome))}</td>'
            f"<td>{_e(note)}</td></tr>"
        )
    h.append("</table>")
    # -- citizen experience -----------------------------------------------------------------
    h.append("<h2>Det oplever borgerne</h2>")
    if systems:
        h.append("<table><tr><th></th>")
        for s in systems:
            kode = run.kommuner.get(s)
            h.append(
                f"<th>{_e(SYSTEM_NAMES[s])}"
                + (f'<br><span class="meta">kommune {_e(kode)}</span>' if kode else "")
                + "</th>"
            )
        h.append("</tr>")
        for key, label, unit in FIGURES:
            h.append(f"<tr><td>{_e(label)}</td>")
            for s in systems:
                h.append(f"<td>{_figure(run.figures.get(s, {}).get(key), unit)}</td>")
            h.append("</tr>")
        h.append("</table>")
        h.append(
            "<h3>En fordrings liv på hvert system</h3>"
            '<p class="meta">Øverst: et gebyr betalt lørdag, med den tid låneren stadig er '
            "spærret. Nederst: et erstatningskrav, der ikke bliver betalt og går til "
            "inddrivelse. Akserne er dage fra oprettelsen.</p>"
        )
        for s in systems:
            h.append(f'<div class="system"><h4>{_e(SYSTEM_NAMES[s])}</h4>')
            h.append(
                timeline_svg.render(run.timelines.get(s, []), f"Tidslinje for {SYSTEM_NAMES[s]}")
            )
            h.append("</div>")
    else:
        h.append("<p>Ingen systemer blev afprøvet.</p>")
    h.append(
        '<p class="meta">Tider og regler, der ikke er offentlige, er dokumenterede antagelser i '
        "simulatorens profiler (docs/profiles.md) og kan overskrives med kommunens egen "
        "konfiguration (debitorsim scenarios --config).</p></body></html>"
    )
    return mask_cprs_in_text("".join(h))


def _area_order(area: str) -> tuple[int, str]:
    return (AREAS.index(area) if area in AREAS else len(AREAS), area)


def write(directory: Path, wall_seconds: float | None = None, title: str | None = None) -> Path:
    """Render ``readiness.html`` into `directory` from the run's files there."""
    run = load_run(directory, wall_seconds)
    path = directory / "readiness.html"
    path.write_text(render(run, title=title), encoding="utf-8")
    return path
