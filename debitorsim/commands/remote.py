"""Talking to a running test bed over HTTP, for the commands that do (clock, reconcile, reset...).

Every failure becomes a `CommandError` with one line a user can act on: nothing answers
(the test bed is not running, and how to start it), a refusal (the answer's own error
text), or an answer that is not the test bed's JSON. `debitorsim.cli.main` prints it
without a traceback.
"""

from __future__ import annotations

import os
from typing import Any

DEFAULT_SIM_URL = "http://127.0.0.1:8081"
DEFAULT_CORE_URL = "http://127.0.0.1:8080"
START_HINT = "start it with `debitorsim up` (or `make run`)"


class CommandError(Exception):
    """A failure the command reports as one line (exit code `code`, default 1); `status` is
    the HTTP status of a refusal (None when there was no answer)."""

    def __init__(self, message: str, code: int = 1, *, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def not_running(url: str, option: str) -> str:
    """The one line for "nothing answers at `url`"."""
    return (
        f"cannot reach {url}: nothing answers there, the test bed is not running; "
        f"{START_HINT}, or point {option} at where it runs"
    )


def port_in_use(host: str, port: int, option: str) -> str:
    """The one line for a port another process holds: which flag moves it, and whether
    a debitorsim already runs there (it answers ``/admin/`` or ``/`` as one would)."""
    where = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    found = _what_answers(f"http://{where}:{port}")
    whom = (
        f"a debitorsim {found} already runs there (stop it, or use it: "
        "`debitorsim clock show`, `debitorsim reset`)"
        if found
        else "another program uses it (not a debitorsim)"
    )
    return f"port {port} on {host} is in use: {whom}; give {option} another port (0 = a free one)"


def serve_or_explain(
    host: str, port: int, app: Any, ssl_context: Any, close: Any, option: str = "--port"
) -> Any:
    """`wsgiserve.make_server`, or a `CommandError` naming `option` when the port is
    taken (after `close()` releases what was opened for the app)."""
    import errno

    from wsgiserve import make_server

    try:
        return make_server(host, port, app, ssl_context=ssl_context)
    except OSError as exc:
        close()
        if exc.errno != errno.EADDRINUSE:
            raise
        raise CommandError(port_in_use(host, port, option)) from exc


def _what_answers(base: str) -> str | None:
    """ "simulator", "integration core", or None when no debitorsim answers at `base`."""
    import requests

    session = requests.Session()
    session.trust_env = False
    try:
        for path, key, what in (
            ("/admin/", "openapi", "simulator"),
            ("/", "feesV2", "integration core"),
        ):
            try:
                r = session.get(base + path, timeout=3)
                data = r.json()
            except (requests.RequestException, ValueError):
                continue
            if isinstance(data, dict) and key in data:
                return what
        return None
    finally:
        session.close()


def reachable(url: str, option: str) -> None:
    """Raise `CommandError` when nothing answers at `url` (any HTTP answer will do)."""
    import requests

    session = requests.Session()
    session.trust_env = False
    try:
        session.get(url, timeout=10)
    except requests.exceptions.SSLError:
        return  # something answers there, over TLS: the run itself uses the certificates
    except requests.RequestException as exc:
        raise CommandError(
            f"nothing answers at {url} ({option}): check the address, or start a test bed "
            "with `debitorsim up` and leave the option out"
        ) from exc
    finally:
        session.close()


def token_from_env() -> str | None:
    """The admin Bearer token from $DEBITORSIM_ADMIN_TOKEN, if set."""
    return os.environ.get("DEBITORSIM_ADMIN_TOKEN") or None


def call(
    method: str,
    base: str,
    path: str,
    *,
    option: str,
    token: str | None = None,
    body: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    timeout: float = 60.0,
) -> dict[str, Any]:
    """`method` `base + path` and the JSON answer; raises `CommandError` on any failure.

    `option` names the command-line flag that sets `base` (for the "not running" hint).
    """
    import requests

    url = base.rstrip("/") + path
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    session = requests.Session()
    session.trust_env = False  # a proxy from the environment must not answer for loopback
    try:
        r = session.request(method, url, json=body, params=params, headers=headers, timeout=timeout)
    except requests.exceptions.SSLError as exc:
        raise CommandError(f"TLS with {url} failed: {exc}") from exc
    except requests.ConnectionError as exc:
        raise CommandError(not_running(base.rstrip("/"), option)) from exc
    except requests.Timeout as exc:
        raise CommandError(f"{url} did not answer within {timeout:.0f} s") from exc
    except requests.RequestException as exc:
        raise CommandError(f"cannot call {url}: {exc}") from exc
    finally:
        session.close()
    try:
        data = r.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise CommandError(
            f"HTTP {r.status_code} from {url} is not the test bed's JSON; "
            f"is {option} the right address?"
        )
    if r.status_code == 401:
        raise CommandError(f"{url} wants the admin token: give --token or $DEBITORSIM_ADMIN_TOKEN")
    if r.status_code >= 400:
        text = data.get("error") or data.get("message") or data.get("code") or r.reason
        raise CommandError(f"HTTP {r.status_code} from {url}: {text}", status=r.status_code)
    return data


def add_token_option(parser: Any) -> None:
    """``--token``: the admin Bearer token (read from the environment at run time, so that
    ``--help`` never prints it)."""
    parser.add_argument(
        "--token",
        default=None,
        help="admin Bearer token, needed when the test bed was started with one "
        "(default: $DEBITORSIM_ADMIN_TOKEN)",
    )


def token_of(args: Any) -> str | None:
    """The token given with ``--token``, else $DEBITORSIM_ADMIN_TOKEN."""
    return getattr(args, "token", None) or token_from_env()
