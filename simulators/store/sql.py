"""The SQL both backends accept, and the base of their transactions.

The statements of the store are written once, in the concern modules of this package
(`ledger`, `jobs`, `journal`, `faults`, `calls`, `sessions`, `meta`), as mixins of
`SqlTx`: qmark (``?``) parameters, rows read by column name, ``ON CONFLICT ... DO
UPDATE SET ... = excluded....`` upserts and ``RETURNING``, all of which SQLite and
PostgreSQL both understand. The PostgreSQL backend hands its transaction a connection
adapter that turns qmark parameters into psycopg's. A backend overrides only what its
dialect does differently (`SqlTx.insert_id`, `has_table` and the snapshot methods).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol


class Sql(Protocol):
    """The SQL both backends accept: qmark (``?``) parameters, rows read by column name,
    SQLite-style DDL (``id INTEGER PRIMARY KEY`` for generated ids; the PostgreSQL backend
    translates it) and ``INSERT ... RETURNING id`` for a new row's id."""

    def execute(self, sql: str, args: Sequence[Any] = ...) -> Any:
        """Run one statement; the result has ``fetchone()``, ``fetchall()`` and iterates rows."""

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        """Run one statement per parameter row."""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def us(dt: datetime) -> int:
    """Microseconds since the epoch: datetimes stored as numbers, ordered and compared in SQL."""
    delta = dt.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def dt(text: str | None) -> datetime | None:
    """A stored ISO datetime, or None."""
    return datetime.fromisoformat(text) if text else None


def chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    """Split a list of ids for IN (...) queries."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


class SqlTx:
    """The base of both backends' unit of work: one connection inside an open transaction.

    The concern mixins use `_c` (the connection) and `_one` (one row or None); the
    backend subclasses override the few methods below whose SQL differs.
    """

    def __init__(self, conn: Sql) -> None:
        self._c = conn

    def _one(self, sql: str, args: Sequence[Any] = ()) -> Any:
        """The first row of a query, or None."""
        return self._c.execute(sql, args).fetchone()

    # -- where the dialects differ ---------------------------------------------
    def insert_id(self, sql: str, args: Sequence[Any]) -> int:
        """Run an ``INSERT`` into a table with a generated ``id`` and return the new id."""
        row = self._one(f"{sql} RETURNING id", args)
        return int(row["id"]) if row else 0

    def has_table(self, name: str) -> bool:
        """True when the table exists."""
        raise NotImplementedError

    def restart_ids(self, table: str, column: str) -> None:
        """After rows were written with explicit ids: the next generated `column` of
        `table` follows the highest one stored."""
        raise NotImplementedError

    def table_rows(self, table: str, order: Sequence[str]) -> tuple[list[str], list[Any]]:
        """Every row of `table` in `order`: the column names and the rows as plain tuples."""
        raise NotImplementedError

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Write `rows` (values of `columns`) into `table` as they are, ids included."""
        raise NotImplementedError

    # -- add-on SQL -------------------------------------------------------------
    def sql(self) -> Sql:
        """This transaction's connection (portable SQL), for generic table work (snapshots)
        and the time behaviour's repository."""
        return self._c
