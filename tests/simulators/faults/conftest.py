"""Fixtures of the fault injection tests, and where each comes from.

- `http_sim` (and `frozen_served` behind it), tests/conftest.py: one simulator per module on a
  frozen clock, called over real HTTP, with no fault rules before and after each test;
- `store`, `clock` and `backend`, tests/simulators/conftest.py and tests/conftest.py: the
  store-level tests, on SQLite and on PostgreSQL;
- `world`, tests/simulators/sim_time/conftest.py: a simulator with a test FBS callback
  endpoint, for the callback faults;
- `workers`, test_workers.py: the simulator under gunicorn with two worker processes.
"""

from __future__ import annotations

from tests.simulators.sim_time.conftest import world

__all__ = ["world"]
