"""A claim's timeline as inline SVG: one lane per step, time running left to right.

Plain Python. The six steps of a claim's life (created, invoiced, paid, reported to
FBS, reminded, handed over) each get a lane, drawn even when the step has not
happened yet, so a reader sees what is still to come; anything else (write-down,
cancellation, reminder fee...) goes in the lane "Andet". A dashed line marks now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup, escape

from oeir.dansk import kroner
from simulators.timeline import STEPS

WIDTH = 820
LABEL_W = 190
RIGHT = 30
LANE_H = 30
TOP = 16
AXIS_H = 40
_LANE_OF = {"report_pending": "reported_to_fbs", "report_planned": "reported_to_fbs"}
_OTHER = "other"


def _at(step: dict[str, Any]) -> datetime:
    at = step["at"]
    return datetime.fromisoformat(at) if isinstance(at, str) else at


def _label(dt: datetime) -> str:
    return dt.strftime("%d.%m %H:%M")


def lanes(steps: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The lanes in drawing order with the steps in each."""
    by_lane: dict[str, list[dict[str, Any]]] = {s: [] for s in (*STEPS, _OTHER)}
    for step in steps:
        lane = _LANE_OF.get(step["step"], step["step"])
        by_lane[lane if lane in by_lane else _OTHER].append(step)
    return [(lane, items) for lane, items in by_lane.items() if lane != _OTHER or items]


def render(steps: list[dict[str, Any]], now: datetime, name: Callable[[str], str]) -> Markup:
    """The SVG markup (escaped, safe to embed) for `steps` as of `now`."""
    rows = lanes(steps)
    times = [_at(s) for s in steps]
    start = min([*times, now]) if times else now
    end = max([*times, now])
    if end - start < timedelta(hours=1):
        end = start + timedelta(hours=1)
    span = (end - start).total_seconds()
    plot_w = WIDTH - LABEL_W - RIGHT

    def x(dt: datetime) -> float:
        return round(LABEL_W + plot_w * (dt - start).total_seconds() / span, 1)

    height = TOP + LANE_H * len(rows) + AXIS_H
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tidslinje" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" aria-labelledby="tl-titel">',
        '<title id="tl-titel">Fordringens tidslinje</title>',
    ]
    for i, (lane, items) in enumerate(rows):
        y = TOP + LANE_H * i + LANE_H / 2
        label = "Andet" if lane == _OTHER else name(lane)
        happened = [i for i in items if i["step"] != "report_planned"]
        cls = "spor" if happened else "spor planlagt" if items else "spor tomt"
        out.append(f'<g class="{cls}" data-trin="{escape(lane)}">')
        out.append(
            f'<line x1="{LABEL_W}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" class="sporlinje"/>'
        )
        out.append(f'<text x="{LABEL_W - 10}" y="{y + 4}" text-anchor="end">{escape(label)}</text>')
        for step in items:
            at = _at(step)
            kind = {"report_pending": "venter", "report_planned": "planlagt"}.get(
                step["step"], "sket"
            )
            tip = f"{name(step['step'])}: {at.strftime('%d.%m.%Y %H:%M')}"
            if step.get("beloeb") is not None:
                tip += f" ({kroner(int(step['beloeb']))})"
            out.append(
                f'<circle cx="{x(at)}" cy="{y}" r="6" class="{kind}">'
                f"<title>{escape(tip)}</title></circle>"
            )
        if not items:
            out.append(f'<text x="{LABEL_W + 8}" y="{y + 4}" class="ikke">ikke sket endnu</text>')
        out.append("</g>")
    axis_y = TOP + LANE_H * len(rows) + 8
    out.append(
        f'<line x1="{LABEL_W}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}" class="akse"/>'
    )
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        at = start + (end - start) * frac
        tx = x(at)
        anchor = "start" if frac == 0 else "end" if frac == 1 else "middle"
        out.append(f'<line x1="{tx}" y1="{axis_y}" x2="{tx}" y2="{axis_y + 5}" class="akse"/>')
        out.append(
            f'<text x="{tx}" y="{axis_y + 20}" text-anchor="{anchor}" class="tick">'
            f"{escape(_label(at))}</text>"
        )
    nx = x(now)
    out.append(
        f'<line x1="{nx}" y1="{TOP - 8}" x2="{nx}" y2="{axis_y}" class="nu"/>'
        f'<text x="{nx}" y="{TOP - 6}" text-anchor="middle" class="nu-tekst">nu</text>'
    )
    out.append("</svg>")
    return Markup("".join(out))
