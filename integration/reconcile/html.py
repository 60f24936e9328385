"""The reconciliation report as a readable HTML page (Danish)."""

from __future__ import annotations

from html import escape

from integration.reconcile.compare import Report
from oeir.dansk import kroner, status_name
from oeir.kommuner import by_kode

LABELS = {
    "missing_in_debtor": "Mangler i debitorsystemet",
    "missing_in_fbs": "Mangler i FBS",
    "amount_differs": "Beløb afviger",
    "status_differs": "Status afviger",
    "debtor_differs": "Debitor afviger",
}


def _kr(oere: object) -> str:
    return kroner(oere) if isinstance(oere, int) else ""


def municipality(kode: str) -> str:
    """``København Kommune (101)``; ``kommune 999`` for a code not in the register."""
    found = by_kode().get(kode)
    return f"{found.navn} Kommune ({kode})" if found else f"kommune {kode}"


def render_html(report: Report) -> str:
    """A standalone HTML page: summary per kind, then one row per difference."""
    counts = report.counts()
    summary = "".join(
        f"<tr><td>{escape(LABELS[k])}</td><td>{n}</td></tr>" for k, n in counts.items()
    )
    rows = []
    for d in report.differences:
        fbs, deb = d.fbs or {}, d.debtor or {}
        rows.append(
            "<tr>"
            f"<td>{escape(LABELS[d.kind])}</td><td>{escape(d.fordring_id)}</td>"
            f"<td>{escape(status_name(fbs.get('status', '–')))}</td>"
            f"<td>{_kr(fbs.get('remaining'))}</td>"
            f"<td>{escape(status_name(deb.get('status', '–')))}</td>"
            f"<td>{_kr(deb.get('remaining'))}</td>"
            f"<td>{escape(d.detail)}</td></tr>"
        )
    kommune = escape(municipality(report.kommunekode))
    verdict = (
        "<p class='ok'>Ingen afvigelser: FBS og debitorsystemet stemmer.</p>"
        if not report.differences
        else f"<p class='bad'>{len(report.differences)} afvigelse(r) fundet.</p>"
    )
    return f"""<!doctype html>
<html lang="da"><head><meta charset="utf-8">
<title>Afstemning, {kommune}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; }}
table {{ border-collapse: collapse; margin-bottom: 1.5rem; }}
td, th {{ border: 1px solid #bbb; padding: .3rem .6rem; text-align: left; }}
.ok {{ color: #176117; font-weight: bold; }} .bad {{ color: #a11; font-weight: bold; }}
</style></head><body>
<h1>Afstemning af fordringer – {kommune}</h1>
<p>Dannet {escape(report.generated_at)}. Fordringer i FBS: {report.fbs_claims};
i debitorsystemet: {report.debtor_claims}; stemmer: {report.matched}.</p>
{verdict}
<h2>Oversigt</h2>
<table><tr><th>Afvigelse</th><th>Antal</th></tr>{summary}</table>
<h2>Afvigelser</h2>
<table><tr><th>Art</th><th>Fordrings-id</th><th>Status i FBS</th><th>Rest i FBS</th>
<th>Status i debitorsystemet</th><th>Rest i debitorsystemet</th><th>Forklaring</th></tr>
{"".join(rows) or "<tr><td colspan='7'>Ingen.</td></tr>"}
</table></body></html>
"""
