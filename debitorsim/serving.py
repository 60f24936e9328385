"""The serving options of the commands (`--allowed-host`, TLS).

The loopback server itself (`ServerThread`, `make_server`) lives in `wsgiserve`, below every
package that serves an app (the commands, the benchmarks in `load`, the tests).
"""

from __future__ import annotations

import argparse
import os
from typing import Any


def add_allowed_host_option(parser: argparse.ArgumentParser) -> None:
    """``--allowed-host``: a public name state-changing requests may address (oeir.same_origin)."""
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        help="a public name state-changing requests may address besides loopback and --host "
        "(repeatable; default: $DEBITORSIM_ALLOWED_HOSTS, comma-separated)",
    )


def allowed_hosts(given: list[str] | None = None) -> tuple[str, ...]:
    """The names given with ``--allowed-host``, else those in ``$DEBITORSIM_ALLOWED_HOSTS``."""
    from oeir.same_origin import parse_hosts

    return tuple(given or parse_hosts(os.environ.get("DEBITORSIM_ALLOWED_HOSTS")))


def add_tls_options(parser: argparse.ArgumentParser, serving: bool = True) -> None:
    """``--tls [DIR]`` (HTTPS with client certificates, docs/tls.md) and ``--trust-proxy``."""
    parser.add_argument(
        "--tls",
        nargs="?",
        const=".debitorsim/certs",
        default=None,
        metavar="DIR",
        help="HTTPS with client certificates from DIR (default .debitorsim/certs; made by "
        "`debitorsim certs` when missing): calls present their certificate, each is bound "
        "to its user system (docs/tls.md)",
    )
    if serving:
        parser.add_argument(
            "--trust-proxy",
            action="store_true",
            help="behind one reverse proxy: take scheme, host and prefix from X-Forwarded-Proto/"
            "-Host/-Prefix (for WSDL addresses); never without a proxy that sets them",
        )


def tls_dir(path: str | None) -> Any:
    """The `oeir.certs.CertDir` for ``--tls DIR`` (made when missing), or None without --tls."""
    if path is None:
        return None
    from pathlib import Path

    from debitorsim.certs import make
    from oeir.certs import CertDir
    from simulators.profiles import SYSTEMS

    certs = CertDir(Path(path))
    if not certs.ca.is_file():
        make(certs.path)
        print(f"made test certificates in {certs.path.resolve()} (debitorsim certs)", flush=True)
    certs.check("fbs", *SYSTEMS)
    return certs
