"""Profile `smoke`: every traffic kind, a few users, 30 s headless (CI).

    locust -f load/profiles/smoke.py --headless --sim-host http://127.0.0.1:8081 --core-host http://127.0.0.1:8080

`--profile-seconds N` shortens or lengthens the run; `debitorsim load --profile smoke`
starts a test bed and passes the hosts for you.
"""

from __future__ import annotations

from load.profiles import users


class Fbs(users.DebtorSystemUser):
    """FBS → debtor system over SOAP (the bulk of the smoke traffic)."""

    weight = 6


class Afstemning(users.ReconciliationUser):
    """Reconciliation paging."""

    weight = 1
    max_pages = 2


class Gebyrkoersel(users.FbsNightlyRunUser):
    """Fees created through the core."""

    weight = 2


class Tilbagemelding(users.CallbackStormUser):
    """Callbacks into the core."""

    weight = 1


class Borger(users.CitizenUser):
    """Citizens on the payment pages."""

    weight = 1


class Smoke(users.HoldShape):
    """11 users (one of each class at least) for 30 s."""

    abstract = False
    users = 11
    seconds = 30.0
    spawn_rate = 11.0
