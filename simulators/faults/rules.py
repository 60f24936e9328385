"""Fault rules: what goes wrong, for which calls, and how often.

A rule is plain data (a JSON object in the admin API, a TOML table in the
configuration) parsed into a `FaultRule`. Its scope is a municipality (or all)
and an operation (or all); its trigger is a probability drawn from the rule's
own `random.Random(seed)` (the same seed gives the same sequence), or "the next
N calls", or always. Maintenance windows trigger on the virtual clock instead.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from oeir.faults import CATALOGUE
from simulators.clock import TZ

SOAP_KINDS = frozenset(
    {
        "latency",
        "http_500",
        "http_503",
        "soap_server_fault",
        "business_fault",
        "connection_reset",
        "empty_response",
        "truncated_response",
        "slow_body",
        "timeout",
        "maintenance",
    }
)
"""Faults on the SOAP calls the simulator answers."""

CALLBACK_KINDS = frozenset({"callback_duplicate", "callback_reorder", "callback_drop"})
"""Faults on the callbacks the simulator sends to FBS."""

KINDS = SOAP_KINDS | CALLBACK_KINDS

MAX_HOLD_MS = 300_000
"""Longest a `timeout` rule holds a request (bounded: a hang must end by itself)."""
MAX_DRIBBLE_MS = 120_000
"""Longest a `slow_body` rule may take to send one answer."""

_COMMON = {"kind", "kommunekode", "operation", "probability", "seed", "count", "description"}
_PARAMS: dict[str, set[str]] = {
    "latency": {"distribution", "fixed_ms", "min_ms", "max_ms", "median_ms", "sigma"},
    "http_500": set(),
    "http_503": {"retry_after_s"},
    "soap_server_fault": {"fejlkode"},
    "business_fault": {"fejlkode", "felt"},
    "connection_reset": {"execute"},
    "empty_response": {"status"},
    "truncated_response": {"keep_fraction"},
    "slow_body": {"chunk_bytes", "interval_ms"},
    "timeout": {"hold_ms", "execute"},
    "maintenance": {"start", "end", "weekdays"},
    "callback_duplicate": {"copies"},
    "callback_reorder": set(),
    "callback_drop": {"ack_lost"},
}


class FaultRuleError(ValueError):
    """A fault rule that cannot be used (the message says why)."""


def _num(data: Mapping[str, Any], key: str, default: float | None, lo: float, hi: float) -> float:
    raw = data.get(key, default)
    if raw is None:
        raise FaultRuleError(f"{key} is required")
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise FaultRuleError(f"{key} must be a number")
    if not lo <= raw <= hi:
        raise FaultRuleError(f"{key} must be between {lo:g} and {hi:g}")
    return float(raw)


def _int(data: Mapping[str, Any], key: str, default: int | None, lo: int, hi: int) -> int:
    raw = data.get(key, default)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise FaultRuleError(f"{key} must be an integer")
    if not lo <= raw <= hi:
        raise FaultRuleError(f"{key} must be between {lo} and {hi}")
    return raw


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    raw = data.get(key)
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw:
        raise FaultRuleError(f"{key} must be a non-empty string or null")
    return raw


def _clock_time(raw: Any, key: str) -> time:
    if not isinstance(raw, str):
        raise FaultRuleError(f"{key} must be a time HH:MM")
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise FaultRuleError(f"{key} must be a time HH:MM") from None


@dataclass(frozen=True, slots=True)
class Latency:
    """A delay distribution in milliseconds: fixed, uniform or lognormal (capped at `max_ms`)."""

    distribution: str
    fixed_ms: float = 0.0
    min_ms: float = 0.0
    max_ms: float = 0.0
    median_ms: float = 0.0
    sigma: float = 0.0

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Latency:
        """From a rule's fields; the distribution is inferred from them when not named."""
        dist = data.get("distribution")
        if dist is None:
            dist = (
                "lognormal" if "median_ms" in data else "uniform" if "min_ms" in data else "fixed"
            )
        top = float(MAX_HOLD_MS)
        if dist == "fixed":
            return cls("fixed", fixed_ms=_num(data, "fixed_ms", None, 0, top))
        if dist == "uniform":
            lo, hi = _num(data, "min_ms", None, 0, top), _num(data, "max_ms", None, 0, top)
            if hi < lo:
                raise FaultRuleError("max_ms must be at least min_ms")
            return cls("uniform", min_ms=lo, max_ms=hi)
        if dist == "lognormal":
            return cls(
                "lognormal",
                median_ms=_num(data, "median_ms", None, 0.001, top),
                sigma=_num(data, "sigma", 0.5, 0, 10),
                max_ms=_num(data, "max_ms", top, 0, top),
            )
        raise FaultRuleError("distribution must be fixed, uniform or lognormal")

    def sample_ms(self, rng: random.Random) -> float:
        """One delay drawn from `rng`."""
        if self.distribution == "fixed":
            return self.fixed_ms
        if self.distribution == "uniform":
            return rng.uniform(self.min_ms, self.max_ms)
        return min(self.max_ms, self.median_ms * math.exp(rng.gauss(0.0, self.sigma)))

    def as_dict(self) -> dict[str, Any]:
        """The fields that describe this distribution."""
        if self.distribution == "fixed":
            return {"distribution": "fixed", "fixed_ms": self.fixed_ms}
        if self.distribution == "uniform":
            return {"distribution": "uniform", "min_ms": self.min_ms, "max_ms": self.max_ms}
        return {
            "distribution": "lognormal",
            "median_ms": self.median_ms,
            "sigma": self.sigma,
            "max_ms": self.max_ms,
        }


