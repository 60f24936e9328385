"""`debitorsim core`: serve the integration core (FBS fee API, callback receiver)."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from typing import Any

from debitorsim.commands.remote import serve_or_explain
from debitorsim.serving import add_allowed_host_option, add_tls_options
from integration.settings import DATA_DIR, DB_FILE

NAME = "core"
HELP = "serve the integration core (FBS fee API, callback receiver)"
EXAMPLE = "debitorsim core --port 8080 --clock-url http://127.0.0.1:8081/admin/clock"


def add_core_options(parser: argparse.ArgumentParser) -> None:
    """Options every integration-core command shares."""
    parser.add_argument(
        "--data-dir",
        default=DATA_DIR,
        help=f"directory of the core's SQLite file ({DB_FILE}, as `debitorsim up` keeps it)",
    )
    parser.add_argument(
        "--sp-url", default=None, help="Serviceplatformen base URL (default http://127.0.0.1:8081)"
    )
    parser.add_argument("--config", default=None, help="TOML/JSON file with per-municipality rules")
    parser.add_argument(
        "--clock-url",
        default=None,
        help="follow a virtual clock over HTTP, e.g. http://127.0.0.1:8081/admin/clock "
        "(default: the system clock)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DEBITORSIM_DATABASE_URL") or None,
        help="postgresql://... selects PostgreSQL (default: $DEBITORSIM_DATABASE_URL, else SQLite)",
    )
    add_tls_options(parser, serving=False)


def build_config(args: argparse.Namespace, **extra: Any) -> Any:
    """The core's config from the shared options (`extra` fields win)."""
    from debitorsim.datadir import require_writable
    from debitorsim.serving import tls_dir
    from integration.clock import RemoteClock
    from integration.settings import DB_FILE, config_from_options

    certs = tls_dir(getattr(args, "tls", None))
    if certs is not None:
        extra.setdefault("tls", certs)
    if args.clock_url:
        tls = certs.requests_options("fbs") if certs else None
        extra.setdefault("clock", RemoteClock(args.clock_url, tls=tls))
    if getattr(args, "database_url", None):
        extra.setdefault("database_url", args.database_url)
    if not extra.get("database_url") and args.data_dir is not None:
        require_writable(args.data_dir, [DB_FILE])
    return config_from_options(
        data_dir=args.data_dir, sp_url=args.sp_url, config_file=args.config, **extra
    )


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""
    parser.add_argument("--host", default="127.0.0.1", help="bind address")
    parser.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    add_allowed_host_option(parser)
    add_core_options(parser)
    parser.add_argument(
        "--trust-proxy",
        action="store_true",
        help="behind one reverse proxy: take scheme, host and prefix from X-Forwarded-Proto/"
        "-Host/-Prefix (for WSDL addresses); never without a proxy that sets them",
    )
    parser.add_argument(
        "--no-worker", action="store_true", help="do not run the outbox worker in this process"
    )
    parser.add_argument(
        "--admin-token", default=None, help="Bearer token of /harness (required beyond loopback)"
    )
    parser.add_argument(
        "--fbs-auth",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="require bearer tokens (POST /harness/tokens) on /external/... "
        "(default: on beyond loopback, off on loopback)",
    )
    parser.add_argument(
        "--callback-secret",
        default=None,
        help="shared secret debtor systems send in X-Callback-Secret (default: loopback only)",
    )


def run(args: argparse.Namespace) -> int:
    """Serve the core; the outbox worker runs in a background thread unless --no-worker."""
    from debitorsim.serving import allowed_hosts
    from integration.core import Core
    from integration.web.app import create_app
    from integration.web.auth import require_safe_binding

    access: dict[str, Any] = {
        "bind_host": args.host,
        "allowed_hosts": allowed_hosts(args.allowed_host),
        "trust_proxy": args.trust_proxy,
    }
    if args.admin_token:
        access["admin_token"] = args.admin_token
    if args.callback_secret:
        access["callback_secret"] = args.callback_secret
    if args.fbs_auth is not None:
        access["fbs_auth"] = args.fbs_auth
    config = build_config(args, **access)
    try:
        require_safe_binding(config)
    except ValueError as exc:
        print(f"refusing to start: {exc} (give --admin-token)", file=sys.stderr)
        return 2
    core = Core.build(config)
    app = create_app(core=core)
    tls = config.tls.server_context() if config.tls else None
    server = serve_or_explain(args.host, args.port, app, tls, core.close)
    base = f"{'https' if tls else 'http'}://{args.host}:{server.server_port}"
    stop = threading.Event()
    if not args.no_worker:
        threading.Thread(target=core.worker.serve, args=(stop,), daemon=True).start()
    print(f"integration core on {base}  (database {config.db_path}, SP {config.sp_url})")
    print(f"  FBS fees:   {base}/external/{{agencyid}}/patron/{{patronid}}/fees/v2")
    print(f"  harness:    {base}/harness/openapi.json")
    print(f"  callbacks:  {base}/service/OIR/DaekningAfskrivningRegistreringAfsend/1?wsdl")
    print(f"  outbox:     {base}/harness/outbox  (worker {'off' if args.no_worker else 'on'})")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
    return 0
