"""Which requests may change state: the same-origin rule both servers apply in one hook.

A browser on the tester's machine can be made to POST to a loopback server by any web
page it visits (a cross-site form: CSRF), and a page on a name the attacker controls can
be re-pointed at 127.0.0.1 (DNS rebinding; its requests then carry that foreign name in
Host and Origin). So every state-changing request (any method but GET, HEAD, OPTIONS):

- must name a known host in its ``Host`` header: the loopback names, the host the server
  binds to, and the names configured as allowed (its public names);
- and, when it carries an ``Origin`` (browsers send one with every cross-origin request
  and with same-origin POSTs), that Origin must be ``http(s)://`` + exactly that Host.
  ``Origin: null`` (sandboxed frames, ``data:`` pages, some redirects) is refused.

Clients that are not browsers (SOAP adapters, curl, requests/zeep, Locust) send no
Origin and pass, as long as they address the server by a known name.

`SameOrigin` is the WSGI middleware both apps wrap themselves in, outermost, so the rule
holds for every route (SOAP endpoints, admin API, dashboard forms, payment pages,
harness, fee API, callback receiver) before anything else runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from oeir.faults import OeirFault
from oeir.soap import fault_envelope

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "::1", "localhost"})
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})


def host_name(host: str) -> str:
    """The name in a ``Host`` value, without port, brackets or trailing dot, lower case."""
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8081
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".")


def allowed_hosts(bind_host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The names a server answers state-changing requests for.

    The loopback names, `bind_host` (unless it is a wildcard such as 0.0.0.0) and the
    configured `extra` names (a server bound to all interfaces lists its public names there).
    """
    names = set(LOOPBACK_NAMES)
    if bind_host not in WILDCARD_BINDS:
        names.add(host_name(bind_host))
    names.update(host_name(name) for name in extra if name.strip())
    return frozenset(names)


def parse_hosts(value: str | None) -> tuple[str, ...]:
    """Allowed host names from a comma-separated setting (``DEBITORSIM_ALLOWED_HOSTS``)."""
    return tuple(name.strip() for name in (value or "").split(",") if name.strip())


def refusal(method: str, host: str, origin: str | None, allowed: frozenset[str]) -> str | None:
    """Why a request must be refused (an English sentence), or None when it may proceed.

    `host` is the request's ``Host`` header, `origin` its ``Origin`` header (None when absent).
    """
    if method.upper() in SAFE_METHODS:
        return None
    name = host_name(host)
    if name not in allowed:
        return f"Host {name!r} is not a name of this server (allowed: {', '.join(sorted(allowed))})"
    if origin is None:
        return None
    if origin.strip().lower() == "null":
        return "Origin null: the request came from a page without an origin"
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != host.strip().lower():
        return f"Origin {origin!r} is another site than {host!r}"
    return None


def refusal_answer(reason: str, content_type: str | None) -> tuple[bytes, str]:
    """The body and content type of a refusal (HTTP 403): FejlKode ``AdgangNaegtet``.

    A SOAP Fault for a SOAP request (``text/xml``), else JSON ``{"error", "fejlkode"}``.
    """
    fault = OeirFault(reason, kode="AdgangNaegtet")
    if (content_type or "").lower().startswith(("text/xml", "application/soap+xml")):
        return fault_envelope(fault), "text/xml; charset=utf-8"
    body = {"error": f"{fault.tekst_en} {reason}", "fejlkode": fault.kode, "fejl": fault.tekst_da}
    return json.dumps(body).encode(), "application/json"


class SameOrigin:
    """WSGI middleware: HTTP 403 (``AdgangNaegtet``) for requests `refusal` refuses."""

    def __init__(self, app: Callable[..., Any], allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Pass the request on, or answer the refusal."""
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        reason = refusal(
            environ.get("REQUEST_METHOD", "GET"), host, environ.get("HTTP_ORIGIN"), self.allowed
        )
        if reason is None:
            return self.app(environ, start_response)
        body, content_type = refusal_answer(reason, environ.get("CONTENT_TYPE"))
        start_response(
            "403 Forbidden",
            [("Content-Type", content_type), ("Content-Length", str(len(body)))],
        )
        return [body]


def outermost(
    app: Callable[..., Any],
    bind_host: str,
    allowed_names: Iterable[str] = (),
    *,
    trust_proxy: bool = False,
) -> Callable[..., Any]:
    """`app` wrapped as both servers wrap themselves, outermost: the same-origin rule, so
    CSRF and DNS rebinding are refused before any route, faults or slots; and, when
    behind a trusted reverse proxy, werkzeug's ``ProxyFix`` around that, so the rule
    sees the public scheme and host (``X-Forwarded-Proto``/``-Host``/``-Prefix``)."""
    wrapped: Callable[..., Any] = SameOrigin(app, allowed_hosts(bind_host, allowed_names))
    if trust_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix

        wrapped = ProxyFix(wrapped, x_for=0, x_proto=1, x_host=1, x_prefix=1)
    return wrapped
