"""The core's storage: every SQL statement of the integration core lives in this package.

The rest of the core sees a `Store`, which hands out a `Repo` per transaction
(`protocol`). Two backends satisfy them with the same qmark SQL, split by
concern (`fees`: patrons, fees and blocks; `events`: applied callback events;
`outbox`: outgoing messages and debtor accounts; `repo` puts them together):
`sqlite.SqliteStore` (the default) and `postgres.PgStore` (imported only when a
database URL asks for it, as psycopg is needed there alone). Every table comes
from one list (`schema.TABLES`), created when a store opens.

Below the store lies only the domain (`integration.domain`); the services above
import the store, never the other way round.
"""

from integration.store.protocol import Repo, Store
from integration.store.rows import OutboxRow
from integration.store.schema import RESET_TABLES
from integration.store.sqlite import SqliteStore

__all__ = ["RESET_TABLES", "OutboxRow", "Repo", "SqliteStore", "Store"]
