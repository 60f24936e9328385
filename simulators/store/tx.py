"""The store's unit of work, put together from its concerns; the backends derive from it.

`StoreTx` implements `simulators.store.base.Tx` with the SQL both backends accept.
`SqliteTx` and `PgTx` override only where their dialects differ.
"""

from __future__ import annotations

import uuid

from simulators.store.calls import CallsSql
from simulators.store.faults import FaultsSql
from simulators.store.jobs import JobsSql
from simulators.store.journal import JournalSql
from simulators.store.ledger import LedgerSql
from simulators.store.schema import COUNTABLE, RESET
from simulators.store.sessions import SessionsSql


class StoreTx(LedgerSql, JobsSql, JournalSql, FaultsSql, CallsSql, SessionsSql):
    """One transaction of the simulators' store: the SQL of every concern."""

    def count(self, what: str) -> int:
        """Row count of one table, or ``pending_jobs``."""
        if what == "pending_jobs":
            row = self._one("SELECT COUNT(*) AS n FROM jobs WHERE status = 'pending'")
        elif what in COUNTABLE:
            row = self._one(f"SELECT COUNT(*) AS n FROM {what}")
        else:
            raise ValueError(what)
        return int(row["n"]) if row else 0

    def reset(self) -> None:
        """Empty every table of data, and start a new instance id (so event ids stay unique)."""
        self._owed_read = None
        for table in RESET:
            self._c.execute(f"DELETE FROM {table}")
        self.set_meta("instance_id", str(uuid.uuid4()))
