"""SQLite (WAL) backend of the simulators' store. All SQL of the simulators lives here.

One connection per thread (the server is multi-threaded); writers take
``BEGIN IMMEDIATE`` so they are serialised, readers see a consistent snapshot.
The SQL is kept plain so a PostgreSQL backend can follow the same shape.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from oeir import model
from simulators.ledger.records import Account, Claim, Event, EventKind, NewEvent
from simulators.store.base import (
    CallKey,
    FaultRow,
    FaultState,
    Job,
    JournalEntry,
    JournalFilter,
    RecordedCall,
    chunks,
)

# -- fault injection (simulators.faults): tables ------------------------------------------
# Shared by every process on the database. Not emptied by `reset` (rules are not data).
# One row in fault_state (name = 'rules'): generation, clears, id sequence, config marker.
FAULT_SCHEMA = """
CREATE TABLE IF NOT EXISTS fault_rules (
    id INTEGER PRIMARY KEY,
    definition TEXT NOT NULL,
    source TEXT NOT NULL,
    remaining INTEGER,
    fired INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS fault_state (
    name TEXT PRIMARY KEY,
    generation INTEGER NOT NULL,
    clears INTEGER NOT NULL,
    next_id INTEGER NOT NULL,
    config_digest TEXT
);
"""
FAULT_GENERATION = "SELECT generation FROM fault_state WHERE name = 'rules'"
PEEK_META = "SELECT value FROM meta WHERE key = ?"  # the shared virtual clock
# -- end of fault injection tables ---------------------------------------------------------

# -- call ids (CallersServiceCallIdentifier replay, simulators.replay): table ---------------
# One row per state-changing SOAP call: its scope (municipality, service, calling user system),
# the caller's call id, the hash of the decoded request and the answer sent, verbatim.
# Written in the ledger change's own transaction; emptied by `reset`; pruned by age and count.
CALL_SCHEMA = """
CREATE TABLE IF NOT EXISTS call_ids (
    id INTEGER PRIMARY KEY,
    kommunekode TEXT NOT NULL,
    service TEXT NOT NULL,
    user_system TEXT NOT NULL,
    call_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    digest TEXT NOT NULL,
    answer TEXT NOT NULL,
    recorded_us INTEGER NOT NULL,
    UNIQUE (kommunekode, service, user_system, call_id)
);
CREATE INDEX IF NOT EXISTS call_ids_recorded ON call_ids (recorded_us);
"""
CALL_TABLES = ("call_ids",)
# -- end of call ids table -----------------------------------------------------------------

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    nummer TEXT PRIMARY KEY,
    kommunekode TEXT NOT NULL,
    ident TEXT NOT NULL,
    cpr_nummer TEXT,
    cvr_nummer TEXT,
    navn TEXT,
    tilgode INTEGER NOT NULL DEFAULT 0,
    lukket INTEGER NOT NULL DEFAULT 0,
    oprettet TEXT,
    UNIQUE (kommunekode, ident)
);
CREATE INDEX IF NOT EXISTS accounts_ident ON accounts (ident);
CREATE TABLE IF NOT EXISTS claims (
    kommunekode TEXT NOT NULL,
    fordring_id TEXT NOT NULL,
    konto TEXT NOT NULL REFERENCES accounts (nummer),
    agency_id TEXT NOT NULL,
    fordring_type TEXT NOT NULL,
    klassifikationskode TEXT NOT NULL,
    hovedstol INTEGER NOT NULL,
    stiftelsesdato TEXT NOT NULL,
    forfaldsdato TEXT NOT NULL,
    sidste_rettidige_betalingsdato TEXT NOT NULL,
    tekst TEXT NOT NULL,
    skriftligt_anerkendt INTEGER NOT NULL,
    status TEXT NOT NULL,
    nedskrevet INTEGER NOT NULL DEFAULT 0,
    nedreguleret INTEGER NOT NULL DEFAULT 0,
    daekket INTEGER NOT NULL DEFAULT 0,
    afskrevet INTEGER NOT NULL DEFAULT 0,
    rykkergebyrer INTEGER NOT NULL DEFAULT 0,
    renter INTEGER NOT NULL DEFAULT 0,
    inddrivelse_status TEXT,
    oprettet TEXT,
    payload TEXT,
    PRIMARY KEY (kommunekode, fordring_id)
);
CREATE INDEX IF NOT EXISTS claims_konto ON claims (konto, forfaldsdato);
CREATE INDEX IF NOT EXISTS claims_open_due ON claims (status, forfaldsdato);
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL,
    kommunekode TEXT NOT NULL,
    key TEXT NOT NULL,
    digest TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (scope, kommunekode, key)
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    kommunekode TEXT NOT NULL,
    konto TEXT NOT NULL,
    fordring_id TEXT,
    beloeb INTEGER NOT NULL,
    tidspunkt TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_claim ON events (kommunekode, fordring_id, seq);
CREATE INDEX IF NOT EXISTS events_konto ON events (konto, seq);
CREATE INDEX IF NOT EXISTS events_kommune ON events (kommunekode, seq);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    due_us INTEGER NOT NULL,
    due TEXT NOT NULL,
    payload TEXT NOT NULL,
    key TEXT UNIQUE,
    status TEXT NOT NULL DEFAULT 'pending',
    ran_at TEXT,
    error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (status, due_us, id);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY,
    tidspunkt TEXT NOT NULL,
    service TEXT NOT NULL,
    operation TEXT,
    kommunekode TEXT,
    verdict TEXT NOT NULL,
    fejlkode TEXT,
    felt TEXT,
    http_status INTEGER NOT NULL,
    request TEXT NOT NULL,
    detail TEXT,
    tidspunkt_us INTEGER,
    response TEXT,
    near_miss TEXT
);
CREATE INDEX IF NOT EXISTS journal_kommune ON journal (kommunekode, id);
CREATE INDEX IF NOT EXISTS journal_operation ON journal (operation, id);
CREATE INDEX IF NOT EXISTS journal_verdict ON journal (verdict, id);
CREATE TABLE IF NOT EXISTS tenant_overrides (
    kommunekode TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
"""
    + FAULT_SCHEMA
    + CALL_SCHEMA
)

