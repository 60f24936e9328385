"""The ledger's tables: accounts, claims, idempotency keys and the event log.

Implements `simulators.ledger.ports.LedgerTx` (and the store's reads around it).

The SQL of one new claim (`OpretFordring` with a call id, `simulators.replay` around
`Ledger.opret_fordring`), in order, in one write transaction:

1. `fresh_call` (`simulators.store.calls`: the call id, bounded by age and count in the
   same SELECT; the forgotten rows are deleted every 128th record);
2. `account_by_debtor` (the unique (kommunekode, ident) index); for a new debtor
   `insert_account` (MAX, INSERT) and its event as in 6;
3. `claim` (the claims key: a claim carries its own idempotency, the hash of its payload;
   the ``idempotency`` table is read only for claims stored before that);
4. `account_owed`: the bound on the account's balance, kept in ``accounts.owed``; no
   statement, the row read in 2 had it (otherwise the account's key: one row however many
   claims the account holds);
5. `insert_claim` (claims, its key and claims_konto; the account key for the foreign key),
   and the claim's balance added to ``accounts.owed`` (the account's key);
6. `append_event`: the next seq and the instance id in one SELECT, then the INSERT
   (events, its event id and two indexes); the listeners then queue the invoice job
   (`simulators.store.jobs.queue_job`: jobs, its key and due indexes);
7. `record_call` (call_ids and its index); COMMIT.

The journal row follows later, batched by its writer (`simulators.store.journal`).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from oeir import model
from simulators.ledger.records import Account, Claim, Event, EventKind, NewEvent
from simulators.store.meta import MetaSql
from simulators.store.sql import chunks, dt

SALDO = "hovedstol - nedskrevet - nedreguleret - daekket - afskrevet + rykkergebyrer + renter"
"""A claim's balance (`Claim.saldo`) in SQL."""

# ``accounts.owed`` is what the account's claims still owe in total (`Claim.saldo`,
# summed): the store keeps it on every claim written (`LedgerSql.insert_claim`,
# `LedgerSql.update_claim`), so the bound on the account's balance reads one row, not
# every claim of the account. Whatever writes claims otherwise (a snapshot load, the
# bench's seed) counts it again from the claims (`LedgerSql.recount_owed`).
OWED_COLUMN = "owed INTEGER NOT NULL DEFAULT 0"
"""``accounts.owed``: added to a database made before it (`LedgerSql.upgrade_ledger`)."""

SCHEMA = (
    f"""CREATE TABLE IF NOT EXISTS accounts (
    nummer TEXT PRIMARY KEY,
    kommunekode TEXT NOT NULL,
    ident TEXT NOT NULL,
    cpr_nummer TEXT,
    cvr_nummer TEXT,
    navn TEXT,
    tilgode INTEGER NOT NULL DEFAULT 0,
    lukket INTEGER NOT NULL DEFAULT 0,
    oprettet TEXT,
    {OWED_COLUMN},
    UNIQUE (kommunekode, ident)
)""",
    """CREATE INDEX IF NOT EXISTS accounts_ident ON accounts (ident)""",
    """CREATE TABLE IF NOT EXISTS claims (
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
)""",
    """CREATE INDEX IF NOT EXISTS claims_konto ON claims (konto, forfaldsdato)""",
    # No query reads claims by status and due date: the index only cost a write per claim.
    """DROP INDEX IF EXISTS claims_open_due""",
    """CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL,
    kommunekode TEXT NOT NULL,
    key TEXT NOT NULL,
    digest TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (scope, kommunekode, key)
)""",
    """CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    kommunekode TEXT NOT NULL,
    konto TEXT NOT NULL,
    fordring_id TEXT,
    beloeb INTEGER NOT NULL,
    tidspunkt TEXT NOT NULL,
    data TEXT NOT NULL
)""",
    """CREATE INDEX IF NOT EXISTS events_claim ON events (kommunekode, fordring_id, seq)""",
    # No query reads events by account (an account's postings go by its claims, events_claim).
    """DROP INDEX IF EXISTS events_konto""",
    """CREATE INDEX IF NOT EXISTS events_kommune ON events (kommunekode, seq)""",
)

ACCOUNT_OWED = "SELECT owed FROM accounts WHERE nummer = ?"
"""What an account's claims still owe in total (`Claim.saldo`, summed): one row."""

CLAIM_OWED = f"SELECT konto, {SALDO} AS saldo FROM claims WHERE kommunekode = ? AND fordring_id = ?"
"""A stored claim's account and balance (what it adds to ``accounts.owed``)."""

ADD_OWED = "UPDATE accounts SET owed = owed + ? WHERE nummer = ?"

RECOUNT_OWED = (
    f"UPDATE accounts SET owed = COALESCE((SELECT SUM({SALDO}) FROM claims"
    " WHERE claims.konto = accounts.nummer), 0)"
)
"""Every account's ``owed`` counted again from its claims (claims_konto)."""

_EVENT_NS = uuid.UUID("6f1b1c2e-6c4e-5d0e-9a35-1590b0000001")
_EVENT_NS_BYTES = _EVENT_NS.bytes

_EVENT_DATA = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
"""Encodes an event's data (as ``json.dumps(data, ensure_ascii=False, sort_keys=True)``,
without building an encoder per event)."""


