"""How much traffic each municipality sends: the `national` profile's weights.

Two inputs, both data:

* **Size.** The repository holds no population figures, so `data/kommune_stoerrelse.csv`
  carries *approximate* populations in thousands (rounded, order of 2024). This is a
  documented assumption: only the relative size matters (fees scale with lenders), and
  the file can be replaced by Statistics Denmark's FOLK1A figures without code changes.
* **Debtor system.** The seed webinar's split is 64 KMD Opus / 10 Prisme 2015 /
  13 Prisme 2009 / 11 EG ØS Indsigt. Which municipality runs which system is public only
  for a few (København: Opus, Esbjerg: Prisme 2009, Kolding: Prisme 2015); `systems()`
  asks the simulators' tenant registry (`simulators.tenants`) for its shipped assignment,
  and `illustrative_systems()` deals out a split around the public facts
  deterministically. The system decides which municipalities get payment-page traffic
  (only systems with a payment solution, as the profiles say).
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
from simulators import profiles, tenants

SIZES_FILE = Path(__file__).parent / "data" / "kommune_stoerrelse.csv"

SEED_SPLIT: dict[str, int] = {"opus": 64, "prisme2015": 10, "prisme2009": 13, "eg": 11}
"""Municipalities per debtor system (seed webinar, 2021): a count the webinar gave, not
the system list (that is `simulators.profiles.SYSTEMS`)."""
WITH_PAYMENT_SOLUTION = profiles.with_payment_solution()
"""Systems that have a citizen payment solution (the others answer payment pages with 404)."""


def _public() -> dict[str, str]:
    """The assignments that are public facts, from the simulators' registry."""
    return {
        a.kommunekode: a.system
        for a in tenants.shipped_assignments().values()
        if not a.illustrative
    }


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
    for kode, system in _public().items():
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
    """Municipality → debtor system: the simulators' shipped registry, else illustrative.

    Asked of `simulators.tenants`, the registry the simulated Serviceplatformen routes by
    (its shipped assignment, before any override). That module and `simulators.profiles`
    import no Flask and no app, so the gevent-patched Locust process loads only data code.
    """
    found = {kode: a.system for kode, a in tenants.shipped_assignments().items()}
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
