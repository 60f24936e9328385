"""The SQL of the callback events applied to fees, each stored once with its effect."""

from __future__ import annotations

from datetime import date, datetime

from integration.domain.balance import StoredEvent
from integration.store.base import ConnT, SqlBase
from integration.store.rows import ts


class EventSql(SqlBase[ConnT]):
    """The applied events (haendelser) by id and by claim."""

    def fordring_of_haendelse(self, haendelse_id: str) -> str | None:
        """The claim an applied event was about ("" for none), or None if never applied."""
        row = self.conn.execute(
            "SELECT fordring_id FROM haendelser WHERE haendelse_id=?", (haendelse_id,)
        ).fetchone()
        return None if row is None else (row[0] or "")

    def has_haendelse(self, haendelse_id: str) -> bool:
        """True if this event id was applied before."""
        return (
            self.conn.execute(
                "SELECT 1 FROM haendelser WHERE haendelse_id=?", (haendelse_id,)
            ).fetchone()
            is not None
        )

    def add_haendelse(self, fordring_id: str | None, event: StoredEvent, when: datetime) -> None:
        """Store an applied event (same transaction as its effect)."""
        self.conn.execute(
            "INSERT INTO haendelser (haendelse_id, fordring_id, art, beloeb, dato, ref, status, "
            "received_at) VALUES (?,?,?,?,?,?,?,?)",
            (
                event.haendelse_id,
                fordring_id,
                event.art,
                event.beloeb,
                event.dato.isoformat(),
                event.ref,
                event.status,
                ts(when),
            ),
        )

    def haendelser(self, fordring_id: str) -> list[StoredEvent]:
        """All events applied to one claim."""
        rows = self.conn.execute(
            "SELECT haendelse_id, art, beloeb, dato, ref, status FROM haendelser WHERE fordring_id=?",
            (fordring_id,),
        )
        return [
            StoredEvent(
                haendelse_id=r[0],
                art=r[1],
                beloeb=r[2],
                dato=date.fromisoformat(r[3]),
                ref=r[4],
                status=r[5],
            )
            for r in rows
        ]
