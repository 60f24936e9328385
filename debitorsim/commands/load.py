"""`debitorsim load`: run a Locust load profile headless and gate it on thresholds.

Without `--host` a test bed (simulator + core under gunicorn) is started on ephemeral
loopback ports. Locust always runs as subprocesses (master and `--workers N` workers),
so gevent's monkeypatching never enters this process. The exit code is Locust's, which
the gate in `load/profiles/users.py` sets from `load/thresholds.toml`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

NAME = "load"
HELP = "run a Locust load profile"
EXAMPLE = "debitorsim load --profile smoke"

PROFILES = ("smoke", "national", "stress")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""
    parser.add_argument(
        "--profile", choices=PROFILES, default="smoke", help="load profile (docs/load.md)"
    )
    parser.add_argument(
        "--host", default="", help="simulator base URL; none = start a test bed on loopback"
    )
    parser.add_argument(
        "--core-host", default="", help="core base URL (with --host); none = no core traffic"
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="Locust workers on this machine (0 = one process)"
    )
    parser.add_argument(
        "--duration", type=float, default=0.0, help="seconds (0 = the profile's default)"
    )
    parser.add_argument("--users", type=int, default=0, help="users (0 = the profile's default)")
    parser.add_argument("--thresholds", default="", help="gate thresholds TOML file")
    parser.add_argument("--reports", default="reports", help="folder for CSV, HTML and summary")
    parser.add_argument("--no-journal", action="store_true", help="test bed: simulator journal off")


def locust_command(profile: str, *args: str) -> list[str]:
    """`python -m locust -f load/profiles/<profile>.py ...` for this interpreter."""
    from load.profiles import users_file

    return [sys.executable, "-m", "locust", "-f", str(users_file(profile)), *args]


def run(args: argparse.Namespace) -> int:
    """Start the test bed if needed, run Locust headless, print the verdict."""
    reports = Path(args.reports)
    reports.mkdir(parents=True, exist_ok=True)
    stem = reports / f"load-{args.profile}"
    summary = stem.with_suffix(".json")
    summary.unlink(missing_ok=True)
    html = stem.with_suffix(".html").resolve()
    if args.host:
        from debitorsim.commands.remote import reachable

        reachable(args.host, "--host")
        if args.core_host:
            reachable(args.core_host, "--core-host")
    with ExitStack() as stack:
        sim, core = args.host, args.core_host
        if not sim:
            from load.support.testbed import TestBed

            bed = stack.enter_context(TestBed(journal=not args.no_journal))
            sim, core = bed.sim_url, bed.core_url
            print(f"test bed: simulator {sim}, core {core}", flush=True)
        common = ["--sim-host", sim, "--core-host", core, "--profile-name", args.profile]
        if args.thresholds:
            common += ["--thresholds", args.thresholds]
        if args.duration:
            common += ["--profile-seconds", str(args.duration)]
        if args.users:
            common += ["--profile-users", str(args.users)]
        print(
            f"load {args.profile}: Locust runs headless (its stats table every few seconds; "
            f"Ctrl-C stops); the HTML report will be {html}",
            flush=True,
        )
        code = _run_locust(args, common, stem, summary)
    if summary.exists():
        data = json.loads(summary.read_text(encoding="utf-8"))
        verdict = "PASSED" if data["passed"] else "FAILED"
        print(
            f"load {args.profile}: {verdict}: {data['requests']} requests, "
            f"{data['failures']} failures, {data['rps']} req/s"
        )
        for line in data["breaches"]:
            print(f"  breach: {line}")
        if data.get("knee"):
            print(f"  knee: {json.dumps(data['knee'])}")
        print(f"  HTML report: {html}")
        print(f"  CSV and summary: {stem.resolve()}_*.csv, {summary.resolve()}")
    else:
        print(f"load {args.profile}: no summary written (Locust exit code {code})")
        code = code or 1
    return code


def _run_locust(args: argparse.Namespace, common: list[str], stem: Path, summary: Path) -> int:
    outputs = [
        "--headless",
        "--csv",
        str(stem),
        "--html",
        str(stem.with_suffix(".html")),
        "--summary-json",
        str(summary),
    ]
    if args.workers <= 0:
        return subprocess.run(locust_command(args.profile, *outputs, *common)).returncode
    from load.support.runner import free_port

    port = free_port()
    master = subprocess.Popen(
        locust_command(
            args.profile,
            *outputs,
            *common,
            "--master",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(port),
            "--expect-workers",
            str(args.workers),
            "--expect-workers-max-wait",
            "60",
        )
    )
    workers = [
        subprocess.Popen(
            locust_command(
                args.profile,
                *common,
                "--worker",
                "--master-host",
                "127.0.0.1",
                "--master-port",
                str(port),
            ),
            stdout=subprocess.DEVNULL,
        )
        for _ in range(args.workers)
    ]
    try:
        code = master.wait()
    finally:
        for w in workers:
            try:
                w.wait(timeout=30)  # workers quit when the master tells them to
            except subprocess.TimeoutExpired:
                w.terminate()
                w.wait()
    return code
