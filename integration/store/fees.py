"""The SQL of FBS's own records: patrons, their fees (with the derived balance) and blocks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from integration.domain.model import BlockPeriod, Fee, FeeStatus, FeeType, Material, Patron
from integration.store.base import ConnT, SqlBase
from integration.store.rows import at_ts, from_date, from_ts, ts

_FEE_COLUMNS = (
    "fee_id, fordring_id, agency_id, kommunekode, patron_id, type, reason_message, amount, "
    "written_down, creation_date, due_date, last_timely_date, skriftligt_anerkendt, materials, "
    "daekket, afskrevet, nedreguleret, paid_date, cancelled_at, handed_over_at, "
    "overdraget_status, status"
)
_PATRON_FIELDS = ("patron_id", "agency_id", "cpr", "cvr", "name")


def _materials_json(materials: tuple[Material, ...]) -> str:
    return json.dumps(
        [
            [
                m.material_item_number,
                m.record_id,
                m.material_group_name,
                m.material_group_description,
                m.periodical,
            ]
            for m in materials
        ],
        ensure_ascii=False,
    )


def _patron(row: Sequence[Any] | None) -> Patron | None:
    return Patron(**dict(zip(_PATRON_FIELDS, row, strict=True))) if row else None


def _fee(row: Sequence[Any]) -> Fee:
    (
        fee_id,
        fordring_id,
        agency_id,
        kommunekode,
        patron_id,
        type_,
        reason,
        amount,
        written_down,
        creation,
        due,
        timely,
        anerkendt,
        materials,
        daekket,
        afskrevet,
        nedreguleret,
        paid,
        cancelled,
        handed,
        overdraget,
        status,
    ) = tuple(row)
    return Fee(
        fee_id=fee_id,
        fordring_id=fordring_id,
        agency_id=agency_id,
        kommunekode=kommunekode,
        patron_id=patron_id,
        type=FeeType(type_),
        reason_message=reason,
        amount=amount,
        written_down=written_down,
        creation_date=date.fromisoformat(creation),
        due_date=date.fromisoformat(due),
        last_timely_date=date.fromisoformat(timely),
        skriftligt_anerkendt=bool(anerkendt),
        materials=tuple(
            Material(
                material_item_number=m[0],
                record_id=m[1],
                material_group_name=m[2],
                material_group_description=m[3],
                periodical=m[4],
            )
            for m in json.loads(materials)
        ),
        daekket=daekket,
        afskrevet=afskrevet,
        nedreguleret=nedreguleret,
        paid_date=from_date(paid),
        cancelled_at=from_ts(cancelled),
        handed_over_at=from_ts(handed),
        overdraget_status=overdraget,
        status=FeeStatus(status),
    )


class FeeSql(SqlBase[ConnT]):
    """Patrons, fees and block periods."""

    # --- patrons -------------------------------------------------------------

    def find_patron(self, agency_id: str, cpr: str | None, cvr: str | None) -> Patron | None:
        """The patron of `agency_id` with this CPR or CVR number, if any."""
        if cpr:
            row = self.conn.execute(
                "SELECT patron_id, agency_id, cpr, cvr, name FROM patrons WHERE agency_id=? AND cpr=?",
                (agency_id, cpr),
            ).fetchone()
        else:
            row = self.conn.execute(
                "SELECT patron_id, agency_id, cpr, cvr, name FROM patrons WHERE agency_id=? AND cvr=?",
                (agency_id, cvr),
            ).fetchone()
        return _patron(row)

    def patron(self, patron_id: int) -> Patron | None:
        """A patron by FBS patron id."""
        row = self.conn.execute(
            "SELECT patron_id, agency_id, cpr, cvr, name FROM patrons WHERE patron_id=?",
            (patron_id,),
        ).fetchone()
        return _patron(row)

    def add_patron(self, agency_id: str, cpr: str | None, cvr: str | None, name: str) -> Patron:
        """Create a patron; returns it with its new id."""
        patron_id = self._new_id(
            "INSERT INTO patrons (agency_id, cpr, cvr, name) VALUES (?,?,?,?)",
            (agency_id, cpr, cvr, name),
            "patron_id",
        )
        return Patron(patron_id=patron_id, agency_id=agency_id, cpr=cpr, cvr=cvr, name=name)

    def set_patron_ident(self, patron_id: int, cpr: str | None, cvr: str | None) -> None:
        """Change a patron's CPR/CVR number."""
        self.conn.execute(
            "UPDATE patrons SET cpr=?, cvr=? WHERE patron_id=?", (cpr, cvr, patron_id)
        )

    def idents_by_patron(self, patron_ids: set[int]) -> dict[int, str]:
        """CPR/CVR per patron id (for reconciliation, which matches on the debtor)."""
        out: dict[int, str] = {}
        for pid, cpr, cvr in self.conn.execute("SELECT patron_id, cpr, cvr FROM patrons"):
            if pid in patron_ids:
                out[pid] = cpr or cvr or ""
        return out

    # --- fees ----------------------------------------------------------------

    def add_fee(self, fee: Fee) -> Fee:
        """Insert a fee (its `fee_id` and `fordring_id` are assigned here)."""
        fee_id = self._new_id(
            "INSERT INTO fees (agency_id, kommunekode, patron_id, type, reason_message, amount, "
            "creation_date, due_date, last_timely_date, skriftligt_anerkendt, materials) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                fee.agency_id,
                fee.kommunekode,
                fee.patron_id,
                fee.type.value,
                fee.reason_message,
                fee.amount,
                fee.creation_date.isoformat(),
                fee.due_date.isoformat(),
                fee.last_timely_date.isoformat(),
                int(fee.skriftligt_anerkendt),
                _materials_json(fee.materials),
            ),
            "fee_id",
        )
        fordring_id = f"FBS-{fee.agency_id.removeprefix('DK-')}-{fee_id}"
        self.conn.execute("UPDATE fees SET fordring_id=? WHERE fee_id=?", (fordring_id, fee_id))
        return replace(fee, fee_id=fee_id, fordring_id=fordring_id)

    def fee(self, fee_id: int) -> Fee | None:
        """A fee by FBS fee id."""
        row = self.conn.execute(
            f"SELECT {_FEE_COLUMNS} FROM fees WHERE fee_id=?", (fee_id,)
        ).fetchone()
        return _fee(row) if row else None

    def fee_by_fordring(self, fordring_id: str) -> Fee | None:
        """A fee by the claim id it has in the debtor system."""
        row = self.conn.execute(
            f"SELECT {_FEE_COLUMNS} FROM fees WHERE fordring_id=?", (fordring_id,)
        ).fetchone()
        return _fee(row) if row else None

    def fees_of_patron(self, patron_id: int, kommunekode: str | None = None) -> list[Fee]:
        """All fees of a patron (in one municipality if given), oldest first."""
        if kommunekode is None:
            rows = self.conn.execute(
                f"SELECT {_FEE_COLUMNS} FROM fees WHERE patron_id=? ORDER BY fee_id", (patron_id,)
            )
        else:
            rows = self.conn.execute(
                f"SELECT {_FEE_COLUMNS} FROM fees WHERE patron_id=? AND kommunekode=? ORDER BY fee_id",
                (patron_id, kommunekode),
            )
        return [_fee(r) for r in rows]

    def fees_of_kommune(self, kommunekode: str) -> list[Fee]:
        """All fees of one municipality, oldest first."""
        rows = self.conn.execute(
            f"SELECT {_FEE_COLUMNS} FROM fees WHERE kommunekode=? ORDER BY fee_id", (kommunekode,)
        )
        return [_fee(r) for r in rows]

    def set_written_down(self, fee_id: int, written_down: int) -> None:
        """Record FBS's total write-down on a fee."""
        self.conn.execute("UPDATE fees SET written_down=? WHERE fee_id=?", (written_down, fee_id))

    def set_cancelled(self, fee_id: int, when: datetime) -> None:
        """Mark a fee cancelled by FBS."""
        self.conn.execute(
            "UPDATE fees SET cancelled_at=?, status='cancelled' WHERE fee_id=?", (ts(when), fee_id)
        )

    def set_handed_over(self, fordring_id: str, when: datetime) -> None:
        """Mark a fee as received by the debtor system (first time only)."""
        self.conn.execute(
            "UPDATE fees SET handed_over_at=? WHERE fordring_id=? AND handed_over_at IS NULL",
            (ts(when), fordring_id),
        )

    def set_balance(
        self,
        fee_id: int,
        *,
        daekket: int,
        afskrevet: int,
        nedreguleret: int,
        paid_date: date | None,
        overdraget_status: str | None,
        status: FeeStatus,
    ) -> None:
        """Store the balance derived from the debtor system's events."""
        self.conn.execute(
            "UPDATE fees SET daekket=?, afskrevet=?, nedreguleret=?, paid_date=?, "
            "overdraget_status=?, status=? WHERE fee_id=?",
            (
                daekket,
                afskrevet,
                nedreguleret,
                paid_date.isoformat() if paid_date else None,
                overdraget_status,
                status.value,
                fee_id,
            ),
        )

    # --- blocks --------------------------------------------------------------

    def open_block(self, patron_id: int, kommunekode: str) -> BlockPeriod | None:
        """The patron's current block in this municipality, if blocked."""
        row = self.conn.execute(
            "SELECT kommunekode, started, ended FROM block_periods "
            "WHERE patron_id=? AND kommunekode=? AND ended IS NULL",
            (patron_id, kommunekode),
        ).fetchone()
        return BlockPeriod(kommunekode=row[0], started=at_ts(row[1]), ended=None) if row else None

    def start_block(self, patron_id: int, kommunekode: str, when: datetime) -> None:
        """Record that a block starts now."""
        self.conn.execute(
            "INSERT INTO block_periods (patron_id, kommunekode, started) VALUES (?,?,?)",
            (patron_id, kommunekode, ts(when)),
        )

    def end_block(self, patron_id: int, kommunekode: str, when: datetime) -> None:
        """Record that the current block ends now."""
        self.conn.execute(
            "UPDATE block_periods SET ended=? WHERE patron_id=? AND kommunekode=? AND ended IS NULL",
            (ts(when), patron_id, kommunekode),
        )

    def block_periods(self, patron_id: int) -> list[BlockPeriod]:
        """Every block of a patron, oldest first."""
        rows = self.conn.execute(
            "SELECT kommunekode, started, ended FROM block_periods WHERE patron_id=? ORDER BY id",
            (patron_id,),
        )
        return [
            BlockPeriod(kommunekode=r[0], started=at_ts(r[1]), ended=from_ts(r[2])) for r in rows
        ]

    def all_block_periods(self, kommunekode: str | None = None) -> list[tuple[int, BlockPeriod]]:
        """Every block period (patron id, period), oldest first, optionally of one municipality."""
        if kommunekode is None:
            rows = self.conn.execute(
                "SELECT patron_id, kommunekode, started, ended FROM block_periods ORDER BY id"
            )
        else:
            rows = self.conn.execute(
                "SELECT patron_id, kommunekode, started, ended FROM block_periods "
                "WHERE kommunekode=? ORDER BY id",
                (kommunekode,),
            )
        return [
            (r[0], BlockPeriod(kommunekode=r[1], started=at_ts(r[2]), ended=from_ts(r[3])))
            for r in rows
        ]
