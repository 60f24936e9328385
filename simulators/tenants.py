"""The simulated Serviceplatformen's tenant registry: municipality -> debtor system -> profile.

The default assignment ships as `simulators/data/tenants.csv` (three public facts,
each with its source, the rest illustrative). On top of it come, in order: overrides from the
configuration, then overrides saved through the admin API (persisted in the
store). An override may change the system, any profile value, and the URL of
the municipality's FBS callback endpoint.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oeir import kommuner
from oeir.kommuner import Kommune
from simulators.profiles import SYSTEMS, Profile, ProfileError, builtin

if TYPE_CHECKING:  # only a type here: the registry reads the shipped data without a store
    from simulators.store.base import Store

DATA_FILE = Path(__file__).parent / "data" / "tenants.csv"
OVERRIDE_KEYS = frozenset({"system", "profile", "callback_url"})
PUBLIC, ILLUSTRATIVE = "offentlig", "illustrativ"
"""The two values of the data file's `basis` column."""


@dataclass(frozen=True, slots=True)
class Assignment:
    """A municipality's debtor system in the shipped registry, and whether that is public."""

    kommunekode: str
    system: str
    illustrative: bool
    source: str | None = None
    """Where the public fact is documented; None for an illustrative assignment."""


@dataclass(frozen=True, slots=True)
class Tenant:
    """One municipality on the simulated Serviceplatformen."""

    kommune: Kommune
    system: str
    profile: Profile
    illustrative: bool
    callback_url: str | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None
    """The public source of the assignment; None when it is illustrative or overridden."""

    @property
    def kode(self) -> str:
        """The three-digit municipality code."""
        return self.kommune.kode

    @property
    def cvr(self) -> str:
        """The (test) CVR number Serviceplatformen routes on."""
        return self.kommune.cvr

    @property
    def service_agreement_uuid(self) -> str:
        """The (test) service agreement FBS must present for this municipality."""
        return self.kommune.service_agreement_uuid

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view for the admin API."""
        return {
            "kommunekode": self.kode,
            "navn": self.kommune.navn,
            "cvr": self.cvr,
            "cvr_note": "test CVR: generated, valid (modulus 11), deterministic; not the real one",
            "system": self.system,
            "system_name": self.profile.name,
            "assignment": "illustrative" if self.illustrative else "public",
            "source": self.source,
            "service_agreement_uuid": self.service_agreement_uuid,
            "callback_url": self.callback_url,
            "payment_solution": self.profile.payment_solution,
            "overrides": dict(self.overrides),
        }


@cache
def shipped_assignments() -> dict[str, Assignment]:
    """The default registry from `data/tenants.csv`, by kommunekode.

    Every row must say its basis: `offentlig` with its source in `kilde`, or `illustrativ`.
    """
    with DATA_FILE.open(encoding="utf-8") as fh:
        rows = list(
            csv.DictReader((line for line in fh if not line.startswith("#")), delimiter=";")
        )
    out: dict[str, Assignment] = {}
    for r in rows:
        basis, kilde = r.get("basis"), (r.get("kilde") or "").strip()
        if basis not in (PUBLIC, ILLUSTRATIVE) or (basis == PUBLIC and kilde in ("", ILLUSTRATIVE)):
            raise ProfileError(
                f"{DATA_FILE.name}: kommune {r.get('kommunekode')}: basis must be {PUBLIC!r} "
                f"with its source in kilde, or {ILLUSTRATIVE!r}; got basis={basis!r} kilde={kilde!r}"
            )
        public = basis == PUBLIC
        out[r["kommunekode"]] = Assignment(
            r["kommunekode"], r["system"], not public, kilde if public else None
        )
    return out


def representative_kommuner() -> dict[str, str]:
    """One municipality per debtor system in the shipped registry, by system.

    The municipality whose system is a public fact where there is one (København for Opus,
    Kolding for Prisme 2015, Esbjerg for Prisme 2009), else the lowest code running it.
    """
    out: dict[str, str] = {}
    for system in SYSTEMS:
        running = sorted(
            (a for a in shipped_assignments().values() if a.system == system),
            key=lambda a: (a.illustrative, a.kommunekode),
        )
        if running:
            out[system] = running[0].kommunekode
    return out


def merge_overrides(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `patch` applied: profile values merge, a None value removes a key."""
    unknown = set(patch) - OVERRIDE_KEYS
    if unknown:
        raise ProfileError(f"unknown tenant field(s): {', '.join(sorted(unknown))}")
    out = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in base.items()}
    for key, value in patch.items():
        if key == "profile" and value is not None:
            if not isinstance(value, Mapping):
                raise ProfileError("profile must be an object of profile values")
            merged = dict(out.get("profile") or {})
            for pkey, pvalue in value.items():
                if pvalue is None:
                    merged.pop(pkey, None)
                else:
                    merged[pkey] = pvalue
            out["profile"] = merged
        elif value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return {k: v for k, v in out.items() if v not in (None, {})}


