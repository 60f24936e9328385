"""Fixtures every test folder may use: the database a store runs on (`backend`) and the
PostgreSQL server behind it (`pg_server`, `pg_url`)."""

from tests.backends import backend
from tests.postgres.server import pg_server, pg_url

__all__ = ["backend", "pg_server", "pg_url"]
