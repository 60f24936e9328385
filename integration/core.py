"""The integration core wired together: store, FBS service, client and outbox worker."""

from __future__ import annotations

from dataclasses import dataclass

from integration.client import DebtorClient
from integration.config import CoreConfig
from integration.fbs.service import FbsService
from integration.outbox.worker import OutboxWorker
from integration.store import SqliteStore, Store


@dataclass
class Core:
    """One running integration core (what the web app and the worker share)."""

    config: CoreConfig
    store: Store
    service: FbsService
    client: DebtorClient
    worker: OutboxWorker

    @classmethod
    def build(cls, config: CoreConfig, store: Store | None = None) -> Core:
        """Open the store named in `config` (or use `store`) and build the parts on it."""
        store = store or open_store(config)
        client = DebtorClient(config)
        return cls(
            config=config,
            store=store,
            service=FbsService(store, config),
            client=client,
            worker=OutboxWorker(store, config, client),
        )

    def close(self) -> None:
        """Stop the worker's delivery threads and close this thread's database connection."""
        self.worker.close()
        self.store.close()


def open_store(config: CoreConfig) -> Store:
    """The store `config` names: PostgreSQL for a ``database_url``, else SQLite at ``db_path``."""
    if config.database_url:
        from integration.store.postgres import PgStore  # psycopg is only needed here

        return PgStore(config.database_url)
    return SqliteStore(config.db_path)
