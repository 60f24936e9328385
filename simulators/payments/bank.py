"""Payment slips (indbetalingskort): a bank payment that books after the bank-settlement delay.

Any system takes them. The citizen pays at time t (the admin API posts it, as
the bank's file would); the ledger books it `bank_settlement_days` *bank days*
later (weekends, public holidays and bank closing days skipped) at
`bank_settlement_time`, with the citizen's payment date as `betalingsdato`.
If the claim is no longer open by then, the money is spread over the debtor's
other open claims, and any rest becomes the account's credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from oeir import model
from oeir.faults import BusinessRuleBroken
from simulators.calendar import add_bank_days
from simulators.clock import TZ
from simulators.engine import Simulator
from simulators.scheduler import JobContext
from simulators.store.base import Job
from simulators.timesettings import TimeSettings

SETTLE = "bank.settle"


@dataclass(frozen=True, slots=True)
class PendingPayment:
    """A payment slip paid but not yet booked."""

    indbetaling_id: str
    kommunekode: str
    fordring_id: str
    beloeb: int
    betalt: datetime
    bogfoeres: datetime

    @classmethod
    def of(cls, job: Job) -> PendingPayment:
        """Read back from the settlement job."""
        p = job.payload
        return cls(
            indbetaling_id=p["indbetaling_id"],
            kommunekode=p["kommunekode"],
            fordring_id=p["fordring_id"],
            beloeb=p["beloeb"],
            betalt=datetime.fromisoformat(p["betalt"]),
            bogfoeres=job.due,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "indbetaling_id": self.indbetaling_id,
            "kommunekode": self.kommunekode,
            "fordring_id": self.fordring_id,
            "beloeb": self.beloeb,
            "betalt": self.betalt.isoformat(),
            "bogfoeres": self.bogfoeres.isoformat(),
        }


class BankPayments:
    """Receives payment-slip payments and books them when the bank settles."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def install(self) -> None:
        """Register the settlement job handler."""
        self.sim.scheduler.register(SETTLE, self._settle)

    def settlement_time(self, kommunekode: str, paid: datetime) -> datetime:
        """When a slip paid at `paid` is booked in this municipality."""
        tenant = self.sim.tenants.get(kommunekode)
        if tenant is None:
            raise KeyError(kommunekode)
        profile = tenant.profile
        at = TimeSettings.of(profile).bank_settlement_time
        day: date = add_bank_days(paid.date(), profile.bank_settlement_days)
        return max(paid, datetime.combine(day, at, tzinfo=TZ))

    def post(
        self, kommunekode: str, fordring_id: str, beloeb: int, indbetaling_id: str
    ) -> PendingPayment:
        """A citizen paid a slip now; the same id again returns the first posting."""
        if beloeb <= 0:
            raise BusinessRuleBroken(str(beloeb), kode="BeloebIkkePositivt", felt="Beloeb")
        now = self.sim.clock.now()
        with self.sim.store.transaction() as tx:
            claim = tx.claim(kommunekode, fordring_id)
            if claim is None:
                raise BusinessRuleBroken(fordring_id, kode="FordringFindesIkke", felt="FordringId")
            payload = {
                "indbetaling_id": indbetaling_id,
                "kommunekode": kommunekode,
                "fordring_id": fordring_id,
                "beloeb": beloeb,
                "betalt": now.isoformat(),
            }
            job = tx.insert_job(
                SETTLE,
                self.settlement_time(kommunekode, now),
                payload,
                f"bank:{kommunekode}:{indbetaling_id}",
            )
            if {k: job.payload.get(k) for k in ("fordring_id", "beloeb")} != {
                "fordring_id": fordring_id,
                "beloeb": beloeb,
            }:
                raise BusinessRuleBroken(
                    indbetaling_id, kode="IndbetalingIdAlleredeBrugt", felt="IndbetalingId"
                )
            return PendingPayment.of(job)

    def pending(self, kommunekode: str | None = None) -> list[PendingPayment]:
        """Slips paid but not yet booked."""
        jobs = [j for j in self.sim.scheduler.jobs("pending", 100_000) if j.name == SETTLE]
        out = [PendingPayment.of(j) for j in jobs]
        return [p for p in out if kommunekode in (None, p.kommunekode)]

    def _settle(self, ctx: JobContext) -> None:
        assert ctx.tx is not None
        p = PendingPayment.of(ctx.job)
        ledger = self.sim.ledger
        claim = ctx.tx.claim(p.kommunekode, p.fordring_id)
        assert claim is not None
        if claim.aaben:
            ledger.daekning(
                p.kommunekode,
                p.fordring_id,
                p.beloeb,
                model.Betalingsmiddel.INDBETALINGSKORT,
                indbetaling_id=p.indbetaling_id,
                betalingsdato=p.betalt.date(),
            )
            return
        account = ctx.tx.account(claim.konto)
        assert account is not None
        ledger.foretag_indbetaling(
            model.ForetagIndbetaling(
                kommunekode=p.kommunekode,
                debitor=account.debitor,
                indbetaling_id=p.indbetaling_id,
                beloeb=p.beloeb,
                betalingsmiddel=model.Betalingsmiddel.INDBETALINGSKORT,
            )
        )
