"""Behaviour over time, wired onto a `Simulator`: callbacks, payments, collection, timelines.

`SimTime(sim).install()` registers the job handlers and ledger listeners;
`simulators.create_app` does that for its simulator and serves the payment pages
(`simulators.web.payment_pages`) and the admin endpoints of this part
(`simulators.web.time_admin`) on top.
"""

from __future__ import annotations

from typing import Any

import requests

from simulators.callbacks.pipeline import CallbackPipeline
from simulators.collection.reminders import Collection
from simulators.engine import Simulator
from simulators.payments.bank import BankPayments
from simulators.payments.solution import PaymentSolution
from simulators.store.time import TimeRepo
from simulators.timeline import timeline


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