JOURNAL_ADDED_COLUMNS = (("tidspunkt_us", "INTEGER"), ("response", "TEXT"), ("near_miss", "TEXT"))
"""Journal columns newer than the table: added to a database made before them (verify API:
the virtual time as a number for time windows, the answer sent, the near-miss)."""

_TABLES = (
    *("claims", "accounts", "idempotency", "events", "jobs", "journal", "tenant_overrides"),
    *CALL_TABLES,
)
_COUNTABLE = {"accounts", "claims", "events", "jobs", "journal"}
_EVENT_NS = uuid.UUID("6f1b1c2e-6c4e-5d0e-9a35-1590b0000001")


def _us(dt: datetime) -> int:
    delta = dt.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _account(row: sqlite3.Row) -> Account:
    return Account(
        nummer=row["nummer"],
        kommunekode=row["kommunekode"],
        cpr_nummer=row["cpr_nummer"],
        cvr_nummer=row["cvr_nummer"],
        navn=row["navn"],
        tilgode=row["tilgode"],
        lukket=bool(row["lukket"]),
        oprettet=_dt(row["oprettet"]),
    )


_CLAIM_COLUMNS = (
    "kommunekode",
    "fordring_id",
    "konto",
    "agency_id",
    "fordring_type",
    "klassifikationskode",
    "hovedstol",
    "stiftelsesdato",
    "forfaldsdato",
    "sidste_rettidige_betalingsdato",
    "tekst",
    "skriftligt_anerkendt",
    "status",
    "nedskrevet",
    "nedreguleret",
    "daekket",
    "afskrevet",
    "rykkergebyrer",
    "renter",
    "inddrivelse_status",
    "oprettet",
    "payload",
)


def _claim_values(c: Claim) -> tuple[Any, ...]:
    return (
        c.kommunekode,
        c.fordring_id,
        c.konto,
        c.agency_id,
        str(c.fordring_type),
        c.klassifikationskode,
        c.hovedstol,
        c.stiftelsesdato.isoformat(),
        c.forfaldsdato.isoformat(),
        c.sidste_rettidige_betalingsdato.isoformat(),
        c.tekst,
        int(c.skriftligt_anerkendt),
        str(c.status),
        c.nedskrevet,
        c.nedreguleret,
        c.daekket,
        c.afskrevet,
        c.rykkergebyrer,
        c.renter,
        str(c.inddrivelse_status) if c.inddrivelse_status else None,
        c.oprettet.isoformat() if c.oprettet else None,
        json.dumps(c.payload, ensure_ascii=False) if c.payload is not None else None,
    )


