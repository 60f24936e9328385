"""The four debtor-system simulators (KMD Opus, Fujitsu Prisme 2015 and 2009, EG ØS Indsigt)
behind a simulated Serviceplatformen, with a virtual clock and an admin API.

Entry point: ``create_app(SimConfig(...))``. The plain-Python core is
`simulators.engine.Simulator` (ledger, profiles, tenants, clock, scheduler, journal).
"""

from simulators.app import create_app, sim_time_of, simulator_of
from simulators.config import SimConfig

__all__ = ["SimConfig", "create_app", "sim_time_of", "simulator_of"]