def build_tenant(kommune: Kommune, overrides: Mapping[str, Any]) -> Tenant:
    """Resolve one municipality: shipped assignment, then `overrides`."""
    shipped = shipped_assignments()[kommune.kode]
    system = overrides.get("system", shipped.system)
    if system not in SYSTEMS:
        raise ProfileError(f"unknown system {system!r}; one of {', '.join(SYSTEMS)}")
    callback_url = overrides.get("callback_url")
    if callback_url is not None and not (
        isinstance(callback_url, str) and callback_url.startswith(("http://", "https://"))
    ):
        raise ProfileError("callback_url must be an http(s) URL")
    profile = builtin(system).with_overrides(overrides.get("profile") or {})
    return Tenant(
        kommune=kommune,
        system=system,
        profile=profile,
        illustrative=shipped.illustrative or "system" in overrides,
        callback_url=callback_url,
        overrides=dict(overrides),
        source=None if "system" in overrides else shipped.source,
    )


class TenantRegistry:
    """All 98 municipalities, resolved with config and persisted overrides."""

    def __init__(
        self, store: Store, config_overrides: Mapping[str, Mapping[str, Any]] | None = None
    ):
        self.store = store
        self.config_overrides = {k: dict(v) for k, v in (config_overrides or {}).items()}
        unknown = set(self.config_overrides) - set(kommuner.by_kode())
        if unknown:
            raise ProfileError(f"unknown municipality code(s): {', '.join(sorted(unknown))}")
        self._lock = threading.Lock()
        self._tenants: dict[str, Tenant] = {}
        self.reload()

    def _overrides(self, kode: str, saved: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        return merge_overrides(self.config_overrides.get(kode, {}), saved.get(kode, {}))

    def reload(self) -> None:
        """Re-read persisted overrides (after a reset, or another process's change)."""
        with self.store.read() as tx:
            saved = tx.tenant_overrides()
        tenants = {k.kode: build_tenant(k, self._overrides(k.kode, saved)) for k in kommuner.alle()}
        with self._lock:
            self._tenants = tenants

    def all(self) -> list[Tenant]:
        """Every municipality, in kommunekode order of the shipped list."""
        return list(self._tenants.values())

    def get(self, kode: str) -> Tenant | None:
        """A municipality by its code."""
        return self._tenants.get(kode)

    def by_cvr(self, cvr: str) -> Tenant | None:
        """A municipality by its (test) CVR number, as Serviceplatformen routes."""
        kommune = kommuner.by_cvr().get(cvr)
        return self._tenants.get(kommune.kode) if kommune else None

    def for_system(self, system: str) -> list[Tenant]:
        """The municipalities that run `system`."""
        return [t for t in self._tenants.values() if t.system == system]

    def patch(self, kode: str, patch: Mapping[str, Any]) -> Tenant:
        """Change one municipality (system, profile values, callback URL) and persist it."""
        kommune = kommuner.by_kode().get(kode)
        if kommune is None:
            raise KeyError(kode)
        with self.store.transaction() as tx:
            saved = tx.tenant_overrides().get(kode, {})
            new_saved = merge_overrides(saved, patch)
            tenant = build_tenant(
                kommune, merge_overrides(self.config_overrides.get(kode, {}), new_saved)
            )
            tx.set_tenant_override(kode, new_saved)
        with self._lock:
            self._tenants[kode] = tenant
        return tenant
