"""The citizen payment solution ("Mit Betalingsoverblik"-like), for systems whose profile has one.

Plain Python behind the payment page. A payment is booked in the ledger at once
(as `ForetagIndbetaling` is); FBS hears of it on the profile's callback schedule.
Where the profile has no payment solution, every call raises the profile's
`faults.no_payment_solution` fault (``IngenBetalingsloesning``) and the page shows
`payment_page.alternative`: how this citizen pays instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from oeir import model
from oeir.faults import BusinessRuleBroken
from simulators.engine import Simulator
from simulators.ledger.records import Claim
from simulators.tenants import Tenant
from simulators.timesettings import TimeSettings

METHODS = (model.Betalingsmiddel.KORT, model.Betalingsmiddel.MOBILEPAY)
"""What the simulated page offers."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the citizen sees after paying."""

    indbetaling_id: str
    beloeb: int
    daekninger: tuple[model.DaekningKvittering, ...]
    overskud: int
    fbs_opdateres: datetime


class PaymentSolution:
    """Open claims and payments for one citizen in one municipality."""

    def __init__(self, sim: Simulator, next_run: Callable[[str, datetime], datetime]) -> None:
        self.sim = sim
        self._next_run = next_run

    def tenant(self, kommunekode: str) -> Tenant:
        """The municipality, or KeyError."""
        tenant = self.sim.tenants.get(kommunekode)
        if tenant is None:
            raise KeyError(kommunekode)
        return tenant

    def require(self, tenant: Tenant) -> None:
        """Raise the profile's fault when the municipality has no payment solution."""
        if not tenant.profile.payment_solution:
            raise BusinessRuleBroken(
                tenant.profile.name,
                kode=tenant.profile.faults.get("no_payment_solution", "IngenBetalingsloesning"),
            )

    def alternative(self, tenant: Tenant) -> str:
        """How a citizen of this municipality pays when there is no payment solution."""
        return TimeSettings.of(tenant.profile).payment_alternative

    def open_claims(self, kommunekode: str, cpr: str) -> list[Claim]:
        """The citizen's open claims with a balance, oldest due first."""
        tenant = self.tenant(kommunekode)
        self.require(tenant)
        with self.sim.store.read() as tx:
            account = tx.account_by_debtor(kommunekode, cpr)
            if account is None:
                return []
            return [c for c in tx.claims_of_account(account.nummer) if c.aaben and c.saldo > 0]

    def pay(
        self,
        kommunekode: str,
        cpr: str,
        fordring_ider: tuple[str, ...],
        betalingsmiddel: model.Betalingsmiddel,
        beloeb: int | None = None,
    ) -> Receipt:
        """Pay the chosen claims in full (or `beloeb` spread over them), booked at once."""
        tenant = self.tenant(kommunekode)
        self.require(tenant)
        if betalingsmiddel not in METHODS:
            raise ValueError(f"the page offers {', '.join(METHODS)}, not {betalingsmiddel}")
        claims = {c.fordring_id: c for c in self.open_claims(kommunekode, cpr)}
        chosen = [claims[f] for f in fordring_ider if f in claims]
        if not chosen or len(chosen) != len(set(fordring_ider)):
            raise BusinessRuleBroken("FordringId", kode="FordringFindesIkke", felt="FordringId")
        total = sum(c.saldo for c in chosen) if beloeb is None else beloeb
        msg = model.ForetagIndbetaling(
            kommunekode=kommunekode,
            debitor=model.Debitor(cpr_nummer=cpr),
            indbetaling_id=f"WEB-{uuid.uuid4().hex[:16].upper()}",
            beloeb=total,
            betalingsmiddel=betalingsmiddel,
            fordring_ider=tuple(c.fordring_id for c in chosen),
        )
        svar = self.sim.ledger.foretag_indbetaling(msg)
        now = self.sim.clock.now()
        return Receipt(
            indbetaling_id=svar.indbetaling_id,
            beloeb=total,
            daekninger=svar.daekninger,
            overskud=svar.overskud,
            fbs_opdateres=self._next_run(kommunekode, now),
        )
