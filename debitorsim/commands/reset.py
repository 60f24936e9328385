"""`debitorsim reset`: start fresh on a running test bed (both sides emptied, the clock kept).

Asks the simulator (``POST /admin/reset``, and ``DELETE /admin/faults`` unless
``--keep-faults``) and the integration core (``POST /harness/reset``). The virtual
clock keeps its time and mode; configured tenants stay.
"""

from __future__ import annotations

import argparse

from debitorsim.commands.remote import (
    DEFAULT_CORE_URL,
    DEFAULT_SIM_URL,
    add_token_option,
    call,
    token_of,
)

NAME = "reset"
HELP = "empty a running test bed (simulator and core) and start fresh; the clock keeps its time"
EXAMPLE = "debitorsim reset"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""
    parser.add_argument("--sim-url", default=DEFAULT_SIM_URL, help="simulator base URL")
    parser.add_argument("--core-url", default=DEFAULT_CORE_URL, help="integration core base URL")
    parser.add_argument(
        "--no-core", action="store_true", help="reset only the simulator (a core of your own)"
    )
    parser.add_argument(
        "--keep-faults", action="store_true", help="keep the simulator's fault-injection rules"
    )
    add_token_option(parser)


def run(args: argparse.Namespace) -> int:
    """Reset the simulator (and its fault rules) and the core; print what was removed."""
    token = token_of(args)
    call("POST", args.sim_url, "/admin/reset", option="--sim-url", token=token)
    print(f"simulator {args.sim_url}: emptied (accounts, claims, events, jobs, journal)")
    if not args.keep_faults:
        faults = call("DELETE", args.sim_url, "/admin/faults", option="--sim-url", token=token)
        print(f"  fault rules removed: {faults.get('removed', 0)}")
    if not args.no_core:
        core = call("POST", args.core_url, "/harness/reset", option="--core-url", token=token)
        removed = core.get("removed", {})
        what = ", ".join(f"{n} {table}" for table, n in removed.items())
        print(f"core {args.core_url}: emptied ({what or 'nothing to remove'})")
    print(f"virtual clock kept: {_now(args.sim_url, token)}")
    return 0


def _now(sim_url: str, token: str | None) -> str:
    return str(call("GET", sim_url, "/admin/clock", option="--sim-url", token=token)["now"])
