"""Debtor-system profiles: what differs between Opus, Prisme 2015, Prisme 2009 and EG.

Each system is one TOML file next to this module. The code reads a `Profile`;
no code branches on which system it is. Every value is either public (it has a
source in ``[provenance.sources]``) or an assumption (listed in
``[provenance].assumed``); `load` refuses a file where a value is neither.
A municipality can override any value (`Profile.with_overrides`).
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from oeir.model import FordringType
from simulators.clock import parse_duration

PROFILE_DIR = Path(__file__).parent
SYSTEMS = ("opus", "prisme2015", "prisme2009", "eg")
"""The profile keys, in the seed's order (the most used first). The one list of the debtor
systems: the CLI, the reports, the load suites and the scenarios read it from here."""
MOST_USED = SYSTEMS[0]
"""The system most municipalities run (KMD Opus, 64 of 98 in the seed): the one the
system-neutral KLIK scenarios run on unless a run names another."""


class ProfileError(ValueError):
    """A profile file or override is incomplete or invalid."""


@dataclass(frozen=True, slots=True)
class CallbackSchedule:
    """When the system reports events back to FBS."""

    mode: str  # "nightly" | "realtime"
    time: time
    weekdays_only: bool
    skip_holidays: bool
    realtime_delay: timedelta


@dataclass(frozen=True, slots=True)
class ReminderRule:
    """The reminder (rykker) for one claim type: when, its deadline, and its fee in øre."""

    days_after_due: int
    deadline_days: int
    fee: int


@dataclass(frozen=True, slots=True)
class Collection:
    """Handover to collection (PSRM) and invoicing limits."""

    handover_days_after_deadline: int
    invoice_minimum: int
    payment_deadline_days: int


@dataclass(frozen=True, slots=True)
class Profile:
    """One debtor system's behaviour, after any municipality overrides."""

    key: str
    name: str
    vendor: str
    payment_solution: bool
    text_max_length: int
    cvr_debtors: bool
    skift_haefter: bool
    opret_fordring_creates_account: bool
    bank_settlement_days: int
    callbacks: CallbackSchedule
    reminders: Mapping[FordringType, ReminderRule]
    collection: Collection
    faults: Mapping[str, str]
    assumed: frozenset[str]
    sources: Mapping[str, str]
    overridden: frozenset[str] = frozenset()
    data: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Profile:
        """This profile with some values replaced (nested tables merge; dotted keys allowed)."""
        if not overrides:
            return self
        data = copy.deepcopy(_thaw(self.data))
        changed = set(self.overridden)
        for dotted, value in _flatten(_expand(overrides)):
            if dotted.startswith("provenance"):
                raise ProfileError("provenance cannot be overridden")
            if _get(data, dotted) is _MISSING:
                raise ProfileError(f"unknown profile value {dotted!r}")
            _set(data, dotted, value)
            changed.add(dotted)
        return _build(self.key, data, frozenset(changed))

    def value(self, dotted: str) -> Any:
        """One raw value by dotted key, e.g. ``callbacks.time``."""
        found = _get(_thaw(self.data), dotted)
        if found is _MISSING:
            raise KeyError(dotted)
        return found

    def leaves(self) -> Iterator[tuple[str, Any]]:
        """Every (dotted key, value) of the profile but its provenance, in file order."""
        data = {k: v for k, v in _thaw(self.data).items() if k != "provenance"}
        yield from _flatten(data)

    def is_assumed(self, dotted: str) -> bool:
        """True when the value is an assumption (or a municipality's override)."""
        return dotted in self.assumed or dotted in self.overridden


_MISSING = object()


def _thaw(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {k: _thaw(v) for k, v in data.items()}
    if isinstance(data, tuple):
        return [_thaw(v) for v in data]
    return data


def _freeze(data: Any) -> Any:
    if isinstance(data, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in data.items()})
    if isinstance(data, list):
        return tuple(_freeze(v) for v in data)
    return data


