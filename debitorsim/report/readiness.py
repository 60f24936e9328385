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

from debitorsim.report import timeline_svg
from oeir.identifiers import mask_cprs_in_text

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

SYSTEM_NAMES = {
    "opus": "KMD Opus",
    "prisme2015": "Fujitsu Prisme 2015",
    "prisme2009": "Fujitsu Prisme 2009",
    "eg": "EG ØS Indsigt",
}

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

    @property
    def ready(self) -> bool:
        """Ready: something ran, and nothing failed."""
        c = self.counts()
        return c["failed"] == 0 and c["passed"] > 0


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
    generated = generated or datetime.now(UTC)
    failures = [r for r in run.results.values() if r.get("outcome") == "failed"]
    skipped = [r for r in run.results.values() if r.get("outcome") == "skipped"]
    systems = [s for s in SYSTEM_NAMES if any(r.get("system") == s for r in run.results.values())]
    h: list[str] = [
        '<!DOCTYPE html><html lang="da"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title or 'Klar til go-live? FBS-debitorintegrationen')}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{_e(title or 'Klar til go-live? FBS-debitorintegrationen')}</h1>",
        f'<p class="meta">KLIK-scenarier kørt {generated:%d.%m.%Y kl. %H:%M} UTC'
        + (f" på {run.wall_seconds:.0f} sekunder".replace(".", ",") if run.wall_seconds else "")
        + ". Alle tider i rapporten er målt på testbedets virtuelle ur (dansk tid). "
        + (
            "Debitorsystemet er simuleret."
            if not run.sim_url
            else "Kørt mod et rigtigt debitorsystem."
        )
        + "</p>",
    ]
    # -- verdict -------------------------------------------------------------------------
    if run.ready:
        why = f"Alle {c['passed']} afprøvede scenarier er bestået."
        if skipped:
            why += f" {len(skipped)} scenarier blev ikke afprøvet (se nedenfor)."
        h.append(f'<div class="verdict klar"><strong>Klar</strong>{_e(why)}</div>')
    else:
        areas = sorted({r.get("feature", "?") for r in failures}, key=_area_order)
        why = (
            f"{len(failures)} af {c['passed'] + len(failures)} afprøvede scenarier fejlede, "
            f"inden for: {', '.join(areas)}."
            if failures
            else "Ingen scenarier blev afprøvet."
        )
        h.append(f'<div class="verdict ikke"><strong>Ikke klar</strong>{_e(why)}</div>')
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
        h.append("<h3>Ikke afprøvet</h3><ul>")
        reasons: dict[str, list[str]] = {}
        for r in skipped:
            reasons.setdefault(r.get("message", "ukendt"), []).append(r.get("scenario", ""))
        for reason, names in reasons.items():
            h.append(f"<li>{len(names)} scenarier: {_e(reason)}</li>")
        h.append("</ul>")
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