def _claim(row: sqlite3.Row) -> Claim:
    return Claim(
        kommunekode=row["kommunekode"],
        fordring_id=row["fordring_id"],
        konto=row["konto"],
        agency_id=row["agency_id"],
        fordring_type=model.FordringType(row["fordring_type"]),
        klassifikationskode=row["klassifikationskode"],
        hovedstol=row["hovedstol"],
        stiftelsesdato=date.fromisoformat(row["stiftelsesdato"]),
        forfaldsdato=date.fromisoformat(row["forfaldsdato"]),
        sidste_rettidige_betalingsdato=date.fromisoformat(row["sidste_rettidige_betalingsdato"]),
        tekst=row["tekst"],
        skriftligt_anerkendt=bool(row["skriftligt_anerkendt"]),
        status=model.FordringStatus(row["status"]),
        nedskrevet=row["nedskrevet"],
        nedreguleret=row["nedreguleret"],
        daekket=row["daekket"],
        afskrevet=row["afskrevet"],
        rykkergebyrer=row["rykkergebyrer"],
        renter=row["renter"],
        inddrivelse_status=(
            model.PsrmStatus(row["inddrivelse_status"]) if row["inddrivelse_status"] else None
        ),
        oprettet=_dt(row["oprettet"]),
        payload=json.loads(row["payload"]) if row["payload"] else None,
    )


def _event(row: sqlite3.Row) -> Event:
    return Event(
        seq=row["seq"],
        event_id=row["event_id"],
        kind=EventKind(row["kind"]),
        kommunekode=row["kommunekode"],
        konto=row["konto"],
        fordring_id=row["fordring_id"],
        beloeb=row["beloeb"],
        tidspunkt=datetime.fromisoformat(row["tidspunkt"]),
        data=json.loads(row["data"]),
    )


def _job(row: sqlite3.Row) -> Job:
    return Job(
        id=row["id"],
        name=row["name"],
        due=datetime.fromisoformat(row["due"]),
        payload=json.loads(row["payload"]),
        key=row["key"],
        status=row["status"],
        ran_at=_dt(row["ran_at"]),
        error=row["error"],
    )


def _journal(row: sqlite3.Row) -> JournalEntry:
    return JournalEntry(
        id=row["id"],
        tidspunkt=datetime.fromisoformat(row["tidspunkt"]),
        service=row["service"],
        operation=row["operation"],
        kommunekode=row["kommunekode"],
        verdict=row["verdict"],
        fejlkode=row["fejlkode"],
        felt=row["felt"],
        http_status=row["http_status"],
        request=row["request"],
        detail=row["detail"],
        response=row["response"],
        near_miss=row["near_miss"],
    )


