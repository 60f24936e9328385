"""Configuration of the simulators' app, passed to `create_app` (no globals)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from oeir.certs import CertDir
from oeir.kommuner import FBS_USER_SYSTEM_UUID
from oeir.same_origin import LOOPBACK_NAMES
from simulators.clock import VirtualClock


@dataclass(frozen=True, kw_only=True)
class SimConfig:
    """Everything the simulators need to start.

    - `data_dir`: where the SQLite database lives (``sim.sqlite3``), unless `database` names a file.
    - `database_url`: a ``postgresql://`` URL selects the PostgreSQL store instead of SQLite
      (the CLI reads it from ``DEBITORSIM_DATABASE_URL``).
    - `clock`: a shared `VirtualClock`; None = the simulators' own, persisted in the store.
      `clock_mode`, `clock_start`, `clock_factor` set up a fresh own clock (ignored once persisted).
    - `journal_enabled`, `journal_max_rows`: the bounded request journal.
    - `call_id_retention`, `call_id_max_rows`: how long (virtual time) and how many
      state-changing calls are remembered by call id (`simulators.replay`).
    - `admin_token`: Bearer token the admin API requires; mandatory when `bind_host` is not loopback.
    - `max_request_bytes`: larger SOAP requests get a `BeskedForStor` Fault (HTTP 500) before parsing, having read at most this much.
    - `tenants`: per-municipality overrides by kommunekode: ``system``, ``profile`` (values),
      ``callback_url``.
    - `user_systems`: UserSystemUUIDs allowed to call (FBS's by default).
    - `synchronous`: SQLite ``PRAGMA synchronous`` (NORMAL: durable on process crash).
    - `faults`: fault-injection rules loaded at start (docs/faults.md), as JSON objects.
    - `callback_secret`: sent as ``X-Callback-Secret`` with every callback to FBS (the
      core's receiver checks it when it has one configured).
    - `core_url`: base URL of the integration core (FBS side), for the dashboard's links.
    - `allowed_hosts`: host names state-changing requests may address besides the loopback
      names and `bind_host` (its public names; `oeir.same_origin`).
    - `work_slots`: SOAP calls of one process that do their work at once (None: no limit;
      `simulators.web.work_slots`).
    - `tls`: the test certificates (`oeir.certs.CertDir`) when served over HTTPS with client
      certificates: every SOAP call must then come with the certificate of the user system
      its InvocationContext names (`ForkertCertifikat` otherwise), and callbacks to FBS go
      with the debtor system's certificate and verify FBS's server against the test CA.
    - `trust_proxy`: take the scheme, host and path prefix from ``X-Forwarded-Proto``,
      ``X-Forwarded-Host`` and ``X-Forwarded-Prefix`` (one proxy in front; WSDL addresses
      follow). Off by default: without a proxy that sets them, a client could spoof them.
    """

    data_dir: Path = Path(".debitorsim")
    database: Path | None = None
    database_url: str | None = None
    clock: VirtualClock | None = None
    clock_mode: str = "frozen"
    clock_start: datetime | None = None
    clock_factor: float = 1.0
    journal_enabled: bool = True
    journal_max_rows: int = 10_000
    call_id_retention: timedelta = timedelta(days=30)
    call_id_max_rows: int = 100_000
    admin_token: str | None = None
    bind_host: str = "127.0.0.1"
    max_request_bytes: int = 1024 * 1024
    tenants: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    user_systems: frozenset[str] = frozenset({FBS_USER_SYSTEM_UUID})
    synchronous: str = "NORMAL"
    faults: tuple[Mapping[str, Any], ...] = ()
    callback_secret: str | None = None
    core_url: str | None = None
    work_slots: int | None = None
    allowed_hosts: tuple[str, ...] = ()
    tls: CertDir | None = None
    trust_proxy: bool = False

    @property
    def database_path(self) -> Path:
        """The SQLite database file."""
        return self.database or Path(self.data_dir) / "sim.sqlite3"

    @property
    def loopback_only(self) -> bool:
        """True when the server binds to loopback only."""
        return self.bind_host in LOOPBACK_NAMES
