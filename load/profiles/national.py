"""Profile `national`: all 98 municipalities through one Serviceplatformen.

Each user draws a municipality in proportion to its size (load/profiles/weights.py, an
approximate-population assumption) and is routed to that municipality's debtor
system by the simulator (seed split 64 Opus / 10 Prisme 2015 / 13 Prisme 2009 /
11 EG). The run summary reports the share of requests each system received.

    locust -f load/profiles/national.py --headless --sim-host URL --core-host URL
"""

from __future__ import annotations

from load.profiles import users


class Fbs(users.DebtorSystemUser):
    """Daytime FBS traffic: new fees and balance look-ups."""

    weight = 60


class Gebyrkoersel(users.FbsNightlyRunUser):
    """The nightly fee runs, bursting through the core."""

    weight = 20


class Borger(users.CitizenUser):
    """Citizens paying (only municipalities whose system has a payment solution)."""

    weight = 12


class Tilbagemelding(users.CallbackStormUser):
    """The debtor systems' callback batches."""

    weight = 5


class Afstemning(users.ReconciliationUser):
    """Reconciliation of every municipality, page by page."""

    weight = 3


class National(users.HoldShape):
    """100 users for 5 minutes."""

    abstract = False
    users = 100
    seconds = 300.0
    spawn_rate = 20.0
