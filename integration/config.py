"""Configuration of the integration core: per-municipality rules, loaded from TOML or JSON.

Every rule the mapping, the blocking and the outbox apply lives here, so that a
municipality's local practice is data, never code. See docs/core.md.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from integration.clock import Clock, SystemClock
from oeir.certs import CertDir

DEFAULT_SP_URL = "http://127.0.0.1:8081"


@dataclass(frozen=True, kw_only=True)
class MunicipalityRules:
    """How fees of one municipality become claims, and when patrons are blocked.

    Amounts are øre. Day counts are calendar days from the fee's creation date.
    """

    due_days: int = 14
    """Forfaldsdato = creation date + due_days (14 or 30 in practice)."""
    timely_days: int = 0
    """SidsteRettidigeBetalingsdato = forfaldsdato + timely_days."""
    block_threshold_oere: int = 20_000
    """A patron is blocked while unpaid debt is at or above this (default 200 kr)."""
    payment_url: str | None = None
    """Shown on handed-over fees; None where the debtor system has no payment solution."""
    max_text_length: int = 500
    """Longest Fordring Tekst the target debtor system takes."""
    abbreviations: dict[str, str] = field(
        default_factory=lambda: {
            "Erstatning": "Erst.",
            "erstatning": "erst.",
            "bortkommet": "bortk.",
            "beskadiget": "beskad.",
            "materiale": "mat.",
            "materialer": "mat.",
            "overskredet": "overskr.",
            "lånetid": "lånet.",
            "Gebyr": "Geb.",
        }
    )
    """Word → abbreviation, applied (longest words first) only when the text is too long."""
    klassifikationskode_fee: str = "BIB-GEBYR"
    """Klassifikationskode of a late-return fee (FeeV2 type ``fee``)."""
    klassifikationskode_compensation: str = "BIB-ERSTATNING"
    """Klassifikationskode of a compensation claim (FeeV2 type ``compensation``)."""
    compensation_acknowledged_in_writing: bool = False
    """Default SkriftligtAnerkendt for compensation when the request does not say."""
    sp_url: str | None = None
    """Serviceplatformen base URL for this municipality; None = the core's default."""
    callback_secret: str | None = None
    """Shared secret this municipality's debtor system sends in X-Callback-Secret (integration.web.auth)."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MunicipalityRules:
        """Build from a TOML/JSON table; unknown keys are an error (typos must not pass)."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown municipality rule(s): {', '.join(sorted(unknown))}")
        return cls(**data)


@dataclass(frozen=True, kw_only=True)
class OutboxSettings:
    """Retry policy of the outbox worker (backoff in seconds on the core's clock; the lease
    in real seconds)."""

    backoff_base_s: float = 2.0
    backoff_cap_s: float = 900.0
    jitter: float = 0.2
    """Random extra delay as a fraction of the backoff (0.2 = up to +20 %)."""
    lease_s: float = 60.0
    """How long a claimed message is reserved for one worker, in REAL seconds (`lease_clock`):
    a lease guards against a dead worker, which virtual time (frozen in tests) knows nothing of.
    It must outlast one call (`http_timeout_s`): before each call a worker renews a lease with
    less than that left (`integration.outbox.worker`). Several times the timeout saves writes."""
    batch_size: int = 50
    http_timeout_s: float = 10.0
    max_response_bytes: int = 16 * 2**20
    """Largest answer read (a page of SoegDebitorkonti can pass the 1 MiB request limit)."""
    http_trust_env: bool = False
    """Use proxy/certificate settings from the environment (HTTP_PROXY, REQUESTS_CA_BUNDLE...)."""
    concurrency: int = 1
    """Calls in flight at once per worker (threads); order per claim holds regardless."""
    coalesce_max: int = 1
    """>1: a debtor's new claims without a known account go in one OpretDebitorkonto."""

    def __post_init__(self) -> None:
        if not 0 < self.http_timeout_s < self.lease_s:
            raise ValueError(
                f"[outbox] lease_s ({self.lease_s:g} s) must be longer than http_timeout_s "
                f"({self.http_timeout_s:g} s, > 0): a worker must hold a message for a whole call"
            )