JOURNAL_INSERT = (
    "INSERT INTO journal (tidspunkt, tidspunkt_us, service, operation, kommunekode, verdict,"
    " fejlkode, felt, http_status, request, detail, response, near_miss)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def journal_values(entry: JournalEntry) -> tuple[Any, ...]:
    """The values of `JOURNAL_INSERT` for one entry."""
    return (
        entry.tidspunkt.isoformat(),
        _us(entry.tidspunkt),
        entry.service,
        entry.operation,
        entry.kommunekode,
        entry.verdict,
        entry.fejlkode,
        entry.felt,
        entry.http_status,
        entry.request,
        entry.detail,
        entry.response,
        entry.near_miss,
    )


def journal_where(where: JournalFilter, before: int | None = None) -> tuple[str, list[Any]]:
    """The ``WHERE`` clause (or "") and its arguments for a journal filter."""
    parts: list[str] = []
    args: list[Any] = []
    for column, value in (
        ("service", where.service),
        ("operation", where.operation),
        ("kommunekode", where.kommunekode),
        ("verdict", where.verdict),
        ("fejlkode", where.fejlkode),
    ):
        if value is not None:
            parts.append(f"{column} = ?")
            args.append(value)
    if where.since is not None:
        parts.append("tidspunkt_us >= ?")
        args.append(_us(where.since))
    if where.until is not None:
        parts.append("tidspunkt_us < ?")
        args.append(_us(where.until))
    if before is not None:
        parts.append("id < ?")
        args.append(before)
    return (f"WHERE {' AND '.join(parts)}" if parts else ""), args


class SqliteTx:
    """The SQLite unit of work (see `simulators.store.base.Tx` for the contract)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def _one(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._c.execute(sql, args).fetchone()
        return row

    # -- meta ---------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A stored setting, or None."""
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        self._c.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def instance_id(self) -> str:
        """A random id of this database's life (renewed by reset); salts event ids."""
        value = self.get_meta("instance_id")
        if value is None:
            value = str(uuid.uuid4())
            self.set_meta("instance_id", value)
        return value

    # -- accounts -----------------------------------------------------------
    def account(self, nummer: str) -> Account | None:
        """An account by its number."""
        row = self._one("SELECT * FROM accounts WHERE nummer = ?", (nummer,))
        return _account(row) if row else None

    def account_by_debtor(self, kommunekode: str, ident: str) -> Account | None:
        """The account of a debtor in a municipality."""
        row = self._one(
            "SELECT * FROM accounts WHERE kommunekode = ? AND ident = ?", (kommunekode, ident)
        )
        return _account(row) if row else None

    def insert_account(self, account: Account) -> Account:
        """Insert an account, numbered ``<kommunekode>-<running number in that municipality>``."""
        prefix = f"{account.kommunekode}-"
        row = self._one(
            "SELECT MAX(nummer) AS last FROM accounts WHERE nummer >= ? AND nummer < ?",
            (prefix, f"{account.kommunekode}."),
        )
        last = row["last"] if row else None
        n = int(last[len(prefix) :]) + 1 if last else 1
        nummer = f"{prefix}{n:08d}"
        stored = replace(account, nummer=nummer)
        self._c.execute(
            "INSERT INTO accounts (nummer, kommunekode, ident, cpr_nummer, cvr_nummer, navn,"
            " tilgode, lukket, oprettet) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                nummer,
                stored.kommunekode,
                stored.ident,
                stored.cpr_nummer,
                stored.cvr_nummer,
                stored.navn,
                stored.tilgode,
                int(stored.lukket),
                stored.oprettet.isoformat() if stored.oprettet else None,
            ),
        )
        return stored

    def update_account(self, account: Account) -> None:
        """Write an account's mutable fields."""
        self._c.execute(
            "UPDATE accounts SET navn = ?, tilgode = ?, lukket = ? WHERE nummer = ?",
            (account.navn, account.tilgode, int(account.lukket), account.nummer),
        )

    def accounts_page(self, kommunekode: str, after: str | None, limit: int) -> list[Account]:
        """Accounts of a municipality by number, after `after`."""
        rows = self._c.execute(
            "SELECT * FROM accounts WHERE kommunekode = ? AND nummer > ? ORDER BY nummer LIMIT ?",
            (kommunekode, after or "", limit),
        )
        return [_account(r) for r in rows]

    def accounts_by_debtor(self, ident: str) -> list[Account]:
        """Every account of one CPR/CVR."""
        rows = self._c.execute("SELECT * FROM accounts WHERE ident = ? ORDER BY nummer", (ident,))
        return [_account(r) for r in rows]

    # -- claims -------------------------------------------------------------
    def claim(self, kommunekode: str, fordring_id: str) -> Claim | None:
        """A claim by municipality and FordringId."""
        row = self._one(
            "SELECT * FROM claims WHERE kommunekode = ? AND fordring_id = ?",
            (kommunekode, fordring_id),
        )
        return _claim(row) if row else None

    def claims_of_account(self, konto: str) -> list[Claim]:
        """Claims on an account, oldest due date first."""
        rows = self._c.execute(
            "SELECT * FROM claims WHERE konto = ? ORDER BY forfaldsdato, stiftelsesdato, fordring_id",
            (konto,),
        )
        return [_claim(r) for r in rows]

    def claims_page(self, kommunekode: str, after: str | None, limit: int) -> list[Claim]:
        """Claims of a municipality by FordringId, after `after` (primary-key range scan)."""
        rows = self._c.execute(
            "SELECT * FROM claims WHERE kommunekode = ? AND fordring_id > ?"
            " ORDER BY fordring_id LIMIT ?",
            (kommunekode, after or "", limit),
        )
        return [_claim(r) for r in rows]

    def claim_totals(self, kommunekode: str) -> dict[str, int]:
        """Counts and the open balance of one municipality (one pass over its claims)."""
        row = self._one(
            "SELECT COUNT(*) AS claims,"
            " COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS open_claims,"
            " COALESCE(SUM(hovedstol - nedskrevet - nedreguleret - daekket - afskrevet"
            " + rykkergebyrer + renter), 0) AS saldo"
            " FROM claims WHERE kommunekode = ?",
            (str(model.FordringStatus.AABEN), kommunekode),
        )
        accounts = self._one(
            "SELECT COUNT(*) AS n FROM accounts WHERE kommunekode = ?", (kommunekode,)
        )
        return {
            "claims": int(row["claims"]) if row else 0,
            "open_claims": int(row["open_claims"]) if row else 0,
            "accounts": int(accounts["n"]) if accounts else 0,
            "saldo": int(row["saldo"]) if row else 0,
        }

    def insert_claim(self, claim: Claim) -> None:
        """Insert a claim."""
        marks = ", ".join("?" for _ in _CLAIM_COLUMNS)
        self._c.execute(
            f"INSERT INTO claims ({', '.join(_CLAIM_COLUMNS)}) VALUES ({marks})",
            _claim_values(claim),
        )

    def update_claim(self, claim: Claim) -> None:
        """Write every column of a claim but its key."""
        cols = _CLAIM_COLUMNS[2:]
        sets = ", ".join(f"{c} = ?" for c in cols)
        values = _claim_values(claim)
        self._c.execute(
            f"UPDATE claims SET {sets} WHERE kommunekode = ? AND fordring_id = ?",
            (*values[2:], claim.kommunekode, claim.fordring_id),
        )

    def count(self, what: str) -> int:
        """Row count of one table, or ``pending_jobs``."""
        if what == "pending_jobs":
            row = self._one("SELECT COUNT(*) AS n FROM jobs WHERE status = 'pending'")
        elif what in _COUNTABLE:
            row = self._one(f"SELECT COUNT(*) AS n FROM {what}")
        else:
            raise ValueError(what)
        return int(row["n"]) if row else 0

    # -- idempotency --------------------------------------------------------
    def idempotent(self, scope: str, kommunekode: str, key: str) -> tuple[str, str] | None:
        """Stored (digest, result) of an id already used."""
        row = self._one(
            "SELECT digest, result FROM idempotency WHERE scope = ? AND kommunekode = ? AND key = ?",
            (scope, kommunekode, key),
        )
        return (row["digest"], row["result"]) if row else None

    def remember(self, scope: str, kommunekode: str, key: str, digest: str, result: str) -> None:
        """Record an id's digest and result."""
        self._c.execute(
            "INSERT INTO idempotency (scope, kommunekode, key, digest, result) VALUES (?, ?, ?, ?, ?)",
            (scope, kommunekode, key, digest, result),
        )

    # -- events -------------------------------------------------------------
    def append_event(self, event: NewEvent) -> Event:
        """Append an event with the next sequence number."""
        row = self._one(
            "SELECT COALESCE((SELECT MAX(seq) FROM events), 0) + 1 AS n,"
            " (SELECT value FROM meta WHERE key = 'instance_id') AS instance"
        )
        assert row is not None
        seq = int(row["n"])
        event_id = str(uuid.uuid5(_EVENT_NS, f"{row['instance'] or self.instance_id()}:{seq}"))
        self._c.execute(
            "INSERT INTO events (seq, event_id, kind, kommunekode, konto, fordring_id, beloeb,"
            " tidspunkt, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                event_id,
                str(event.kind),
                event.kommunekode,
                event.konto,
                event.fordring_id,
                event.beloeb,
                event.tidspunkt.isoformat(),
                json.dumps(event.data, ensure_ascii=False, sort_keys=True),
            ),
        )
        return Event(
            seq=seq,
            event_id=event_id,
            kind=event.kind,
            kommunekode=event.kommunekode,
            konto=event.konto,
            fordring_id=event.fordring_id,
            beloeb=event.beloeb,
            tidspunkt=event.tidspunkt,
            data=event.data,
        )

    def event(self, event_id: str) -> Event | None:
        """One event by id."""
        row = self._one("SELECT * FROM events WHERE event_id = ?", (event_id,))
        return _event(row) if row else None

    def events(
        self,
        *,
        after: int = 0,
        limit: int = 100,
        kommunekode: str | None = None,
        fordring_ider: Sequence[str] | None = None,
        konto: str | None = None,
        kinds: Sequence[str] | None = None,
    ) -> list[Event]:
        """Events after `seq`, filtered, in order."""
        where, args = ["seq > ?"], [after]
        if kommunekode is not None:
            where.append("kommunekode = ?")
            args.append(kommunekode)
        if konto is not None:
            where.append("konto = ?")
            args.append(konto)
        if kinds:
            where.append(f"kind IN ({', '.join('?' for _ in kinds)})")
            args.extend(kinds)
        if fordring_ider is not None:
            out: list[Event] = []
            for part in chunks(list(fordring_ider)):
                clause = f"fordring_id IN ({', '.join('?' for _ in part)})"
                # "+seq": without it SQLite walks events_kommune (every event of the
                # municipality, in seq order) instead of events_claim for these claims.
                rows = self._c.execute(
                    f"SELECT * FROM events WHERE {' AND '.join([*where, clause])}"
                    " ORDER BY +seq LIMIT ?",
                    (*args, *part, limit),
                )
                out.extend(_event(r) for r in rows)
            return sorted(out, key=lambda e: e.seq)[:limit]
        rows = self._c.execute(
            f"SELECT * FROM events WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?",
            (*args, limit),
        )
        return [_event(r) for r in rows]

    # -- jobs ---------------------------------------------------------------
    def insert_job(self, name: str, due: datetime, payload: dict[str, Any], key: str | None) -> Job:
        """Queue a job, or return the one already queued under `key`."""
        # One statement on the common path (a new key): insert, and read back only a duplicate.
        rows = self._c.execute(
            "INSERT INTO jobs (name, due_us, due, payload, key) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (key) DO NOTHING RETURNING *",
            (name, _us(due), due.isoformat(), json.dumps(payload, sort_keys=True), key),
        ).fetchall()
        if not rows:
            rows = [self._one("SELECT * FROM jobs WHERE key = ?", (key,))]
        return _job(rows[0])

    def next_due_job(self, until: datetime) -> Job | None:
        """The earliest pending job due by `until`."""
        row = self._one(
            "SELECT * FROM jobs WHERE status = 'pending' AND due_us <= ? ORDER BY due_us, id LIMIT 1",
            (_us(until),),
        )
        return _job(row) if row else None

    def finish_job(self, job_id: int, status: str, ran_at: datetime, error: str | None) -> None:
        """Mark a job done or failed."""
        self._c.execute(
            "UPDATE jobs SET status = ?, ran_at = ?, error = ? WHERE id = ?",
            (status, ran_at.isoformat(), error, job_id),
        )

    def jobs(self, status: str | None, limit: int) -> list[Job]:
        """Jobs in due order."""
        if status is None:
            rows = self._c.execute("SELECT * FROM jobs ORDER BY due_us, id LIMIT ?", (limit,))
        else:
            rows = self._c.execute(
                "SELECT * FROM jobs WHERE status = ? ORDER BY due_us, id LIMIT ?", (status, limit)
            )
        return [_job(r) for r in rows]

    # -- journal ------------------------------------------------------------
    def add_journal(self, entry: JournalEntry, max_rows: int) -> int:
        """Record a call, then drop the oldest rows beyond `max_rows`."""
        cur = self._c.execute(JOURNAL_INSERT, journal_values(entry))
        new_id = int(cur.lastrowid or 0)
        self._c.execute("DELETE FROM journal WHERE id <= ?", (new_id - max_rows,))
        return new_id

    def journal(
        self,
        *,
        kommunekode: str | None,
        operation: str | None,
        verdict: str | None,
        fejlkode: str | None,
        before: int | None,
        limit: int,
    ) -> list[JournalEntry]:
        """Newest first, filtered."""
        where = JournalFilter(
            kommunekode=kommunekode, operation=operation, verdict=verdict, fejlkode=fejlkode
        )
        return self.journal_matching(where, before=before, limit=limit)

    def journal_matching(
        self, where: JournalFilter, *, before: int | None, limit: int
    ) -> list[JournalEntry]:
        """Newest first, those with id < `before` that pass `where`."""
        clause, args = journal_where(where, before)
        rows = self._c.execute(
            f"SELECT * FROM journal {clause} ORDER BY id DESC LIMIT ?", (*args, limit)
        )
        return [_journal(r) for r in rows]

    def journal_count(self, where: JournalFilter) -> int:
        """How many calls in the journal pass `where`."""
        clause, args = journal_where(where)
        row = self._one(f"SELECT COUNT(*) AS n FROM journal {clause}", args)
        return int(row["n"]) if row else 0

    def journal_counts(self, kommunekode: str | None) -> dict[str, int]:
        """Calls in the journal per verdict, of one municipality or all."""
        where, args = ("WHERE kommunekode = ?", (kommunekode,)) if kommunekode else ("", ())
        rows = self._c.execute(
            f"SELECT verdict, COUNT(*) AS n FROM journal {where} GROUP BY verdict", args
        )
        return {str(r["verdict"]): int(r["n"]) for r in rows}

    # -- tenants ------------------------------------------------------------
    def tenant_overrides(self) -> dict[str, dict[str, Any]]:
        """Persisted overrides by municipality."""
        rows = self._c.execute("SELECT kommunekode, data FROM tenant_overrides")
        return {r["kommunekode"]: json.loads(r["data"]) for r in rows}

    def set_tenant_override(self, kommunekode: str, data: dict[str, Any]) -> None:
        """Replace one municipality's overrides (an empty dict removes them)."""
        if not data:
            self._c.execute("DELETE FROM tenant_overrides WHERE kommunekode = ?", (kommunekode,))
            return
        self._c.execute(
            "INSERT INTO tenant_overrides (kommunekode, data) VALUES (?, ?) "
            "ON CONFLICT (kommunekode) DO UPDATE SET data = excluded.data",
            (kommunekode, json.dumps(data, sort_keys=True)),
        )

    # -- admin --------------------------------------------------------------
    def reset(self) -> None:
        """Empty every table, and start a new instance id (so event ids stay unique)."""
        for table in (*_TABLES, "meta"):
            self._c.execute(f"DELETE FROM {table}")
        self.set_meta("instance_id", str(uuid.uuid4()))

    # -- fault injection (simulators.faults) ----------------------------------
    def fault_state(self) -> FaultState:
        """The rule set's generation, clear count, next id and configured-set marker."""
        row = self._one("SELECT * FROM fault_state WHERE name = 'rules'")
        if row is None:
            return FaultState(generation=0, clears=0, next_id=1, config_digest=None)
        return FaultState(
            generation=int(row["generation"]),
            clears=int(row["clears"]),
            next_id=int(row["next_id"]),
            config_digest=row["config_digest"],
        )

    def fault_rules(self) -> list[FaultRow]:
        """Every stored fault rule, in id order."""
        rows = self._c.execute("SELECT * FROM fault_rules ORDER BY id")
        return [
            FaultRow(
                id=int(r["id"]),
                definition=r["definition"],
                source=r["source"],
                remaining=r["remaining"],
                fired=int(r["fired"]),
            )
            for r in rows
        ]

    def _fault_bump(self, clears: int = 0, ids: int = 0) -> FaultState:
        self._c.execute(
            "INSERT INTO fault_state (name, generation, clears, next_id) VALUES ('rules', 0, 0, 1)"
            " ON CONFLICT (name) DO NOTHING"
        )
        self._c.execute(
            "UPDATE fault_state SET generation = generation + 1, clears = clears + ?,"
            " next_id = next_id + ? WHERE name = 'rules'",
            (clears, ids),
        )
        return self.fault_state()

    def add_fault_rule(self, definition: str, remaining: int | None, source: str) -> int:
        """Store a rule under the next id of the sequence (ids are never reused)."""
        rule_id = self._fault_bump(ids=1).next_id - 1
        self._c.execute(
            "INSERT INTO fault_rules (id, definition, source, remaining) VALUES (?, ?, ?, ?)",
            (rule_id, definition, source, remaining),
        )
        return rule_id

    def delete_fault_rule(self, rule_id: int) -> bool:
        """Remove one rule."""
        gone = self._c.execute("DELETE FROM fault_rules WHERE id = ?", (rule_id,)).rowcount > 0
        if gone:
            self._fault_bump()
        return gone

    def clear_fault_rules(self) -> int:
        """Remove every rule (and count a clear: held requests everywhere are released)."""
        n = self._c.execute("DELETE FROM fault_rules").rowcount
        self._fault_bump(clears=1)
        return int(n)

    def consume_fault_rule(self, rule_id: int) -> int | None:
        """One application of a counted rule, if any are left: the calls left after it."""
        row = self._one(
            "UPDATE fault_rules SET remaining = remaining - 1, fired = fired + 1"
            " WHERE id = ? AND remaining > 0 RETURNING remaining",
            (rule_id,),
        )
        return int(row["remaining"]) if row else None

    def add_fault_fired(self, counts: dict[int, int]) -> None:
        """Add applications of uncounted rules to their `fired`."""
        self._c.executemany(
            "UPDATE fault_rules SET fired = fired + ? WHERE id = ?",
            [(n, rule_id) for rule_id, n in counts.items()],
        )

    def set_fault_config(self, digest: str | None) -> None:
        """Remember the configured rule set loaded last."""
        self._fault_bump()
        self._c.execute("UPDATE fault_state SET config_digest = ? WHERE name = 'rules'", (digest,))

    # -- end of fault injection ------------------------------------------------

    # -- call ids (CallersServiceCallIdentifier replay, simulators.replay) ----
    def recorded_call(self, key: CallKey) -> RecordedCall | None:
        """The call recorded under this scope and call id, or None."""
        row = self._one(
            "SELECT operation, digest, answer FROM call_ids WHERE kommunekode = ?"
            " AND service = ? AND user_system = ? AND call_id = ?",
            (key.kommunekode, key.service, key.user_system, key.call_id),
        )
        if row is None:
            return None
        return RecordedCall(operation=row["operation"], digest=row["digest"], answer=row["answer"])

    def record_call(self, key: CallKey, call: RecordedCall, recorded: datetime) -> None:
        """Record a call id with its content hash and answer."""
        self._c.execute(
            "INSERT INTO call_ids (kommunekode, service, user_system, call_id, operation, digest,"
            " answer, recorded_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key.kommunekode,
                key.service,
                key.user_system,
                key.call_id,
                call.operation,
                call.digest,
                call.answer,
                _us(recorded),
            ),
        )

    def prune_calls(self, older_than: datetime, keep_rows: int) -> None:
        """Forget calls recorded before `older_than`, and all but the newest `keep_rows`."""
        self._c.execute("DELETE FROM call_ids WHERE recorded_us < ?", (_us(older_than),))
        row = self._one("SELECT MAX(id) AS last FROM call_ids")
        if row is not None and row["last"] is not None:
            self._c.execute("DELETE FROM call_ids WHERE id <= ?", (int(row["last"]) - keep_rows,))

    # -- end of call ids ----------------------------------------------------------

    # -- snapshots (simulators.snapshot) ---------------------------------------
    def restart_ids(self, table: str, column: str) -> None:
        """Nothing to do: an ``INTEGER PRIMARY KEY`` without AUTOINCREMENT takes max + 1."""

    def table_rows(self, table: str, order: Sequence[str]) -> tuple[list[str], list[Any]]:
        """Every row of `table` in `order`, as plain tuples (no row objects: 10^5 rows)."""
        cur = self._c.cursor()
        cur.row_factory = None
        cur.execute(f"SELECT * FROM {table} ORDER BY {', '.join(order)}")
        return [d[0] for d in cur.description], cur.fetchall()

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Write rows as they are, ids included."""
        marks = ", ".join("?" for _ in columns)
        self._c.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    # -- end of snapshots -------------------------------------------------------

    # -- add-on tables ------------------------------------------------------
    def sql(self) -> sqlite3.Connection:
        """This transaction's connection, for modules with their own tables (portable SQL)."""
        return self._c

    def has_table(self, name: str) -> bool:
        """True when the table exists."""
        return (
            self._one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
            is not None
        )


