"""`debitorsim core`: serve the integration core (FBS fee API, callback receiver)."""

from __future__ import annotations

import argparse
import errno
import os
import sys
import threading
from typing import Any

from debitorsim.commands.remote import CommandError, port_in_use
from debitorsim.serving import add_allowed_host_option
from integration.settings import DATA_DIR, DB_FILE

NAME = "core"
HELP = "serve the integration core (FBS fee API, callback receiver)"
EXAMPLE = "debitorsim core --port 8080 --clock-url http://127.0.0.1:8081/admin/clock"
BUILT = True


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


def build_config(args: argparse.Namespace, **extra: Any) -> Any:
    """The core's config from the shared options (`extra` fields win)."""
    from integration.clock import RemoteClock
    from integration.settings import config_from_options

    if args.clock_url:
        extra.setdefault("clock", RemoteClock(args.clock_url))
    if getattr(args, "database_url", None):
        extra.setdefault("database_url", args.database_url)
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
        "--no-worker", action="store_true", help="do not run the outbox worker in this process"
    )
    parser.add_argument(
        "--admin-token", default=None, help="Bearer token of /harness (required beyond loopback)"
    )
    parser.add_argument(
        "--callback-secret",
        default=None,
        help="shared secret debtor systems send in X-Callback-Secret (default: loopback only)",
    )


def run(args: argparse.Namespace) -> int:
    """Serve the core; the outbox worker runs in a background thread unless --no-worker."""
    from debitorsim.serving import allowed_hosts, make_server
    from integration.core import Core
    from integration.web.app import create_app
    from integration.web.auth import require_safe_binding

    access: dict[str, Any] = {
        "bind_host": args.host,
        "allowed_hosts": allowed_hosts(args.allowed_host),
    }
    if args.admin_token:
        access["admin_token"] = args.admin_token
    if args.callback_secret:
        access["callback_secret"] = args.callback_secret
    config = build_config(args, **access)
    try:
        require_safe_binding(config)
    except ValueError as exc:
        print(f"refusing to start: {exc} (give --admin-token)", file=sys.stderr)
        return 2
    core = Core.build(config)
    app = create_app(core=core)
    try:
        server = make_server(args.host, args.port, app)
    except OSError as exc:
        core.close()
        if exc.errno != errno.EADDRINUSE:
            raise
        raise CommandError(port_in_use(args.host, args.port, "--port")) from exc
    base = f"http://{args.host}:{server.server_port}"
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