@dataclass(frozen=True, slots=True)
class Window:
    """A daily window in Europe/Copenhagen local time; `end` before `start` crosses midnight."""

    start: time
    end: time
    weekdays: frozenset[int] = frozenset(range(7))
    """Days the window opens (Monday = 0), counted on the day it starts."""

    def contains(self, when: datetime) -> bool:
        """True when `when` (aware) falls inside the window."""
        local = when.astimezone(TZ)
        t, day = local.time(), local.weekday()
        if self.start <= self.end:
            return day in self.weekdays and self.start <= t < self.end
        if t >= self.start:
            return day in self.weekdays
        return t < self.end and (day - 1) % 7 in self.weekdays


@dataclass(slots=True)
class FaultRule:
    """One fault rule with its trigger state (the RNG and the calls left)."""

    id: int
    kind: str
    kommunekode: str | None = None
    operation: str | None = None
    probability: float | None = None
    seed: int | None = None
    count: int | None = None
    description: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    latency: Latency | None = None
    window: Window | None = None
    rng: random.Random = field(default_factory=random.Random, repr=False)
    remaining: int | None = None
    fired: int = 0

    @property
    def for_callbacks(self) -> bool:
        """True for rules on deliveries to FBS."""
        return self.kind in CALLBACK_KINDS

    def in_scope(self, kommunekode: str | None, operation: str | None) -> bool:
        """True when a call to `operation` for `kommunekode` is covered by this rule."""
        if self.kommunekode is not None and self.kommunekode != kommunekode:
            return False
        return self.operation is None or self.operation == operation

    def triggers(self, now: datetime) -> bool:
        """Draw once for an in-scope call (call with the injector's lock held)."""
        if self.window is not None:
            return self.window.contains(now)
        if self.remaining is not None and self.remaining <= 0:
            return False
        return self.probability is None or self.rng.random() < self.probability

    def as_dict(self) -> dict[str, Any]:
        """JSON view: the definition plus `fired` and `remaining`."""
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "kommunekode": self.kommunekode,
            "operation": self.operation,
            "probability": self.probability,
            "seed": self.seed,
            "count": self.count,
            "description": self.description,
            **self.params,
        }
        if self.latency is not None:
            data.update(self.latency.as_dict())
        if self.window is not None:
            data["start"] = self.window.start.strftime("%H:%M")
            data["end"] = self.window.end.strftime("%H:%M")
            data["weekdays"] = sorted(self.window.weekdays)
        data["fired"] = self.fired
        data["remaining"] = self.remaining
        return data


