"""What a scenario run is for: which municipality stands in for each system, its overrides.

`debitorsim scenarios` writes a JSON file and names it in ``DEBITORSIM_SCENARIO_CONFIG``;
a plain ``pytest`` run uses the defaults (one municipality per system from the shipped
registry, no overrides). ``DEBITORSIM_SIM_URL`` points the core at a real debtor test
endpoint instead of the simulator; ``DEBITORSIM_SCENARIO_OUT`` is where the run leaves
its results and measurements for the readiness report; ``DEBITORSIM_SCENARIO_TLS`` names
a certificate directory (`debitorsim certs`) and runs the test bed over TLS with client
certificates (docs/tls.md).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulators.profiles import MOST_USED
from simulators.tenants import representative_kommuner

DEFAULT_KOMMUNER = representative_kommuner()
"""A municipality per debtor system in the shipped registry (the public facts first:
København on Opus, Kolding on Prisme 2015, Esbjerg on Prisme 2009)."""

SYSTEMS = tuple(DEFAULT_KOMMUNER)


@dataclass(frozen=True)
class ScenarioSettings:
    """The settings of one run."""

    kommuner: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_KOMMUNER))
    """system -> kommunekode playing that system."""
    tenants: dict[str, dict[str, Any]] = field(default_factory=dict)
    """kommunekode -> simulator overrides (``system``, ``profile``)."""
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    """kommunekode -> the core's municipality rules (thresholds, deadlines)."""
    neutral_system: str = MOST_USED
    """The system that system-neutral scenarios run on."""
    sim_url: str | None = None
    out_dir: Path | None = None
    tls: Path | None = None
    """Certificate directory: the test bed serves HTTPS with client certificates."""

    def kode(self, system: str) -> str:
        """The municipality playing `system`."""
        return self.kommuner[system]


def load() -> ScenarioSettings:
    """The settings from the environment (defaults where unset)."""
    data: dict[str, Any] = {}
    path = os.environ.get("DEBITORSIM_SCENARIO_CONFIG")
    if path:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    kommuner = {**DEFAULT_KOMMUNER, **data.get("kommuner", {})}
    out = os.environ.get("DEBITORSIM_SCENARIO_OUT")
    tls = os.environ.get("DEBITORSIM_SCENARIO_TLS")
    return ScenarioSettings(
        kommuner=kommuner,
        tenants={str(k): dict(v) for k, v in data.get("tenants", {}).items()},
        rules={str(k): dict(v) for k, v in data.get("rules", {}).items()},
        neutral_system=data.get("neutral_system", MOST_USED),
        sim_url=os.environ.get("DEBITORSIM_SIM_URL") or None,
        out_dir=Path(out) if out else None,
        tls=Path(tls) if tls else None,
    )
