"""The four profiles side by side as a Markdown table (docs/profiles.md embeds it)."""

from __future__ import annotations

from typing import Any

from oeir.dansk import kroner
from simulators.profiles import SYSTEMS, Profile, all_builtin

ASSUMED_MARK = " †"


_MONEY = ("fee", "invoice_minimum")


def _cell(value: Any, key: str = "") -> str:
    if key.rsplit(".", 1)[-1] in _MONEY and isinstance(value, int):
        return kroner(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return f"`{value}`" if isinstance(value, str) else str(value)


def markdown(profiles: dict[str, Profile] | None = None) -> str:
    """One row per profile value, one column per system; † marks an assumption."""
    profiles = profiles or all_builtin()
    names = [profiles[k].name for k in SYSTEMS]
    lines = [
        f"| value | {' | '.join(names)} | basis |",
        f"|---|{'---|' * len(names)}---|",
    ]
    first = profiles[SYSTEMS[0]]
    for key, _ in first.leaves():
        cells = []
        for k in SYSTEMS:
            p = profiles[k]
            cells.append(_cell(p.value(key), key) + (ASSUMED_MARK if p.is_assumed(key) else ""))
        assumed = any(profiles[k].is_assumed(key) for k in SYSTEMS)
        basis = "assumed" if assumed else first.sources.get(key, "")
        lines.append(f"| `{key}` | {' | '.join(cells)} | {basis} |")
    return "\n".join(lines) + "\n"
