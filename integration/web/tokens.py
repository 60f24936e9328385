"""Bearer tokens of the FBS external API, as FBS's OpenAPI declares its security.

FBS's published spec (``fbs-adapter.yaml``) secures every operation with OAuth 2.0
(``securityDefinitions.oauth``, token URL ``https://login.bib.dk/oauth/token``): a
client sends ``Authorization: Bearer <token>`` and gets 401 without a valid one.
Here the harness issues the tokens (``POST /harness/tokens``, itself behind the
admin guard) in the OAuth2 token response shape (``access_token``, ``token_type``,
``expires_in``).

Tokens are signed, not stored: ``<payload>.<HMAC-SHA256>``, the payload carrying
the client id, an optional agency and the expiry on the core's clock. Every
process with the same key accepts them (`CoreConfig.fbs_token_key`, else the
admin token, else a random key of this process).

Whether tokens are required is `CoreConfig.fbs_auth`; unset, they are required
exactly when the core listens beyond loopback.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from integration.config import CoreConfig
from oeir.same_origin import LOOPBACK_NAMES

REALM = "FBS"


def auth_required(config: CoreConfig) -> bool:
    """Whether ``/external/...`` needs a bearer token under this configuration."""
    if config.fbs_auth is not None:
        return config.fbs_auth
    return config.bind_host not in LOOPBACK_NAMES


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class TokenIssuer:
    """Issues and checks the FBS API's bearer tokens with one signing key."""

    key: bytes
    config: CoreConfig

    @classmethod
    def for_config(cls, config: CoreConfig) -> TokenIssuer:
        """The issuer of this configuration (a random key when none is configured)."""
        key = config.fbs_token_key or config.admin_token or secrets.token_urlsafe(32)
        return cls(key=key.encode(), config=config)

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self.key, payload.encode("ascii"), hashlib.sha256).digest())

    def issue(self, client_id: str, agency_id: str | None = None) -> dict[str, Any]:
        """A new token as an OAuth2 token response (RFC 6749 section 5.1)."""
        ttl = self.config.fbs_token_ttl_s
        expires = int(self.config.clock.now().timestamp()) + ttl
        claims = {
            "sub": client_id,
            "agency": agency_id,
            "exp": expires,
            "jti": secrets.token_hex(8),
        }
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return {
            "access_token": f"{payload}.{self._sign(payload)}",
            "token_type": "bearer",
            "expires_in": ttl,
            "agencyId": agency_id,
        }

    def refusal(self, authorization: str, agency_id: str) -> str | None:
        """Why this ``Authorization`` header does not admit a call for `agency_id` (None: it does)."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return "Needs Authorization: Bearer <token> (POST /harness/tokens issues one)."
        payload, _, signature = token.strip().partition(".")
        if not payload or not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return "The bearer token is not one this core issued."
        try:
            claims = json.loads(_unb64(payload))
            expires = int(claims["exp"])
        except (ValueError, KeyError, TypeError):
            return "The bearer token is not one this core issued."
        if self.config.clock.now().timestamp() >= expires:
            return "The bearer token has expired."
        if claims.get("agency") not in (None, agency_id):
            return f"The bearer token is for agency {claims['agency']}, not {agency_id}."
        return None
