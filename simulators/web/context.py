"""The parts a request of the simulator app works with, taken from the current Flask app.

`simulators.create_app` puts them on the app once (`attach`); every view reaches them
through these functions instead of reading ``current_app.extensions`` itself, so the
keys live in one place and no view module imports the module that builds the app.
"""

from __future__ import annotations

from flask import Flask, current_app

from simulators.engine import Simulator
from simulators.faults import FaultInjector
from simulators.payments.sessions import Sessions
from simulators.sim_time import SimTime

SIMULATOR = "simulator"
"""`app.extensions` key of the app's `Simulator`."""
TIME = "debitorsim.time"
"""`app.extensions` key of the app's behaviour over time (`SimTime`)."""
SESSIONS = "payment_sessions"
"""`app.extensions` key of the payment pages' sessions (made on first use)."""


def attach(app: Flask, sim: Simulator, sim_time: SimTime) -> None:
    """Make `sim` and `sim_time` the parts of `app` (done once, by `create_app`)."""
    app.extensions[SIMULATOR] = sim
    app.extensions[TIME] = sim_time


def simulator_of(app: Flask) -> Simulator:
    """The `Simulator` of an app made by `create_app`."""
    found: Simulator = app.extensions[SIMULATOR]
    return found


def sim_time_of(app: Flask) -> SimTime:
    """The behaviour over time of an app made by `create_app`."""
    found: SimTime = app.extensions[TIME]
    return found


def simulator() -> Simulator:
    """The `Simulator` of the app handling the current request."""
    return simulator_of(current_app)


def sim_time() -> SimTime:
    """The behaviour over time (callbacks, payments, collection) of the current app."""
    return sim_time_of(current_app)


def faults() -> FaultInjector:
    """The fault injector of the current app's simulator."""
    return simulator().faults


def sessions() -> Sessions:
    """The payment pages' sessions of the current app, made on first use.

    They live in the store, so every gunicorn worker knows every logged-in citizen.
    """
    found: Sessions | None = current_app.extensions.get(SESSIONS)
    if found is None:
        found = current_app.extensions[SESSIONS] = Sessions(simulator().store)
    return found
