"""Profile `stress`: add users step by step until p95 or the failure ratio breaks; report the knee.

SOAP straight to the simulator (no think time), so the knee is the simulator's.

    locust -f load/profiles/stress.py --headless --sim-host URL
"""

from __future__ import annotations

from locust import constant

from load.profiles import users


class Fbs(users.DebtorSystemUser):
    """FBS traffic with no think time."""

    wait_time = constant(0)


class Knee(users.KneeShape):
    """+8 users every 10 s up to 400, p95 limit 250 ms, failure limit 1 %."""

    abstract = False
    step_users = 8
    step_s = 10.0
    max_users = 400
    spawn_rate = 16.0
    p95_limit_ms = 250.0
    failure_limit = 0.01
