"""FBS domain operations: fees, write-downs, cancellations, CPR/CVR changes, blocks.

Plain Python over the repository. Each operation changes the fee and adds its
outgoing message in ONE transaction (the transactional outbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from integration.config import CoreConfig
from integration.domain.balance import derive
from integration.domain.model import Fee, FeeStatus, FeeType, Material, Patron
from integration.mapping import dates_for, fit_text, to_debitor, to_fordring
from integration.outbox import messages
from integration.store import Repo, Store
from oeir import model
from oeir.identifiers import valid_cpr, valid_cvr


class FbsError(Exception):
    """A harness request FBS refuses; `status` is the HTTP status to answer with."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True, kw_only=True)
class NewFee:
    """What the harness asks FBS to create."""

    agency_id: str
    type: FeeType
    reason_message: str
    amount: int
    cpr: str | None = None
    cvr: str | None = None
    name: str = ""
    patron_id: int | None = None
    materials: tuple[Material, ...] = ()
    skriftligt_anerkendt: bool | None = None
    creation_date: date | None = None


def _check_ident(cpr: str | None, cvr: str | None) -> None:
    if (cpr is None) == (cvr is None):
        raise FbsError("DebitorUgyldig", "Give exactly one of cpr and cvr.")
    if cpr is not None and not valid_cpr(cpr):
        raise FbsError("CprUgyldig", "The CPR number is invalid.")
    if cvr is not None and not valid_cvr(cvr):
        raise FbsError("CvrUgyldig", "The CVR number is invalid.")


