"""The narrow repository layer: every SQL statement of the integration core lives here.

SQLite in WAL mode by default. One connection per thread; write transactions
start with ``BEGIN IMMEDIATE`` so that several processes (the web app and
``debitorsim core-worker``) can share one database file safely. A PostgreSQL
backend implements the same `Repo` methods (claiming with
``FOR UPDATE SKIP LOCKED`` instead of a lease update under the write lock).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from integration.domain.balance import StoredEvent
from integration.domain.model import BlockPeriod, Fee, FeeStatus, FeeType, Material, Patron

SCHEMA = """
CREATE TABLE IF NOT EXISTS patrons (
    patron_id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id TEXT NOT NULL,
    cpr TEXT, cvr TEXT, name TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS patrons_cpr ON patrons(agency_id, cpr) WHERE cpr IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS patrons_cvr ON patrons(agency_id, cvr) WHERE cvr IS NOT NULL;
CREATE TABLE IF NOT EXISTS fees (
    fee_id INTEGER PRIMARY KEY AUTOINCREMENT,
    fordring_id TEXT UNIQUE,
    agency_id TEXT NOT NULL, kommunekode TEXT NOT NULL,
    patron_id INTEGER NOT NULL REFERENCES patrons(patron_id),
    type TEXT NOT NULL, reason_message TEXT NOT NULL,
    amount INTEGER NOT NULL, written_down INTEGER NOT NULL DEFAULT 0,
    creation_date TEXT NOT NULL, due_date TEXT NOT NULL, last_timely_date TEXT NOT NULL,
    skriftligt_anerkendt INTEGER NOT NULL, materials TEXT NOT NULL,
    daekket INTEGER NOT NULL DEFAULT 0, afskrevet INTEGER NOT NULL DEFAULT 0,
    nedreguleret INTEGER NOT NULL DEFAULT 0,
    paid_date TEXT, cancelled_at TEXT, handed_over_at TEXT, overdraget_status TEXT,
    status TEXT NOT NULL DEFAULT 'open'
);
CREATE INDEX IF NOT EXISTS fees_patron ON fees(patron_id, kommunekode);
CREATE INDEX IF NOT EXISTS fees_kommune ON fees(kommunekode);
CREATE TABLE IF NOT EXISTS block_periods (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patron_id INTEGER NOT NULL, kommunekode TEXT NOT NULL,
    started TEXT NOT NULL, ended TEXT
);
CREATE INDEX IF NOT EXISTS block_patron ON block_periods(patron_id);
CREATE TABLE IF NOT EXISTS haendelser (
    haendelse_id TEXT PRIMARY KEY,
    fordring_id TEXT, art TEXT NOT NULL, beloeb INTEGER NOT NULL DEFAULT 0,
    dato TEXT NOT NULL, ref TEXT, status TEXT, received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS haendelser_fordring ON haendelser(fordring_id);
CREATE TABLE IF NOT EXISTS accounts (
    kommunekode TEXT NOT NULL, ident TEXT NOT NULL, kontonummer TEXT NOT NULL,
    PRIMARY KEY (kommunekode, ident)
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    msg_id TEXT NOT NULL UNIQUE,
    ordering_key TEXT NOT NULL,
    kommunekode TEXT NOT NULL,
    operation TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before TEXT NOT NULL,
    lease_until TEXT,
    created TEXT NOT NULL,
    sent_at TEXT,
    last_error TEXT, fault_code TEXT, fault_text TEXT
);
CREATE INDEX IF NOT EXISTS outbox_key ON outbox(ordering_key, id) WHERE state != 'sent';
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(not_before, id) WHERE state = 'pending';
"""

RESET_TABLES = ("outbox", "haendelser", "block_periods", "accounts", "fees", "patrons")
"""Every table of the core, in an order `Repo.reset` can delete them in."""

_FEE_COLUMNS = (
    "fee_id, fordring_id, agency_id, kommunekode, patron_id, type, reason_message, amount, "
    "written_down, creation_date, due_date, last_timely_date, skriftligt_anerkendt, materials, "
    "daekket, afskrevet, nedreguleret, paid_date, cancelled_at, handed_over_at, "
    "overdraget_status, status"
)


def ts(when: datetime) -> str:
    """A sortable UTC text timestamp for the database."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def from_ts(text: str | None) -> datetime | None:
    """Read a timestamp written by `ts`."""
    return datetime.fromisoformat(text) if text else None


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass(frozen=True, kw_only=True)
class OutboxRow:
    """One outgoing message as stored."""

    id: int
    msg_id: str
    ordering_key: str
    kommunekode: str
    operation: str
    payload: str
    state: str
    attempts: int
    not_before: datetime
    created: datetime
    sent_at: datetime | None = None
    last_error: str | None = None
    fault_code: str | None = None
    fault_text: str | None = None


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


def _fee(row: sqlite3.Row | tuple[Any, ...]) -> Fee:
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
        paid_date=_d(paid),
        cancelled_at=from_ts(cancelled),
        handed_over_at=from_ts(handed),
        overdraget_status=overdraget,
        status=FeeStatus(status),
    )


def _outbox(row: tuple[Any, ...]) -> OutboxRow:
    return OutboxRow(
        id=row[0],
        msg_id=row[1],
        ordering_key=row[2],
        kommunekode=row[3],
        operation=row[4],
        payload=row[5],
        state=row[6],
        attempts=row[7],
        not_before=from_ts(row[8]),  # type: ignore[arg-type]
        created=from_ts(row[9]),  # type: ignore[arg-type]
        sent_at=from_ts(row[10]),
        last_error=row[11],
        fault_code=row[12],
        fault_text=row[13],
    )


_OUTBOX_COLUMNS = (
    "id, msg_id, ordering_key, kommunekode, operation, payload, state, attempts, "
    "not_before, created, sent_at, last_error, fault_code, fault_text"
)


class Repo:
    """All reads and writes, bound to one connection (inside one transaction when writing)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _new_id(self, sql: str, args: Sequence[Any], column: str) -> int:
        """Run an INSERT and return the new row's id (`column`); backends differ only here."""
        return int(self.conn.execute(sql, args).lastrowid or 0)

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
        return (
            Patron(**dict(zip(("patron_id", "agency_id", "cpr", "cvr", "name"), row, strict=True)))
            if row
            else None
        )

    def patron(self, patron_id: int) -> Patron | None:
        """A patron by FBS patron id."""
        row = self.conn.execute(
            "SELECT patron_id, agency_id, cpr, cvr, name FROM patrons WHERE patron_id=?",
            (patron_id,),
        ).fetchone()
        return (
            Patron(**dict(zip(("patron_id", "agency_id", "cpr", "cvr", "name"), row, strict=True)))
            if row
            else None
        )

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

    def idents_by_patron(self, patron_ids: set[int]) -> dict[int, str]:
        """CPR/CVR per patron id (for reconciliation, which matches on the debtor)."""
        out: dict[int, str] = {}
        for pid, cpr, cvr in self.conn.execute("SELECT patron_id, cpr, cvr FROM patrons"):
            if pid in patron_ids:
                out[pid] = cpr or cvr or ""
        return out

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
        return BlockPeriod(kommunekode=row[0], started=from_ts(row[1]), ended=None) if row else None  # type: ignore[arg-type]

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
            BlockPeriod(kommunekode=r[0], started=from_ts(r[1]), ended=from_ts(r[2])) for r in rows
        ]  # type: ignore[arg-type]

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
            (r[0], BlockPeriod(kommunekode=r[1], started=from_ts(r[2]), ended=from_ts(r[3])))  # type: ignore[arg-type]
            for r in rows
        ]

    # --- callback events ------------------------------------------------------

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

    # --- debtor accounts ------------------------------------------------------

    def account(self, kommunekode: str, ident: str) -> str | None:
        """The debtor account number known for this debtor in this municipality."""
        row = self.conn.execute(
            "SELECT kontonummer FROM accounts WHERE kommunekode=? AND ident=?", (kommunekode, ident)
        ).fetchone()
        return row[0] if row else None

    def set_account(self, kommunekode: str, ident: str, kontonummer: str) -> None:
        """Remember a debtor account number."""
        self.conn.execute(
            "INSERT INTO accounts (kommunekode, ident, kontonummer) VALUES (?,?,?) "
            "ON CONFLICT(kommunekode, ident) DO UPDATE SET kontonummer=excluded.kontonummer",
            (kommunekode, ident, kontonummer),
        )

    def forget_account(self, kommunekode: str, ident: str) -> None:
        """Forget an account the debtor system says does not exist."""
        self.conn.execute(
            "DELETE FROM accounts WHERE kommunekode=? AND ident=?", (kommunekode, ident)
        )

    # --- outbox ----------------------------------------------------------------

    def enqueue(
        self,
        *,
        msg_id: str,
        ordering_key: str,
        kommunekode: str,
        operation: str,
        payload: str,
        now: datetime,
    ) -> int:
        """Add an outgoing message (call inside the transaction that changes the fee)."""
        return self._new_id(
            "INSERT INTO outbox (msg_id, ordering_key, kommunekode, operation, payload, "
            "not_before, created) VALUES (?,?,?,?,?,?,?)",
            (msg_id, ordering_key, kommunekode, operation, payload, ts(now), ts(now)),
            "id",
        )

    def claim_due(
        self, now: datetime, limit: int, *, lease_now: datetime, lease_until: datetime
    ) -> list[OutboxRow]:
        """Reserve up to `limit` messages due at `now` that are first in line for their claim.

        `now` is the core's (virtual) clock, for ``not_before``; `lease_now` and
        `lease_until` are real wall-clock time, for the lease: a lease left by a killed
        worker runs out in real time, even while virtual time stands still.
        A message waits while an earlier message for the same claim is not yet
        sent (pending or parked), which keeps each claim's messages in order;
        a parked message a person chose to skip no longer holds the others.
        Call inside a write transaction (``BEGIN IMMEDIATE``) so that two
        workers never reserve the same row.
        """
        rows = self.conn.execute(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox o WHERE o.state='pending' AND o.not_before<=? "
            "AND (o.lease_until IS NULL OR o.lease_until<=?) "
            "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.ordering_key=o.ordering_key "
            "AND p.id<o.id AND p.state!='sent' AND p.state!='skipped') "
            "ORDER BY o.not_before, o.id LIMIT ?",
            (ts(now), ts(lease_now), limit),
        ).fetchall()
        if rows:
            self.conn.executemany(
                "UPDATE outbox SET lease_until=? WHERE id=?",
                [(ts(lease_until), r[0]) for r in rows],
            )
        return [_outbox(r) for r in rows]

    def mark_sent(self, row_id: int, now: datetime) -> None:
        """The debtor system took the message."""
        self.conn.execute(
            "UPDATE outbox SET state='sent', sent_at=?, lease_until=NULL, attempts=attempts+1 WHERE id=?",
            (ts(now), row_id),
        )

    def mark_retry(self, row_id: int, not_before: datetime, error: str) -> None:
        """A technical fault: try again at `not_before`."""
        self.conn.execute(
            "UPDATE outbox SET attempts=attempts+1, not_before=?, lease_until=NULL, last_error=? WHERE id=?",
            (ts(not_before), error[:1000], row_id),
        )

    def mark_parked(self, row_id: int, code: str, text: str) -> None:
        """A business fault: stop, and keep the readable reason for a person to act on."""
        self.conn.execute(
            "UPDATE outbox SET state='parked', attempts=attempts+1, lease_until=NULL, "
            "fault_code=?, fault_text=?, last_error=? WHERE id=?",
            (code, text[:1000], f"{code}: {text}"[:1000], row_id),
        )

    def requeue(self, row_id: int, now: datetime) -> bool:
        """Put a parked message back in line (after a person fixed the cause)."""
        cur = self.conn.execute(
            "UPDATE outbox SET state='pending', not_before=?, fault_code=NULL, fault_text=NULL "
            "WHERE id=? AND state='parked'",
            (ts(now), row_id),
        )
        return cur.rowcount == 1

    def skip(self, row_id: int) -> bool:
        """Give up on a parked message (a person decided); later ones of its claim may go."""
        cur = self.conn.execute(
            "UPDATE outbox SET state='skipped' WHERE id=? AND state='parked'", (row_id,)
        )
        return cur.rowcount == 1

    def outbox_rows(self, state: str | None = None, limit: int = 500) -> list[OutboxRow]:
        """Messages, newest first, optionally of one state."""
        if state:
            rows = self.conn.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE state=? ORDER BY id DESC LIMIT ?",
                (state, limit),
            )
        else:
            rows = self.conn.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox ORDER BY id DESC LIMIT ?", (limit,)
            )
        return [_outbox(r) for r in rows]

    def outbox_row(self, row_id: int) -> OutboxRow | None:
        """One message by its row id."""
        row = self.conn.execute(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE id=?", (row_id,)
        ).fetchone()
        return _outbox(row) if row else None

    def outbox_counts(self) -> dict[str, int]:
        """How many messages are pending, sent, parked and skipped."""
        counts = {"pending": 0, "sent": 0, "parked": 0, "skipped": 0}
        for state, n in self.conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state"):
            counts[state] = n
        return counts

    def next_due(self) -> datetime | None:
        """When the earliest pending message becomes due."""
        row = self.conn.execute(
            "SELECT MIN(not_before) FROM outbox WHERE state='pending'"
        ).fetchone()
        return from_ts(row[0]) if row and row[0] else None

    # --- starting fresh --------------------------------------------------------

    def row_counts(self) -> dict[str, int]:
        """Rows per table (what `reset` would remove)."""
        return {
            table: int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            for table in RESET_TABLES
        }

    def reset(self) -> dict[str, int]:
        """Delete every row of every table (the schema stays); rows removed per table.

        Children before parents (fees refer to patrons).
        """
        return {
            table: max(0, int(self.conn.execute(f"DELETE FROM {table}").rowcount or 0))
            for table in RESET_TABLES
        }


class Store:
    """The database: hands out a `Repo` for reads or inside one write transaction."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._local = threading.local()
        self._shared: sqlite3.Connection | None = None
        if self.path == ":memory:":
            # One connection for all threads: an in-memory DB exists per connection.
            self._shared = self._connect()
            self._shared_lock = threading.RLock()
        with self._conn_ctx() as conn:
            conn.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        if self.path != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @contextmanager
    def _conn_ctx(self) -> Iterator[sqlite3.Connection]:
        if self._shared is not None:
            with self._shared_lock:
                yield self._shared
            return
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        yield conn

    @contextmanager
    def tx(self) -> Iterator[Repo]:
        """A write transaction (BEGIN IMMEDIATE): commits on success, rolls back on error."""
        with self._conn_ctx() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Repo(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Repo]:
        """Reads in one consistent snapshot."""
        with self._conn_ctx() as conn:
            conn.execute("BEGIN")
            try:
                yield Repo(conn)
            finally:
                conn.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection (and the shared in-memory one)."""
        if self._shared is not None:
            self._shared.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
