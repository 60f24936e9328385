"""The debtor system's collection steps over time, as jobs on the virtual clock.

For each new claim (profile values per municipality; all assumptions are listed
in docs/profiles.md):
1. *invoice* (`collection.invoice`): at `collection.job_time` on the first working
   day after the claim was created. A balance under `collection.invoice_minimum`
   is not invoiced, and so never reminded nor handed over.
2. *reminder* (`collection.reminder`): `reminders.<type>.days_after_due` days after
   the due date, at `collection.job_time`, if the claim is still open with a
   balance. It adds the reminder fee (`reminders.<type>.fee`) to the claim in the
   ledger (a `Rykkergebyr` booking, visible in DebitorForespoergsel, never reported
   to FBS as a fee) and sets a reminder deadline `deadline_days` later.
3. *handover* (`collection.handover`): `collection.handover_days_after_deadline`
   days after the reminder deadline, if still unpaid: the PSRM stub judges the claim
   and its receipt is booked in the ledger (`Inddrivelse` event), which reaches FBS
   as an `OverdragetTilInddrivelse` event.
4. *PSRM done* (`collection.psrm_done`): `collection.psrm_processing_days` after
   ``MODTAGET``, the receipt ``UDFOERT``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from oeir import model
from oeir.faults import BusinessRuleBroken
from simulators.calendar import is_working_day, plus_days
from simulators.clock import TZ
from simulators.collection.psrm import PsrmKvittering, reference, vurder
from simulators.engine import Simulator
from simulators.ledger.records import Claim, Event, EventKind
from simulators.profiles import Profile
from simulators.scheduler import JobContext
from simulators.store.base import Tx
from simulators.store.time import Mark, TimeRepo
from simulators.timesettings import TimeSettings

INVOICE = "collection.invoice"
REMINDER = "collection.reminder"
HANDOVER = "collection.handover"
PSRM_DONE = "collection.psrm_done"


def at(day: date, when: time) -> datetime:
    """`day` at the time of day `when`, in Copenhagen."""
    return datetime.combine(day, when, tzinfo=TZ)


def next_working_morning(after: datetime, when: time) -> datetime:
    """The first working day's `when` strictly after `after`."""
    day = after.date()
    today, later = _mornings(day, when)
    if today is not None and today > after:
        return today
    if later is not None and later > after:
        return later
    # `after` in another time zone, late in its day: the next day's `when` in Copenhagen
    # may not be after it. Walk, as without the cache (past the calendar: OverflowError).
    while True:
        instant = at(day, when)
        if is_working_day(day) and instant > after:
            return instant
        day += timedelta(days=1)


@lru_cache(maxsize=64)
def _mornings(day: date, when: time) -> tuple[datetime | None, datetime | None]:
    """`day` at `when` if it is a working day, and the next working day's `when` (None past
    the calendar): the two instants `next_working_morning` chooses from, worked out once per
    day (every new claim of the day asks)."""
    today = at(day, when) if is_working_day(day) else None
    try:
        later = day + timedelta(days=1)
        while not is_working_day(later):
            later += timedelta(days=1)
    except OverflowError:
        return today, None
    return today, at(later, when)


