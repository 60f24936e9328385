"""Access to the core's HTTP surface: the callback receiver's shared secret, the admin token.

Callback receiver (``DaekningAfskrivningRegistreringAfsend``): a debtor system proves
who it is with a shared secret in the ``X-Callback-Secret`` header. The secret is
configured globally (`CoreConfig.callback_secret`) and/or per municipality
(`MunicipalityRules.callback_secret`, which wins for that municipality). With no
secret configured anywhere, only loopback callers are accepted: the default test
bed runs on one host and needs no set-up, and nothing beyond loopback gets in.
A refusal is a SOAP Fault ``AdgangNaegtet`` (HTTP 401 before the body is parsed,
500 when the secret belongs to another municipality).

Admin (``/harness/...``, `integration.web.guard`): a Bearer token
(`CoreConfig.admin_token`) when one is configured; without one, loopback callers only.
`create_app` refuses to start when `CoreConfig.bind_host` is beyond loopback and no
token is configured (`require_safe_binding`).
"""

from __future__ import annotations

import hmac

from flask import Request

from integration.config import CoreConfig
from oeir.faults import OeirFault
from oeir.same_origin import LOOPBACK_NAMES

SECRET_HEADER = "X-Callback-Secret"


def same_secret(given: str, expected: str) -> bool:
    """Whether a presented secret equals the expected one (in constant time)."""
    return hmac.compare_digest(given.encode(), expected.encode())


def require_safe_binding(config: CoreConfig) -> None:
    """Raise ValueError when the core would listen beyond loopback without an admin token."""
    if config.bind_host not in LOOPBACK_NAMES and not config.admin_token:
        raise ValueError(f"admin_token is required when binding to {config.bind_host}")


def _secrets(config: CoreConfig) -> set[str]:
    found = {r.callback_secret for r in config.municipalities.values() if r.callback_secret}
    for secret in (config.callback_secret, config.default_rules.callback_secret):
        if secret:
            found.add(secret)
    return found


def check_caller(config: CoreConfig, request: Request) -> None:
    """Before parsing: the caller shows a configured secret, or no secret exists and it is local.

    Raises `OeirFault` ``AdgangNaegtet``.
    """
    secrets = _secrets(config)
    given = request.headers.get(SECRET_HEADER, "")
    if not secrets:
        if request.remote_addr not in LOOPBACK_NAMES:
            raise OeirFault("callbacks from loopback only", kode="AdgangNaegtet")
        return
    if not any(same_secret(given, s) for s in secrets):
        raise OeirFault(f"{SECRET_HEADER} missing or wrong", kode="AdgangNaegtet")


def check_municipality(config: CoreConfig, request: Request, kommunekode: str | None) -> None:
    """After parsing: the secret is the one of the municipality the call is for.

    Raises `OeirFault` ``AdgangNaegtet``.
    """
    if not _secrets(config):
        return
    own = config.municipalities.get(kommunekode or "")
    expected = (own.callback_secret if own else None) or config.callback_secret
    expected = expected or config.default_rules.callback_secret
    given = request.headers.get(SECRET_HEADER, "")
    if expected is None or not same_secret(given, expected):
        raise OeirFault(
            f"{SECRET_HEADER} is not the one of municipality {kommunekode}",
            kode="AdgangNaegtet",
            felt="AuthorityContext/MunicipalityCVR",
        )
