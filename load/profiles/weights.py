"""How much traffic each municipality sends: the `national` profile's weights.

Two inputs, both data:

* **Size.** The repository holds no population figures, so `data/kommune_stoerrelse.csv`
  carries *approximate* populations in thousands (rounded, order of 2024). This is a
  documented assumption: only the relative size matters (fees scale with lenders), and
  the file can be replaced by Statistics Denmark's FOLK1A figures without code changes.
* **Debtor system.** The seed webinar's split is 64 KMD Opus / 10 Prisme 2015 /
  13 Prisme 2009 / 11 EG ØS Indsigt. Which municipality runs which system is public only
  for a few (Esbjerg: Prisme 2009, Kolding: Prisme 2015); when the simulator publishes
  its (configurable) assignment, `systems()` uses it, otherwise `illustrative_systems()`
  deals the rest out deterministically. The system decides which municipalities get
  payment-page traffic (only systems with a payment solution).
"""

from __future__ import annotations

import bisect
import csv
import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from oeir import kommuner

SIZES_FILE = Path(__file__).parent / "data" / "kommune_stoerrelse.csv"
TENANTS_FILE = Path(__file__).parent.parent / "simulators" / "data" / "tenants.csv"
"""The simulator's shipped municipality → system registry (read as data)."""

SEED_SPLIT: dict[str, int] = {"opus": 64, "prisme2015": 10, "prisme2009": 13, "eg": 11}
"""Municipalities per debtor system (seed webinar, 2021)."""
WITH_PAYMENT_SOLUTION = frozenset({"opus", "prisme2015"})
"""Systems that have a citizen payment solution (the others answer payment pages with 404)."""
_KNOWN = {"561": "prisme2009", "621": "prisme2015", "101": "opus"}


@cache
def sizes() -> dict[str, int]:
    """Approximate population in thousands, by municipality code (an assumption; see above)."""
    with SIZES_FILE.open(encoding="utf-8") as fh:
        return {
            r["kommunekode"]: int(r["indbyggere_tusinder"])
            for r in csv.DictReader(fh, delimiter=";")
        }


def illustrative_systems(split: Mapping[str, int] = SEED_SPLIT) -> dict[str, str]:
    """A deterministic municipality → system assignment that honours `split` and the known facts.

    Municipalities are dealt round-robin, largest first, to the systems with places left,
    so every system gets a mix of large and small municipalities.
    """
    left = dict(split)
    assignment: dict[str, str] = {}
    for kode, system in _KNOWN.items():
        assignment[kode] = system
        left[system] -= 1
    by_size = sorted(
        (k.kode for k in kommuner.alle() if k.kode not in assignment),
        key=lambda kode: (-sizes()[kode], kode),
    )
    cycle = itertools.cycle(sorted(split))
    for kode in by_size:
        system = next(s for s in cycle if left[s] > 0)
        assignment[kode] = system
        left[system] -= 1
    return assignment


def systems() -> dict[str, str]:
    """Municipality → debtor system: the simulator's shipped registry, else illustrative.

    The registry is read as data (`simulators/data/tenants.csv`), not imported: the load
    generator needs to know how the test bed is set up, as a tester would, without
    pulling the simulator's code into a gevent-patched process.
    """
    if not TENANTS_FILE.is_file():
        return illustrative_systems()
    with TENANTS_FILE.open(encoding="utf-8") as fh:
        rows = csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter=";")
        found = {r["kommunekode"]: r["system"] for r in rows}
    return found if len(found) == len(kommuner.alle()) else illustrative_systems()


@dataclass(frozen=True, slots=True)
class Weighted:
    """A municipality with its share of the traffic."""

    kommune: kommuner.Kommune
    system: str
    weight: float


def national(assignment: Mapping[str, str] | None = None) -> list[Weighted]:
    """All 98 municipalities with weights proportional to size; shares sum to 1."""
    assignment = assignment or systems()
    total = sum(sizes().values())
    return [Weighted(k, assignment[k.kode], sizes()[k.kode] / total) for k in kommuner.alle()]


def share_by_system(weighted: Sequence[Weighted]) -> dict[str, float]:
    """The traffic share each debtor system receives."""
    out: dict[str, float] = {}
    for w in weighted:
        out[w.system] = out.get(w.system, 0.0) + w.weight
    return out


class Picker:
    """Draws municipalities in proportion to their weights (cumulative table + bisect)."""

    def __init__(self, weighted: Sequence[Weighted], rng: random.Random | None = None) -> None:
        if not weighted:
            raise ValueError("no municipalities to pick from")
        self._items = list(weighted)
        self._cum = list(itertools.accumulate(w.weight for w in self._items))
        self._rng = rng or random.Random()

    def pick(self) -> Weighted:
        """One municipality, drawn by weight."""
        x = self._rng.random() * self._cum[-1]
        return self._items[min(bisect.bisect_right(self._cum, x), len(self._items) - 1)]

    def only(self, systems_wanted: frozenset[str]) -> Picker:
        """A picker over the municipalities whose system is in `systems_wanted`."""
        return Picker([w for w in self._items if w.system in systems_wanted], self._rng)
