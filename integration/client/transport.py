"""The wire: POST bytes to a URL, get status and bytes back. Knows nothing of SOAP."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol

import requests


class TransportError(Exception):
    """No answer: timeout, refused or broken connection. Always worth retrying."""


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """Status code and body of an HTTP answer."""

    status: int
    body: bytes
    content_type: str = ""


class Transport(Protocol):
    """Anything that can POST a body and return the answer."""

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> HttpResponse:
        """Send `body` to `url`; raise `TransportError` when no answer comes."""
        ...


class RequestsTransport:
    """HTTP with `requests`: one keep-alive session, a timeout on every call."""

    def __init__(
        self,
        timeout_s: float = 10.0,
        session: requests.Session | None = None,
        trust_env: bool = False,
        tls: dict[str, Any] | None = None,
    ) -> None:
        """`tls`: ``cert=`` (the client certificate) and ``verify=`` (the CA) for HTTPS."""
        self.timeout_s = timeout_s
        self.trust_env = trust_env
        self.tls = tls or {}
        self._given = session
        self._local = threading.local()

    @property
    def session(self) -> requests.Session:
        """The session of the calling thread (requests sessions are not shared across threads)."""
        if self._given is not None:
            return self._given
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            # Proxy settings from the environment are looked up on every request
            # (about 0.6 ms each); the SP URL is configured explicitly instead.
            session.trust_env = self.trust_env
        return session

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> HttpResponse:
        """POST with the configured timeout; connection problems become `TransportError`."""
        try:
            # cert/verify per request: a session's verify loses to REQUESTS_CA_BUNDLE.
            resp = self.session.post(
                url, data=body, headers=headers, timeout=self.timeout_s, **self.tls
            )
        except requests.Timeout as exc:
            raise TransportError(f"timeout after {self.timeout_s:g} s") from exc
        except requests.RequestException as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}"[:300]) from exc
        return HttpResponse(resp.status_code, resp.content, resp.headers.get("Content-Type", ""))

    def close(self) -> None:
        """Close this thread's pooled connections."""
        self.session.close()
