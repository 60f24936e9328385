"""An inline SVG of a claim's life: its steps on a time axis, and the span a patron was blocked."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any

STEP_NAMES = {
    "created": "Oprettet",
    "invoiced": "Faktureret",
    "citizen_paid": "Borgeren betaler",
    "paid": "Bogført",
    "reported_to_fbs": "FBS opdateret",
    "reminded": "Rykker",
    "handed_over": "Til PSRM",
}
STEP_COLOURS = {
    "created": "#44546a",
    "invoiced": "#44546a",
    "citizen_paid": "#1f7a3a",
    "paid": "#1f7a3a",
    "reported_to_fbs": "#1f5fa8",
    "reminded": "#b35900",
    "handed_over": "#8a1c1c",
}
WIDTH = 760
LANE_H = 92
LEFT = 20
RIGHT = 20


def _t(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _lane(lane: dict[str, Any], top: int) -> list[str]:
    first: dict[str, datetime] = {}
    for s in lane["steps"]:
        if s["step"] in STEP_NAMES:
            at = _t(s["at"])
            first[s["step"]] = min(at, first.get(s["step"], at))
    steps = sorted(({"step": k, "at": v} for k, v in first.items()), key=lambda s: s["at"])
    out = [
        f'<text x="{LEFT}" y="{top + 14}" font-size="13" font-weight="bold" '
        f'fill="#222">{escape(lane["label"])}</text>'
    ]
    if not steps:
        out.append(f'<text x="{LEFT}" y="{top + 40}" font-size="12">ingen data</text>')
        return out
    start = steps[0]["at"]
    end = max(s["at"] for s in steps)
    blocks = [
        (_t(b["started"]), _t(b["ended"]) if b.get("ended") else end)
        for b in lane.get("blocked", [])
    ]
    end = max([end, *[b[1] for b in blocks]])
    span = max((end - start) / timedelta(days=1), 1.0)
    usable = WIDTH - LEFT - RIGHT

    def x(at: datetime) -> float:
        return LEFT + usable * max(0.0, (at - start) / timedelta(days=1)) / span

    axis_y = top + 50
    out.append(
        f'<line x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}" '
        f'stroke="#999" stroke-width="1"/>'
    )
    step = 1 if span <= 14 else 7 if span <= 70 else 30
    day = 0
    while day <= span + 0.001:
        xd = LEFT + usable * day / span
        out.append(
            f'<line x1="{xd:.1f}" y1="{axis_y - 3}" x2="{xd:.1f}" y2="{axis_y + 3}" stroke="#999"/>'
            f'<text x="{xd:.1f}" y="{axis_y + 38}" font-size="9" fill="#666" '
            f'text-anchor="middle">dag {day}</text>'
        )
        day += step
    for b_start, b_end in blocks:
        x1, x2 = x(max(b_start, start)), x(b_end)
        out.append(
            f'<rect x="{x1:.1f}" y="{axis_y - 7}" width="{max(x2 - x1, 2):.1f}" height="14" '
            f'fill="#d9534f" fill-opacity="0.25" stroke="#d9534f"/>'
            f'<text x="{x1 + 3:.1f}" y="{axis_y - 10}" font-size="10" fill="#a02622">'
            f"spærret</text>"
        )
    for i, s in enumerate(steps):
        xs = x(s["at"])
        colour = STEP_COLOURS[s["step"]]
        label_y = axis_y + 18 if i % 2 == 0 else axis_y + 28
        anchor = "start" if xs < LEFT + 40 else "end" if xs > WIDTH - RIGHT - 40 else "middle"
        out.append(
            f'<circle cx="{xs:.1f}" cy="{axis_y}" r="5" fill="{colour}">'
            f"<title>{escape(STEP_NAMES[s['step']])}: {s['at']:%d.%m.%Y %H:%M}</title></circle>"
            f'<text x="{xs:.1f}" y="{label_y}" font-size="10" fill="{colour}" '
            f'text-anchor="{anchor}">{escape(STEP_NAMES[s["step"]])}</text>'
        )
    return out


def render(lanes: list[dict[str, Any]], title: str) -> str:
    """One SVG with a row per lane (each on its own day axis)."""
    height = max(1, len(lanes)) * LANE_H + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    if not lanes:
        parts.append('<text x="20" y="40" font-size="12">Ingen tidslinje målt.</text>')
    for i, lane in enumerate(lanes):
        parts.extend(_lane(lane, 5 + i * LANE_H))
    parts.append("</svg>")
    return "".join(parts)
