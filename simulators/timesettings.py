"""Behaviour-over-time values of a profile that the core `Profile` does not type.

They are read from the profile's raw data when present (so a profile file or a
municipality override can set them) and otherwise take the defaults below. Every
default is an assumption and is listed in docs/profiles.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from simulators.clock import parse_duration
from simulators.profiles import Profile

DEFAULTS: dict[str, Any] = {
    "callbacks.retry_initial": "PT5M",
    "callbacks.retry_max": "PT6H",
    "callbacks.retry_factor": 2,
    "callbacks.max_batch": 1000,
    "callbacks.max_rejected_attempts": 5,
    "callbacks.timeout_seconds": 10,
    "bank_settlement_time": "06:00",
    "collection.job_time": "08:00",
    "collection.psrm_processing_days": 5,
    "payment_page.alternative": (
        "Du kan betale med det indbetalingskort, kommunen har sendt til dig i Digital Post, "
        "eller ved at henvende dig i Borgerservice."
    ),
}
"""Default values (assumptions, see docs/profiles.md) by dotted profile key."""


def _get(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return DEFAULTS[dotted]
        node = node[part]
    return node


@dataclass(frozen=True, slots=True)
class TimeSettings:
    """The time-related values of one municipality's profile."""

    retry_initial: timedelta
    retry_max: timedelta
    retry_factor: int
    max_batch: int
    max_rejected_attempts: int
    timeout_seconds: float
    bank_settlement_time: time
    job_time: time
    psrm_processing_days: int
    payment_alternative: str

    @classmethod
    def of(cls, profile: Profile) -> TimeSettings:
        """Read the settings of `profile` (defaults where the profile is silent)."""
        data = profile.data
        max_batch = int(_get(data, "callbacks.max_batch"))
        if not 1 <= max_batch <= 1000:
            raise ValueError("callbacks.max_batch must be 1..1000 (the XSD allows 1000 events)")
        return cls(
            retry_initial=parse_duration(_get(data, "callbacks.retry_initial")),
            retry_max=parse_duration(_get(data, "callbacks.retry_max")),
            retry_factor=int(_get(data, "callbacks.retry_factor")),
            max_batch=max_batch,
            max_rejected_attempts=int(_get(data, "callbacks.max_rejected_attempts")),
            timeout_seconds=float(_get(data, "callbacks.timeout_seconds")),
            bank_settlement_time=time.fromisoformat(_get(data, "bank_settlement_time")),
            job_time=time.fromisoformat(_get(data, "collection.job_time")),
            psrm_processing_days=int(_get(data, "collection.psrm_processing_days")),
            payment_alternative=str(_get(data, "payment_page.alternative")),
        )

    def backoff(self, attempt: int) -> timedelta:
        """The wait after failed attempt number `attempt` (1-based), capped at `retry_max`."""
        wait = self.retry_initial * (self.retry_factor ** max(0, attempt - 1))
        return min(wait, self.retry_max)