@dataclass(frozen=True, kw_only=True)
class CoreConfig:
    """Everything the integration core needs; passed to `create_app` and the worker."""

    db_path: str = ":memory:"
    database_url: str | None = None
    """A ``postgresql://`` URL selects the PostgreSQL store instead of SQLite at `db_path`
    (the CLI reads it from ``DEBITORSIM_DATABASE_URL``)."""
    clock: Clock = field(default_factory=SystemClock)
    lease_clock: Clock = field(default_factory=SystemClock)
    """Real wall-clock time for outbox leases (a worker's liveness), never the virtual clock:
    a lease stamped on a frozen clock would never run out after a crash. Tests inject a
    `SettableClock` here to let a lease expire without sleeping."""
    sp_url: str = DEFAULT_SP_URL
    default_rules: MunicipalityRules = field(default_factory=MunicipalityRules)
    municipalities: dict[str, MunicipalityRules] = field(default_factory=dict)
    agency_municipality: dict[str, str] = field(default_factory=dict)
    """Agency id → kommunekode overrides; by default DK-7KKK00 belongs to kommune KKK."""
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    user_uuid: str = "00000000-0000-4000-8000-000000000001"
    """UserUUID put in every InvocationContext (the FBS integration user)."""
    callback_secret: str | None = None
    """Shared secret of every debtor system's callbacks; None + none per municipality = loopback only."""
    admin_token: str | None = None
    """Bearer token of /harness; mandatory when `bind_host` is beyond loopback."""
    bind_host: str = "127.0.0.1"
    """Where the core's server listens (create_app refuses non-loopback without admin_token)."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names state-changing requests may address besides loopback and `bind_host`
    (the core's public names; `oeir.same_origin`)."""
    max_request_bytes: int = 1024 * 1024
    """Larger callback requests get a `BeskedForStor` Fault (HTTP 500) before parsing."""
    fbs_auth: bool | None = None
    """Bearer tokens on ``/external/...`` (FBS's OAuth2 security): True on, False off,
    None = on exactly when `bind_host` is beyond loopback (integration.web.tokens)."""
    fbs_token_key: str | None = None
    """Key that signs FBS API tokens; None = `admin_token`, else a random key per process
    (give one when several core processes serve the API)."""
    fbs_token_ttl_s: int = 3600
    """Lifetime of an issued FBS API token (seconds on the core's clock)."""
    tls: CertDir | None = None
    """Test certificates (docs/tls.md): SOAP calls to Serviceplatformen present FBS's client
    certificate and verify the server against the test CA; a callback must come with the
    certificate of the user system its InvocationContext names (`oeir.certs`)."""
    trust_proxy: bool = False
    """Take scheme, host and prefix from X-Forwarded-Proto/-Host/-Prefix (one trusted proxy)."""

    def rules(self, kommunekode: str) -> MunicipalityRules:
        """The rules of one municipality (the defaults where none are configured)."""
        return self.municipalities.get(kommunekode, self.default_rules)

    def sp_url_for(self, kommunekode: str) -> str:
        """The Serviceplatformen base URL calls for this municipality go to."""
        return (self.rules(kommunekode).sp_url or self.sp_url).rstrip("/")

    def kommune_for_agency(self, agency_id: str) -> str:
        """The municipality a library agency belongs to."""
        if agency_id in self.agency_municipality:
            return self.agency_municipality[agency_id]
        digits = agency_id.removeprefix("DK-")
        if len(digits) == 6 and digits.isdigit() and digits[0] == "7":
            return digits[1:4]
        raise ValueError(f"unknown library agency {agency_id!r}")

    def with_(self, **changes: Any) -> CoreConfig:
        """A copy with some fields changed."""
        return replace(self, **changes)


def load_config(path: str | Path, **overrides: Any) -> CoreConfig:
    """Read a TOML or JSON config file; `overrides` (e.g. clock, db_path) win over the file.

    Shape: top-level ``sp_url``, ``db_path``, ``[defaults]`` (rules for every
    municipality), ``[kommuner."101"]`` (rules for one, on top of the defaults),
    ``[agencies]`` (agency → kommune) and ``[outbox]``.
    """
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    data = tomllib.loads(text) if p.suffix == ".toml" else json.loads(text)
    return config_from_dict(data, **overrides)


def config_from_dict(data: dict[str, Any], **overrides: Any) -> CoreConfig:
    """Build a `CoreConfig` from already parsed TOML/JSON data."""
    defaults = MunicipalityRules.from_dict(data.get("defaults", {}))
    kommuner = {
        kode: MunicipalityRules.from_dict({**_as_dict(defaults), **table})
        for kode, table in data.get("kommuner", {}).items()
    }
    kwargs: dict[str, Any] = {
        "default_rules": defaults,
        "municipalities": kommuner,
        "agency_municipality": dict(data.get("agencies", {})),
        "outbox": OutboxSettings(**data.get("outbox", {})),
    }
    for key in (
        "sp_url",
        "db_path",
        "user_uuid",
        "callback_secret",
        "admin_token",
        "bind_host",
        "fbs_auth",
        "fbs_token_key",
        "fbs_token_ttl_s",
    ):
        if key in data:
            kwargs[key] = data[key]
    if "allowed_hosts" in data:
        kwargs["allowed_hosts"] = tuple(data["allowed_hosts"])
    kwargs.update(overrides)
    return CoreConfig(**kwargs)


def _as_dict(rules: MunicipalityRules) -> dict[str, Any]:
    return {f.name: getattr(rules, f.name) for f in fields(rules)}
