"""The four debtor-system simulators (KMD Opus, Fujitsu Prisme 2015 and 2009, EG ØS Indsigt)
behind a simulated Serviceplatformen, with a virtual clock and an admin API.

Entry point: ``create_app(SimConfig(...))``. The plain-Python core is
`simulators.engine.Simulator` (ledger, profiles, tenants, clock, scheduler, journal).

The app is imported on first use of `create_app`, `simulator_of` or `sim_time_of`, not with the package:
the CLI, the reports and the load suites read the system list and the tenant registry
(`simulators.profiles`, `simulators.tenants`) without loading Flask and the whole app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulators.config import SimConfig

if TYPE_CHECKING:
    from simulators.app import create_app, sim_time_of, simulator_of

__all__ = ["SimConfig", "create_app", "sim_time_of", "simulator_of"]


def __getattr__(name: str) -> Any:
    """`create_app`, `simulator_of` and `sim_time_of`, imported from `simulators.app` when first asked for."""
    if name in ("create_app", "sim_time_of", "simulator_of"):
        from simulators import app

        return getattr(app, name)
    raise AttributeError(f"module 'simulators' has no attribute {name!r}")