class Collection:
    """Invoice, reminder, handover and PSRM receipts as scheduled jobs."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self._settings: dict[str, tuple[Profile, TimeSettings]] = {}

    def _time_settings(self, kommunekode: str) -> TimeSettings:
        # A tenant PATCH or reset builds a new Profile object, which misses this cache.
        profile = self._profile(kommunekode)
        cached = self._settings.get(kommunekode)
        if cached is not None and cached[0] is profile:
            return cached[1]
        settings = TimeSettings.of(profile)
        self._settings[kommunekode] = (profile, settings)
        return settings

    def install(self) -> None:
        """Listen for new claims and register the job handlers."""
        self.sim.ledger.listeners.append(self.on_event)
        self.sim.scheduler.register(INVOICE, self._job(self.invoice))
        self.sim.scheduler.register(REMINDER, self._job(self.remind))
        self.sim.scheduler.register(HANDOVER, self._job(self.hand_over))
        self.sim.scheduler.register(PSRM_DONE, self._job(self.psrm_done))

    def _profile(self, kommunekode: str) -> Profile:
        tenant = self.sim.tenants.get(kommunekode)
        if tenant is None:
            raise KeyError(kommunekode)
        return tenant.profile

    def _job(self, step: Any) -> Any:
        def handler(ctx: JobContext) -> None:
            assert ctx.tx is not None
            p = ctx.job.payload
            step(ctx.tx, p["kommunekode"], p["fordring_id"], ctx.now)

        return handler

    @staticmethod
    def _payload(claim: Claim) -> dict[str, str]:
        return {"kommunekode": claim.kommunekode, "fordring_id": claim.fordring_id}

    def on_event(self, tx: Tx, event: Event) -> None:
        """Ledger listener: a new claim gets its invoice job."""
        if event.kind != EventKind.FORDRING_OPRETTET or event.fordring_id is None:
            return
        settings = self._time_settings(event.kommunekode)
        due = next_working_morning(event.tidspunkt, settings.job_time)
        key = f"invoice:{event.kommunekode}:{event.fordring_id}"
        payload = {"kommunekode": event.kommunekode, "fordring_id": event.fordring_id}
        tx.queue_job(INVOICE, due, payload, key)

    # -- the steps (each runs inside the job's transaction) ---------------------------------

    def invoice(self, tx: Tx, kommunekode: str, fordring_id: str, now: datetime) -> str:
        """Form the invoice and queue the reminder; returns what happened."""
        claim = tx.claim(kommunekode, fordring_id)
        if claim is None or not claim.aaben or claim.saldo <= 0:
            return "ikke aaben"
        profile = self._profile(kommunekode)
        repo = TimeRepo(tx)
        minimum = profile.collection.invoice_minimum
        if claim.saldo < minimum:
            repo.add_mark(
                Mark(
                    kommunekode,
                    fordring_id,
                    "ikke_faktureret",
                    now,
                    {"saldo": claim.saldo, "fakturagraense": minimum},
                )
            )
            return "under fakturagraense"
        repo.add_mark(
            Mark(
                kommunekode,
                fordring_id,
                "invoiced",
                now,
                {"beloeb": claim.saldo, "forfaldsdato": claim.forfaldsdato.isoformat()},
            )
        )
        rule = profile.reminders[claim.fordring_type]
        settings = TimeSettings.of(profile)
        reminder_day = plus_days(claim.forfaldsdato, rule.days_after_due)
        if reminder_day is None:
            return "faktureret; rykker uden for kalenderen"
        due = max(now, at(reminder_day, settings.job_time))
        tx.queue_job(REMINDER, due, self._payload(claim), f"reminder:{kommunekode}:{fordring_id}")
        return "faktureret"

    def remind(self, tx: Tx, kommunekode: str, fordring_id: str, now: datetime) -> str:
        """Send the reminder: add the fee, set the deadline, queue the handover."""
        claim = tx.claim(kommunekode, fordring_id)
        if claim is None or not claim.aaben or claim.saldo <= 0:
            return "ikke aaben"
        repo = TimeRepo(tx)
        if any(m.step == "reminded" for m in repo.marks(kommunekode, fordring_id)):
            return "allerede rykket"
        profile = self._profile(kommunekode)
        rule = profile.reminders[claim.fordring_type]
        settings = TimeSettings.of(profile)
        fee = rule.fee
        if fee > 0:
            try:
                self.sim.ledger.rykkergebyr(kommunekode, fordring_id, fee, tekst="Rykkergebyr")
            except BusinessRuleBroken as err:
                # The fee would push a balance past what the contract carries: the ledger
                # refused it (changing nothing); the reminder still goes out, without a fee.
                if err.kode != "BeloebForStort":
                    raise
                fee = 0
        frist = plus_days(now.date(), rule.deadline_days)
        wait = profile.collection.handover_days_after_deadline
        handover_day = None if frist is None else plus_days(frist, wait)
        repo.add_mark(
            Mark(
                kommunekode,
                fordring_id,
                "reminded",
                now,
                {"rykkergebyr": fee, "frist": frist.isoformat() if frist else None},
            )
        )
        if handover_day is None:
            return "rykket; overdragelse uden for kalenderen"
        due = at(handover_day, settings.job_time)
        tx.queue_job(HANDOVER, due, self._payload(claim), f"handover:{kommunekode}:{fordring_id}")
        return "rykket"

    def hand_over(self, tx: Tx, kommunekode: str, fordring_id: str, now: datetime) -> str:
        """Hand an unpaid claim to the PSRM stub and book its receipt."""
        claim = tx.claim(kommunekode, fordring_id)
        if claim is None or not claim.aaben or claim.saldo <= 0:
            return "ikke aaben"
        account = tx.account(claim.konto)
        assert account is not None
        repo = TimeRepo(tx)
        reminded = any(m.step == "reminded" for m in repo.marks(kommunekode, fordring_id))
        kvittering = vurder(claim, account, now.date(), reminded=reminded)
        self._book(tx, claim, kvittering, now)
        if kvittering.status == model.PsrmStatus.MODTAGET:
            days = TimeSettings.of(self._profile(kommunekode)).psrm_processing_days
            done = plus_days(now, days)
            if done is not None:
                tx.queue_job(
                    PSRM_DONE,
                    done,
                    self._payload(claim),
                    f"psrm-done:{kommunekode}:{fordring_id}:{now.isoformat()}",
                )
        return str(kvittering.status)

    def psrm_done(self, tx: Tx, kommunekode: str, fordring_id: str, now: datetime) -> str:
        """PSRM's final receipt on an accepted claim."""
        claim = tx.claim(kommunekode, fordring_id)
        if claim is None or claim.inddrivelse_status != model.PsrmStatus.MODTAGET:
            return "ikke modtaget"
        self._book(tx, claim, PsrmKvittering(model.PsrmStatus.UDFOERT, reference(claim)), now)
        return "udfoert"

    def _book(self, tx: Tx, claim: Claim, kvittering: PsrmKvittering, now: datetime) -> None:
        self.sim.ledger.inddrivelse(
            claim.kommunekode,
            claim.fordring_id,
            kvittering.status,
            psrm_reference=kvittering.reference,
            tekst=kvittering.tekst,
        )
        TimeRepo(tx).add_mark(
            Mark(
                claim.kommunekode,
                claim.fordring_id,
                "handed_over",
                now,
                {
                    "status": str(kvittering.status),
                    "aarsag": str(kvittering.aarsag) if kvittering.aarsag else None,
                    "psrm_reference": kvittering.reference,
                    "tekst": kvittering.tekst,
                },
            )
        )

    # -- admin: run a step now -------------------------------------------------------------

    def run_now(self, step: str, kommunekode: str, fordring_id: str) -> str:
        """Run ``invoice``, ``remind`` or ``hand_over`` for one claim at the current time."""
        action = {"invoice": self.invoice, "remind": self.remind, "hand_over": self.hand_over}[step]
        with self.sim.store.transaction() as tx:
            result: str = action(tx, kommunekode, fordring_id, self.sim.clock.now())
            return result