def event_id(instance: str, seq: int) -> str:
    """The stable id of event `seq` of a store instance: ``str(uuid.uuid5(_EVENT_NS,
    f"{instance}:{seq}"))``, computed without a `uuid.UUID` object (one per event)."""
    digest = bytearray(hashlib.sha1(_EVENT_NS_BYTES + f"{instance}:{seq}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _account(row: Any) -> Account:
    return Account(
        nummer=row["nummer"],
        kommunekode=row["kommunekode"],
        cpr_nummer=row["cpr_nummer"],
        cvr_nummer=row["cvr_nummer"],
        navn=row["navn"],
        tilgode=row["tilgode"],
        lukket=bool(row["lukket"]),
        oprettet=dt(row["oprettet"]),
    )


CLAIM_COLUMNS = (
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
"""The columns of ``claims`` in the order of `claim_values`."""

INSERT_CLAIM = (
    f"INSERT INTO claims ({', '.join(CLAIM_COLUMNS)})"
    f" VALUES ({', '.join('?' for _ in CLAIM_COLUMNS)})"
)
UPDATE_CLAIM = (
    f"UPDATE claims SET {', '.join(f'{c} = ?' for c in CLAIM_COLUMNS[2:])}"
    " WHERE kommunekode = ? AND fordring_id = ?"
)


def claim_values(c: Claim) -> tuple[Any, ...]:
    """The values of `CLAIM_COLUMNS` for one claim."""
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
        c.payload,
    )


def _claim(row: Any) -> Claim:
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
        oprettet=dt(row["oprettet"]),
        payload=row["payload"] or None,
    )


def _event(row: Any) -> Event:
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


class LedgerSql(MetaSql):
    """Accounts, claims, idempotency keys and events (`simulators.ledger.ports.LedgerTx`)."""

    _owed_read: tuple[str, int] | None = None
    """``accounts.owed`` of the account `account_by_debtor` last read in this transaction,
    until anything writes ``owed``: a new claim checks the bound on the account it just
    read (`account_owed`) without reading the row again."""

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
        if row is None:
            return None
        self._owed_read = (row["nummer"], int(row["owed"]))
        return _account(row)

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

    def account_owed(self, konto: str) -> int:
        """The sum of the balances of an account's claims (``accounts.owed``: one row)."""
        read = self._owed_read
        if read is not None and read[0] == konto:
            return read[1]
        row = self._one(ACCOUNT_OWED, (konto,))
        return int(row["owed"]) if row else 0

    def recount_owed(self) -> None:
        """Count every account's ``owed`` again from its claims: after claims were written
        other than by `insert_claim` and `update_claim` (a snapshot load, a bulk seed)."""
        self._owed_read = None
        self._c.execute(RECOUNT_OWED)

    def upgrade_ledger(self) -> None:
        """Give a database made before ``accounts.owed`` the column, counted from the claims
        (in the store's first write transaction: once, whichever process opens it first)."""
        self._owed_read = None
        cur = self._c.execute("SELECT * FROM accounts LIMIT 0")
        if "owed" not in {d[0] for d in cur.description}:
            self._c.execute(f"ALTER TABLE accounts ADD COLUMN {OWED_COLUMN}")
            self.recount_owed()

    def _owe(self, konto: str, change: int) -> None:
        """Move an account's ``owed`` by `change` øre."""
        if change:
            self._owed_read = None
            self._c.execute(ADD_OWED, (change, konto))

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
            f" COALESCE(SUM({SALDO}), 0) AS saldo"
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
        """Insert a claim, and add its balance to its account's ``owed``."""
        self._c.execute(INSERT_CLAIM, claim_values(claim))
        self._owe(claim.konto, claim.saldo)

    def update_claim(self, claim: Claim) -> None:
        """Write every column of a claim but its key, and move ``owed`` of the account(s)
        by what the claim's balance changed (from the stored row: exact, even when the
        claim moves to another account)."""
        before = self._one(CLAIM_OWED, (claim.kommunekode, claim.fordring_id))
        values = claim_values(claim)
        self._c.execute(UPDATE_CLAIM, (*values[2:], claim.kommunekode, claim.fordring_id))
        if before is None:  # no such claim: nothing was written
            return
        konto, saldo = before["konto"], int(before["saldo"])
        if konto == claim.konto:
            self._owe(konto, claim.saldo - saldo)
        else:
            self._owe(konto, -saldo)
            self._owe(claim.konto, claim.saldo)

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
        eid = event_id(row["instance"] or self.instance_id(), seq)
        self._c.execute(
            "INSERT INTO events (seq, event_id, kind, kommunekode, konto, fordring_id, beloeb,"
            " tidspunkt, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                eid,
                str(event.kind),
                event.kommunekode,
                event.konto,
                event.fordring_id,
                event.beloeb,
                event.tidspunkt.isoformat(),
                _EVENT_DATA.encode(event.data),
            ),
        )
        return Event(
            seq=seq,
            event_id=eid,
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
        kinds: Sequence[str] | None = None,
    ) -> list[Event]:
        """Events after `seq`, filtered, in order."""
        where, args = ["seq > ?"], [after]
        if kommunekode is not None:
            where.append("kommunekode = ?")
            args.append(kommunekode)
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
