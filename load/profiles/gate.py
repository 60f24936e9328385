"""The pass/fail gate of a load run: thresholds from `thresholds.toml` against the run's stats.

Plain Python (no Locust import): the Locust `quitting` hook turns its stats into
`RequestStats` rows and calls `evaluate`; tests call it directly too.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path(__file__).parents[1] / "thresholds.toml"
"""The gate of every profile: `load/thresholds.toml`, where a tester edits it."""


@dataclass(frozen=True, slots=True)
class RequestStats:
    """What the gate needs of one request type."""

    name: str
    requests: int
    failures: int
    p95_ms: float
    p99_ms: float


@dataclass(frozen=True, slots=True)
class Limits:
    """Latency limits for one request type (None = no limit)."""

    p95_ms: float | None = None
    p99_ms: float | None = None


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The whole gate: run-wide limits and per-request-type latency limits."""

    max_failure_ratio: float = 0.0
    min_requests: int = 1
    default: Limits = Limits()
    per_request: Mapping[str, Limits] = field(default_factory=dict)

    def limits(self, name: str) -> Limits:
        """The limits of request type `name` (the default when it has none of its own)."""
        return self.per_request.get(name, self.default)


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out.get(key, {}), value) if isinstance(value, Mapping) else value
    return out


def load(path: Path | str | None = None, profile: str | None = None) -> Thresholds:
    """Read a thresholds file; `[profiles.<profile>]` tables override the top-level ones."""
    with Path(path or DEFAULT_FILE).open("rb") as fh:
        raw = tomllib.load(fh)
    profiles = raw.pop("profiles", {})
    if profile and profile in profiles:
        raw = _merge(raw, profiles[profile])
    gate = raw.get("gate", {})
    requests = dict(raw.get("requests", {}))
    default = requests.pop("default", {})
    if not gate.get("request_tables", True):
        requests = {}  # a profile can judge every request type by the default alone

    def limits(table: Mapping[str, Any]) -> Limits:
        unknown = set(table) - {"p95_ms", "p99_ms"}
        if unknown:
            raise ValueError(f"unknown threshold key(s): {', '.join(sorted(unknown))}")
        return Limits(table.get("p95_ms"), table.get("p99_ms"))

    return Thresholds(
        max_failure_ratio=float(gate.get("max_failure_ratio", 0.0)),
        min_requests=int(gate.get("min_requests", 1)),
        default=limits(default),
        per_request={name: limits({**default, **t}) for name, t in requests.items()},
    )


def evaluate(stats: Iterable[RequestStats], thresholds: Thresholds) -> list[str]:
    """Every breach, as a readable line; an empty list means the run passed."""
    rows = list(stats)
    breaches: list[str] = []
    total = sum(r.requests for r in rows)
    failures = sum(r.failures for r in rows)
    if total < thresholds.min_requests:
        breaches.append(f"only {total} requests sent (minimum {thresholds.min_requests})")
    ratio = failures / total if total else 0.0
    if ratio > thresholds.max_failure_ratio:
        breaches.append(
            f"failure ratio {ratio:.4f} ({failures}/{total}) > {thresholds.max_failure_ratio}"
        )
    for r in rows:
        if not r.requests:
            continue
        lim = thresholds.limits(r.name)
        if lim.p95_ms is not None and r.p95_ms > lim.p95_ms:
            breaches.append(f"{r.name}: p95 {r.p95_ms:.0f} ms > {lim.p95_ms} ms")
        if lim.p99_ms is not None and r.p99_ms > lim.p99_ms:
            breaches.append(f"{r.name}: p99 {r.p99_ms:.0f} ms > {lim.p99_ms} ms")
    return breaches
