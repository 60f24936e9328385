"""What the SQL of both backends runs on: a connection that takes qmark SQL.

`sqlite3.Connection` is one as it is; the PostgreSQL store adapts psycopg to it
(`integration.store.postgres.PgConnection`). The repository classes are generic
in the connection, so each backend's repository knows its own connection's type.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Generic, Protocol, TypeVar


class SqlCursor(Protocol):
    """The part of a DB-API cursor the store reads."""

    @property
    def rowcount(self) -> int:
        """Rows the statement changed."""
        ...

    def fetchone(self) -> Any:
        """The next row, or None."""
        ...

    def fetchall(self) -> list[Any]:
        """The remaining rows."""
        ...

    def __iter__(self) -> Iterator[Any]:
        """The remaining rows, one at a time."""
        ...


class SqlConnection(Protocol):
    """Runs qmark (``?``) SQL inside the current transaction."""

    def execute(self, sql: str, args: Sequence[Any] = ..., /) -> SqlCursor:
        """Run one statement."""
        ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]], /) -> SqlCursor:
        """Run one statement per parameter row."""
        ...


ConnT = TypeVar("ConnT", bound=SqlConnection)


class SqlBase(Generic[ConnT]):
    """A repository bound to one connection (inside one transaction when writing)."""

    def __init__(self, conn: ConnT) -> None:
        self.conn = conn

    def _new_id(self, sql: str, args: Sequence[Any], column: str) -> int:
        """Run an INSERT and return the new row's id (`column`); the backends differ here."""
        raise NotImplementedError