def _expand(overrides: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        node = out
        *parents, last = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        if isinstance(value, Mapping) and isinstance(node.get(last), dict):
            node[last].update(_expand(value))
        else:
            node[last] = _expand(value) if isinstance(value, Mapping) else value
    return out


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flatten(value, dotted + ".")
        else:
            yield dotted, value


def _get(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node = data
    for part in parents:
        node = node[part]
    node[last] = value


def _typed(value: Any, kind: type, dotted: str) -> Any:
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ProfileError(f"{dotted} must be an integer, got {value!r}")
    if kind is not int and not isinstance(value, kind):
        raise ProfileError(f"{dotted} must be {kind.__name__}, got {value!r}")
    if kind is int and value < 0:
        raise ProfileError(f"{dotted} must not be negative")
    return value


def _build(key: str, data: dict[str, Any], overridden: frozenset[str] = frozenset()) -> Profile:
    def req(dotted: str, kind: type) -> Any:
        value = _get(data, dotted)
        if value is _MISSING:
            raise ProfileError(f"profile {key}: {dotted} is missing")
        return _typed(value, kind, f"profile {key}: {dotted}")

    cb_mode = req("callbacks.mode", str)
    if cb_mode not in ("nightly", "realtime"):
        raise ProfileError(f"profile {key}: callbacks.mode must be nightly or realtime")
    try:
        cb_time = time.fromisoformat(req("callbacks.time", str))
        delay = parse_duration(req("callbacks.realtime_delay", str))
    except ValueError as exc:
        raise ProfileError(f"profile {key}: {exc}") from exc
    reminders = {}
    for ftype in FordringType:
        reminders[ftype] = ReminderRule(
            days_after_due=req(f"reminders.{ftype}.days_after_due", int),
            deadline_days=req(f"reminders.{ftype}.deadline_days", int),
            fee=req(f"reminders.{ftype}.fee", int),
        )
    text_max = req("text_max_length", int)
    if text_max < 1:
        raise ProfileError(f"profile {key}: text_max_length must be at least 1")
    provenance = data.get("provenance", {})
    assumed = frozenset(provenance.get("assumed", ()))
    sources = dict(provenance.get("sources", {}))
    profile = Profile(
        key=key,
        name=req("name", str),
        vendor=req("vendor", str),
        payment_solution=req("payment_solution", bool),
        text_max_length=text_max,
        cvr_debtors=req("cvr_debtors", bool),
        skift_haefter=req("skift_haefter", bool),
        opret_fordring_creates_account=req("opret_fordring_creates_account", bool),
        bank_settlement_days=req("bank_settlement_days", int),
        callbacks=CallbackSchedule(
            mode=cb_mode,
            time=cb_time,
            weekdays_only=req("callbacks.weekdays_only", bool),
            skip_holidays=req("callbacks.skip_holidays", bool),
            realtime_delay=delay,
        ),
        reminders=MappingProxyType(reminders),
        collection=Collection(
            handover_days_after_deadline=req("collection.handover_days_after_deadline", int),
            invoice_minimum=req("collection.invoice_minimum", int),
            payment_deadline_days=req("collection.payment_deadline_days", int),
        ),
        faults=MappingProxyType({k: _typed(v, str, k) for k, v in data.get("faults", {}).items()}),
        assumed=assumed,
        sources=MappingProxyType(sources),
        overridden=overridden,
        data=_freeze(data),
    )
    for rule in ("text_too_long", "cvr_not_supported", "skift_haefter_not_supported"):
        if rule not in profile.faults:
            raise ProfileError(f"profile {key}: faults.{rule} is missing")
    unmarked = [k for k, _ in profile.leaves() if k not in assumed and k not in sources]
    if unmarked:
        raise ProfileError(f"profile {key}: neither public nor assumed: {', '.join(unmarked)}")
    unknown = [k for k in (*assumed, *sources) if _get(data, k) is _MISSING]
    if unknown:
        raise ProfileError(f"profile {key}: provenance names unknown values: {', '.join(unknown)}")
    return profile


def load(key: str, directory: Path = PROFILE_DIR) -> Profile:
    """Read and check the profile `key` (e.g. ``"opus"``) from `directory`."""
    path = directory / f"{key}.toml"
    if not path.is_file():
        raise ProfileError(f"no profile {key!r} in {directory}")
    with path.open("rb") as fh:
        return _build(key, tomllib.load(fh))


@cache
def builtin(key: str) -> Profile:
    """A shipped profile (cached)."""
    return load(key)


def all_builtin() -> dict[str, Profile]:
    """The four shipped profiles by key."""
    return {key: builtin(key) for key in SYSTEMS}


def names() -> dict[str, str]:
    """Each system's name by key, in `SYSTEMS` order (``{"opus": "KMD Opus", ...}``)."""
    return {key: builtin(key).name for key in SYSTEMS}


def with_payment_solution() -> frozenset[str]:
    """The systems with a citizen payment solution (the others answer payment pages with 404).

    A municipality can override `payment_solution`; this is the shipped profiles' answer.
    A municipality's default system comes from the tenant registry
    (`simulators.tenants.representative_kommuner`), which owns who runs what.
    """
    return frozenset(key for key in SYSTEMS if builtin(key).payment_solution)