def parse_rule(data: Any, rule_id: int) -> FaultRule:
    """Validate a rule definition (JSON object / TOML table) and build the rule."""
    if not isinstance(data, Mapping):
        raise FaultRuleError("a fault rule is a JSON object")
    kind = data.get("kind")
    if kind not in KINDS:
        raise FaultRuleError(f"kind must be one of: {', '.join(sorted(KINDS))}")
    unknown = set(data) - _COMMON - _PARAMS[kind]
    if unknown:
        raise FaultRuleError(f"unknown field(s) for {kind}: {', '.join(sorted(unknown))}")
    kode = _opt_str(data, "kommunekode")
    if kode is not None and not (len(kode) == 3 and kode.isdigit()):
        raise FaultRuleError("kommunekode must be three digits")
    rule = FaultRule(
        id=rule_id,
        kind=kind,
        kommunekode=kode,
        operation=_opt_str(data, "operation"),
        description=_opt_str(data, "description"),
    )
    if data.get("probability") is not None:
        rule.probability = _num(data, "probability", None, 0, 1)
    if data.get("count") is not None:
        rule.count = rule.remaining = _int(data, "count", None, 1, 10**9)
    if data.get("seed") is not None:
        rule.seed = _int(data, "seed", None, -(2**63), 2**63)
    if rule.probability is not None and rule.seed is None:
        rule.seed = random.SystemRandom().randrange(2**32)  # told back in the rule's JSON
    rule.rng = random.Random(rule.seed)
    if rule.for_callbacks and rule.operation not in (None, "RegistrerDaekningAfskrivning"):
        raise FaultRuleError("callback faults apply to RegistrerDaekningAfskrivning only")
    _parse_params(rule, data)
    return rule


def _parse_params(rule: FaultRule, data: Mapping[str, Any]) -> None:
    kind, p = rule.kind, rule.params
    if kind == "latency":
        rule.latency = Latency.parse(data)
    elif kind == "http_503":
        p["retry_after_s"] = _int(data, "retry_after_s", 60, 0, 86_400)
    elif kind == "soap_server_fault":
        p["fejlkode"] = _fejlkode(data, "TjenesteUtilgaengelig")
    elif kind == "business_fault":
        p["fejlkode"] = _fejlkode(data, None)
        if data.get("felt") is not None:
            p["felt"] = _opt_str(data, "felt")
    elif kind in ("connection_reset", "timeout"):
        execute = data.get("execute", False)
        if not isinstance(execute, bool):
            raise FaultRuleError("execute must be true or false")
        p["execute"] = execute
        if kind == "timeout":
            p["hold_ms"] = _int(data, "hold_ms", 30_000, 0, MAX_HOLD_MS)
    elif kind == "empty_response":
        p["status"] = _int(data, "status", 200, 200, 599)
    elif kind == "truncated_response":
        p["keep_fraction"] = _num(data, "keep_fraction", 0.5, 0, 0.99)
    elif kind == "slow_body":
        p["chunk_bytes"] = _int(data, "chunk_bytes", 64, 1, 1 << 20)
        p["interval_ms"] = _int(data, "interval_ms", 100, 0, 10_000)
    elif kind == "maintenance":
        if rule.probability is not None or rule.count is not None:
            raise FaultRuleError("a maintenance window triggers on the clock: no probability/count")
        days = data.get("weekdays", list(range(7)))
        if not isinstance(days, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days
        ):
            raise FaultRuleError("weekdays must be a list of 0 (Monday) .. 6 (Sunday)")
        rule.window = Window(
            _clock_time(data.get("start"), "start"),
            _clock_time(data.get("end"), "end"),
            frozenset(days),
        )
        if rule.window.start == rule.window.end:
            raise FaultRuleError("start and end must differ")
    elif kind == "callback_duplicate":
        p["copies"] = _int(data, "copies", 2, 2, 10)
    elif kind == "callback_drop":
        ack_lost = data.get("ack_lost", False)
        if not isinstance(ack_lost, bool):
            raise FaultRuleError("ack_lost must be true or false")
        p["ack_lost"] = ack_lost


def _fejlkode(data: Mapping[str, Any], default: str | None) -> str:
    kode = data.get("fejlkode", default)
    if not isinstance(kode, str) or not kode:
        raise FaultRuleError("fejlkode is required (a FejlKode of the catalogue)")
    if kode not in CATALOGUE:
        raise FaultRuleError(f"unknown fejlkode {kode!r}")
    return kode