class SqliteStore:
    """SQLite store in WAL mode at `path`; thread-safe, one connection per thread."""

    def __init__(self, path: str | Path, *, synchronous: str = "NORMAL") -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._synchronous = synchronous
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._lock_fd: int | None = None
        self._lock_pid = 0
        self._closed = False
        # Processes opening a new file together (gunicorn workers) take turns: switching it
        # to WAL can answer "database is locked" without waiting in SQLite's busy handler.
        self._lock_other_processes()
        try:
            conn = self._conn()
            conn.executescript(SCHEMA)
            have = {str(r["name"]) for r in conn.execute("PRAGMA table_info(journal)")}
            for column, kind in JOURNAL_ADDED_COLUMNS:
                if column not in have:
                    conn.execute(f"ALTER TABLE journal ADD COLUMN {column} {kind}")
        finally:
            self._unlock_other_processes()
        with self.transaction() as tx:
            tx.instance_id()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise RuntimeError("store is closed")
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {self._synchronous}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 30000")
            self._local.conn = conn
            self._local.depth = 0
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def _begin(self, mode: str) -> Iterator[SqliteTx]:
        conn = self._conn()
        if self._local.depth > 0:
            self._local.depth += 1
            try:
                yield self._local.tx
            finally:
                self._local.depth -= 1
            return
        # Writers of this process queue on a Python lock: waiting in SQLite's busy
        # handler means sleeping in steps of milliseconds while the lock is free.
        writer = mode == "IMMEDIATE"
        if writer:
            self._write_lock.acquire()
            self._lock_other_processes()
        try:
            conn.execute(f"BEGIN {mode}")
            self._local.depth = 1
            self._local.tx = SqliteTx(conn)
            try:
                yield self._local.tx
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
            finally:
                self._local.depth = 0
                self._local.tx = None
        finally:
            if writer:
                self._unlock_other_processes()
                self._write_lock.release()

    def _lock_other_processes(self) -> None:
        """Writers of other processes (gunicorn workers) queue on a file lock, woken by the
        kernel when it is free, instead of polling in SQLite's busy handler (p99 > 1 s)."""
        if str(self.path) == ":memory:":
            return
        if self._lock_fd is None or self._lock_pid != os.getpid():
            # A descriptor inherited over fork shares its lock with the parent: open our own.
            self._lock_fd = os.open(f"{self.path}-writelock", os.O_RDWR | os.O_CREAT, 0o600)
            self._lock_pid = os.getpid()
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)

    def _unlock_other_processes(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def transaction(self) -> Any:
        """A write transaction (BEGIN IMMEDIATE); nested calls join the outer one."""
        return self._begin("IMMEDIATE")

    def read(self) -> Any:
        """A read snapshot (BEGIN DEFERRED); joins an open transaction of this thread."""
        return self._begin("DEFERRED")

    # -- fault injection (simulators.faults) ----------------------------------
    def fault_generation(self) -> int:
        """The fault rules' generation: one autocommit SELECT on this thread's connection
        (inside an open transaction of the thread, part of it)."""
        rows = self._conn().execute(FAULT_GENERATION).fetchall()
        return int(rows[0][0]) if rows else 0

    # -- shared virtual clock (simulators.engine.StoredClockSource) -------------
    def peek_meta(self, key: str) -> str | None:
        """A stored setting: one autocommit SELECT on this thread's connection (inside an
        open transaction of the thread, part of it)."""
        rows = self._conn().execute(PEEK_META, (key,)).fetchall()
        return str(rows[0][0]) if rows else None

    # -- end of shared virtual clock ------------------------------------------

    def close(self) -> None:
        """Checkpoint the WAL and close every connection."""
        with self._lock:
            self._closed = True
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(sqlite3.ProgrammingError):
                conn.close()
        self._local.conn = None
        if self._lock_fd is not None and self._lock_pid == os.getpid():
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
        self._lock_fd = None
