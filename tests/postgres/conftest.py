"""PostgreSQL tests: the storage and outbox tests of the core and the simulators, re-run on
PostgreSQL, plus what only PostgreSQL has (SKIP LOCKED claims, several workers, pooling)."""

from tests.postgres.server import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]
