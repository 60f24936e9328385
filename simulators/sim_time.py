"""Behaviour over time, wired onto a `Simulator`: callbacks, payments, collection, timelines.

`SimTime(sim).install()` registers the job handlers and ledger listeners;
`install_app(app)` does that for an app made by `simulators.create_app` and mounts
the payment pages (``/betaling/<kommunekode>``) and the admin endpoints of this
part (``/admin/callbacks``, ``/admin/indbetalingskort``, ``/admin/claims/.../timeline``...).
"""

from __future__ import annotations

from typing import Any

import requests
from flask import Flask

from simulators.callbacks.pipeline import CallbackPipeline
from simulators.collection.reminders import Collection
from simulators.engine import Simulator
from simulators.payments.bank import BankPayments
from simulators.payments.solution import PaymentSolution
from simulators.timeline import timeline
from simulators.timestore import TimeRepo

EXTENSION = "debitorsim.time"


class SimTime:
    """The time behaviour of one simulator."""

    def __init__(self, sim: Simulator, session: requests.Session | None = None) -> None:
        self.sim = sim
        self.callbacks = CallbackPipeline(sim, session)
        self.collection = Collection(sim)
        self.bank = BankPayments(sim)
        self.payments = PaymentSolution(sim, self.callbacks.next_run)
        self._installed = False

    def install(self) -> SimTime:
        """Create the tables, register the handlers and listeners (once); returns self."""
        if not self._installed:
            with self.sim.store.transaction() as tx:
                TimeRepo(tx)
            self.callbacks.install()
            self.collection.install()
            self.bank.install()
            self._installed = True
        return self

    def timeline(self, kommunekode: str, fordring_id: str) -> list[dict[str, Any]] | None:
        """A claim's timeline (see `simulators.timeline`)."""
        return timeline(self.sim.store, kommunekode, fordring_id)


def install_app(app: Flask, session: requests.Session | None = None) -> SimTime:
    """Install the time behaviour on an app from `create_app` (before it serves requests)."""
    from simulators.web import payment_pages, time_admin
    from simulators.web.admin import OPENAPI_EXTRA

    existing: SimTime | None = app.extensions.get(EXTENSION)
    if existing is not None:
        return existing
    sim: Simulator = app.extensions["simulator"]
    sim_time = SimTime(sim, session).install()
    app.extensions[EXTENSION] = sim_time
    app.register_blueprint(payment_pages.blueprint(), url_prefix="/betaling")
    app.register_blueprint(time_admin.blueprint(), url_prefix="/admin")
    extra = app.extensions.setdefault(OPENAPI_EXTRA, {})
    extra.update(time_admin.OPENAPI_PATHS)
    return sim_time


def sim_time_of(app: Flask) -> SimTime:
    """The `SimTime` installed on an app."""
    found: SimTime = app.extensions[EXTENSION]
    return found