class FbsService:
    """FBS as the harness drives it."""

    def __init__(self, store: Store, config: CoreConfig) -> None:
        self.store = store
        self.config = config

    # --- commands --------------------------------------------------------------

    def create_fee(self, new: NewFee) -> Fee:
        """Create a fee (finding or creating its patron) and queue the claim for the debtor system."""
        return self.create_fees([new])[0]

    def create_fees(self, batch: list[NewFee]) -> list[Fee]:
        """Create several fees in ONE transaction (an FBS batch run); all or none are stored."""
        now = self.config.clock.now()
        for new in batch:
            self._check_new(new)
        with self.store.tx() as repo:
            created = [self._create(repo, new, now) for new in batch]
            for patron_id, kommune in {(f.patron_id, f.kommunekode) for f in created}:
                self.refresh_block(repo, patron_id, kommune)
            return created  # a block is the patron's: the fees themselves are as stored

    def _check_new(self, new: NewFee) -> None:
        if new.amount <= 0:
            raise FbsError("BeloebIkkePositivt", "The amount must be greater than zero.")
        if not new.reason_message.strip():
            raise FbsError("TekstMangler", "reasonMessage is required.")
        try:
            self.config.kommune_for_agency(new.agency_id)
        except ValueError as exc:
            raise FbsError("UkendtBibliotek", str(exc), 404) from exc

    def _create(self, repo: Repo, new: NewFee, now: datetime) -> Fee:
        kommune = self.config.kommune_for_agency(new.agency_id)
        rules = self.config.rules(kommune)
        creation = new.creation_date or now.date()
        due, timely = dates_for(creation, rules)
        patron = self._patron_for(repo, new)
        fee = repo.add_fee(
            Fee(
                fee_id=0,
                fordring_id="",
                agency_id=new.agency_id,
                kommunekode=kommune,
                patron_id=patron.patron_id,
                type=new.type,
                reason_message=new.reason_message,
                amount=new.amount,
                creation_date=creation,
                due_date=due,
                last_timely_date=timely,
                skriftligt_anerkendt=bool(
                    new.skriftligt_anerkendt
                    if new.skriftligt_anerkendt is not None
                    else new.type is FeeType.COMPENSATION
                    and rules.compensation_acknowledged_in_writing
                ),
                materials=new.materials,
            )
        )
        messages.enqueue(
            repo,
            operation=messages.OPRET,
            message=to_fordring(fee, patron, rules),
            fordring_id=fee.fordring_id,
            kommunekode=kommune,
            now=now,
        )
        return fee

    def _patron_for(self, repo: Repo, new: NewFee) -> Patron:
        if new.patron_id is not None:
            patron = repo.patron(new.patron_id)
            if patron is None or patron.agency_id != new.agency_id:
                raise FbsError("UkendtLaaner", "No such patron at this agency.", 404)
            return patron
        _check_ident(new.cpr, new.cvr)
        found = repo.find_patron(new.agency_id, new.cpr, new.cvr)
        if found is not None:
            return found
        if not new.name.strip():
            raise FbsError("NavnMangler", "A new patron needs a name.")
        return repo.add_patron(new.agency_id, new.cpr, new.cvr, new.name.strip())

    def write_down(
        self,
        fee_id: int,
        amount: int,
        aarsag: model.NedskrivningAarsag = model.NedskrivningAarsag.ANDET,
        tekst: str | None = None,
    ) -> Fee:
        """Write part of a fee down (nedskrivning) and queue `NedskrivFordring`."""
        with self.store.tx() as repo:
            fee = self._open_fee(repo, fee_id)
            if amount <= 0:
                raise FbsError("BeloebIkkePositivt", "The amount must be greater than zero.")
            if amount > fee.remaining:
                raise FbsError(
                    "NedskrivningOverstigerSaldo", "The write-down exceeds what is still owed."
                )
            repo.set_written_down(fee_id, fee.written_down + amount)
            msg_id = messages.new_msg_id()
            messages.enqueue(
                repo,
                operation="NedskrivFordring",
                message=model.NedskrivFordring(
                    kreditor=model.Kreditor(agency_id=fee.agency_id, kommunekode=fee.kommunekode),
                    fordring_id=fee.fordring_id,
                    nedskrivning_id=f"NED-{msg_id}",
                    beloeb=amount,
                    aarsag=aarsag,
                    tekst=self._fit(tekst, fee.kommunekode),
                ),
                fordring_id=fee.fordring_id,
                kommunekode=fee.kommunekode,
                now=self.config.clock.now(),
                msg_id=msg_id,
            )
            self._rederive(repo, fee_id)
            self.refresh_block(repo, fee.patron_id, fee.kommunekode)
            return repo.fee(fee_id)  # type: ignore[return-value]

    def cancel(
        self,
        fee_id: int,
        aarsag: model.AnnulleringAarsag = model.AnnulleringAarsag.ANDET,
        tekst: str | None = None,
    ) -> Fee:
        """Cancel a fee (annullering) and queue `AnnullerFordring`."""
        now = self.config.clock.now()
        with self.store.tx() as repo:
            fee = self._open_fee(repo, fee_id)
            repo.set_cancelled(fee_id, now)
            messages.enqueue(
                repo,
                operation="AnnullerFordring",
                message=model.AnnullerFordring(
                    kreditor=model.Kreditor(agency_id=fee.agency_id, kommunekode=fee.kommunekode),
                    fordring_id=fee.fordring_id,
                    aarsag=aarsag,
                    tekst=self._fit(tekst, fee.kommunekode),
                ),
                fordring_id=fee.fordring_id,
                kommunekode=fee.kommunekode,
                now=now,
            )
            self.refresh_block(repo, fee.patron_id, fee.kommunekode)
            return repo.fee(fee_id)  # type: ignore[return-value]

    def change_ident(self, patron_id: int, cpr: str | None, cvr: str | None) -> list[Fee]:
        """Change a patron's CPR/CVR; queue `SkiftHaefter` for every open fee. Returns those fees."""
        _check_ident(cpr, cvr)
        now = self.config.clock.now()
        with self.store.tx() as repo:
            patron = repo.patron(patron_id)
            if patron is None:
                raise FbsError("UkendtLaaner", "No such patron.", 404)
            if repo.find_patron(patron.agency_id, cpr, cvr) not in (None, patron):
                raise FbsError("LaanerFindes", "Another patron has this CPR/CVR number.", 409)
            repo.set_patron_ident(patron_id, cpr, cvr)
            moved = Patron(
                patron_id=patron_id, agency_id=patron.agency_id, cpr=cpr, cvr=cvr, name=patron.name
            )
            changed = []
            for fee in repo.fees_of_patron(patron_id):
                if fee.status is not FeeStatus.OPEN:
                    continue
                messages.enqueue(
                    repo,
                    operation="SkiftHaefter",
                    message=model.SkiftHaefter(
                        kreditor=model.Kreditor(
                            agency_id=fee.agency_id, kommunekode=fee.kommunekode
                        ),
                        fordring_id=fee.fordring_id,
                        ny_debitor=to_debitor(moved),
                    ),
                    fordring_id=fee.fordring_id,
                    kommunekode=fee.kommunekode,
                    now=now,
                )
                changed.append(fee)
            return changed

    def _fit(self, tekst: str | None, kommunekode: str) -> str | None:
        if tekst is None:
            return None
        rules = self.config.rules(kommunekode)
        return fit_text(tekst, rules.max_text_length, rules.abbreviations)

    def _open_fee(self, repo: Repo, fee_id: int) -> Fee:
        fee = repo.fee(fee_id)
        if fee is None:
            raise FbsError("GebyrFindesIkke", "No such fee.", 404)
        if fee.status is not FeeStatus.OPEN:
            raise FbsError("GebyrLukket", f"The fee is {fee.status.value}.", 409)
        return fee

    # --- derived state -----------------------------------------------------------

    def _rederive(self, repo: Repo, fee_id: int) -> None:
        fee = repo.fee(fee_id)
        assert fee is not None
        balance = derive(
            fee.principal, fee.cancelled_at is not None, repo.haendelser(fee.fordring_id)
        )
        repo.set_balance(
            fee_id,
            daekket=balance.daekket,
            afskrevet=balance.afskrevet,
            nedreguleret=balance.nedreguleret,
            paid_date=balance.paid_date,
            overdraget_status=balance.overdraget_status,
            status=balance.status,
        )

    def rederive(self, repo: Repo, fee_id: int) -> None:
        """Recompute a fee's balance from all its events (after an event was stored)."""
        self._rederive(repo, fee_id)

    def refresh_block(self, repo: Repo, patron_id: int, kommunekode: str) -> bool:
        """Start or end the patron's block from the unpaid debt; returns whether blocked."""
        debt = sum(f.remaining for f in repo.fees_of_patron(patron_id, kommunekode))
        threshold = self.config.rules(kommunekode).block_threshold_oere
        blocked = repo.open_block(patron_id, kommunekode) is not None
        now = self.config.clock.now()
        if debt >= threshold and not blocked:
            repo.start_block(patron_id, kommunekode, now)
            return True
        if debt < threshold and blocked:
            repo.end_block(patron_id, kommunekode, now)
            return False
        return blocked
