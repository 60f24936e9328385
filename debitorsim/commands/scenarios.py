"""`debitorsim scenarios`: run the KLIK go-live scenarios and write the readiness report.

Runs the pytest-bdd suite `debitorsim.klik` (``features/*.feature`` and their steps, shipped
in the package) in a pytest subprocess, for one system or all four, with a municipality's own configuration, and
writes ``readiness.html``, ``junit.xml`` and ``cucumber.json`` to ``--report``.

A municipality's configuration (``--config``, TOML)::

    kommune = "561"            # optional; --kommune wins
    system = "prisme2009"      # its debtor system (default: the simulator's registry)

    [profile]                  # debtor-system behaviour that differs from the profile
    "callbacks.time" = "03:00"
    "reminders.Gebyr.fee" = 15000

    [rules]                    # the integration's rules (integration.config.MunicipalityRules)
    due_days = 30
    block_threshold_oere = 5000

Several municipalities: one ``[kommuner."561"]`` table each, with the same keys.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from debitorsim.commands.kommuner import HINT as KOMMUNER_HINT
from debitorsim.commands.remote import CommandError
from simulators.profiles import MOST_USED, SYSTEMS

NAME = "scenarios"
HELP = "run the KLIK go-live scenarios and write the readiness report"
EXAMPLE = "debitorsim scenarios --system eg"

STEPS = Path(__file__).resolve().parents[1] / "klik"
"""The KLIK suite (`debitorsim.klik`): installed with the package."""
ROOT = STEPS.parents[1]
"""Where the `debitorsim` package sits: a source checkout, or site-packages."""
REPORTS = "reports/scenarios"


def report_dir(given: str | None, system: str | None, kommune: str | None) -> Path:
    """Where a run writes its report: `given`, else a folder of its own per municipality/system."""
    if given:
        return Path(given)
    if kommune:
        return Path(REPORTS) / f"kommune-{kommune}"
    if system and system != "all":
        return Path(REPORTS) / f"system-{system}"
    return Path(REPORTS)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this subcommand's arguments."""
    parser.add_argument(
        "--system",
        choices=(*SYSTEMS, "all"),
        default=None,
        help="the debtor system's examples to run (default: the --kommune's system, else all)",
    )
    parser.add_argument("--kommune", default=None, help="kommunekode to test (e.g. 561)")
    parser.add_argument("--config", default=None, help="TOML with the municipality's config")
    parser.add_argument(
        "--report",
        default=None,
        help=f"output directory (default: {REPORTS}, {REPORTS}/kommune-K with --kommune K, "
        f"{REPORTS}/system-S with --system S, so a partial run never overwrites the full one)",
    )
    parser.add_argument(
        "--sim-url",
        default=None,
        help="a real debtor test endpoint (Serviceplatformen base URL); control scenarios skip",
    )
    parser.add_argument("-k", dest="keyword", default=None, help="pytest -k expression")
    from debitorsim.serving import add_tls_options

    add_tls_options(parser, serving=False)


def read_config(path: str | None) -> dict[str, dict[str, Any]]:
    """kommunekode -> {"system", "profile", "rules"} from a municipality config file."""
    if not path:
        return {}
    with Path(path).open("rb") as fh:
        data = tomllib.load(fh)
    out: dict[str, dict[str, Any]] = {}
    for kode, table in data.get("kommuner", {}).items():
        out[str(kode)] = dict(table)
    if "kommune" in data or "system" in data or "profile" in data or "rules" in data:
        kode = str(data.get("kommune", ""))
        out[kode] = {k: data[k] for k in ("system", "profile", "rules") if k in data}
    return out


def plan(
    system: str | None, kommune: str | None, config: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], str | None]:
    """The settings file's content and the pytest -m expression for a run."""
    from simulators.tenants import representative_kommuner, shipped_assignments

    if "" in config:  # a single-municipality file without `kommune`: --kommune names it
        if not kommune:
            raise CommandError("the config names no kommune; pass --kommune")
        config = {kommune: config.pop(""), **config}
    kommuner = representative_kommuner()
    tenants: dict[str, dict[str, Any]] = {}
    rules: dict[str, dict[str, Any]] = {}
    for kode, table in config.items():
        if kode not in shipped_assignments():
            raise CommandError(f"unknown kommunekode {kode} in --config; {KOMMUNER_HINT}")
        its_system = table.get("system") or shipped_assignments()[kode].system
        kommuner[its_system] = kode
        tenant = {k: table[k] for k in ("system", "profile") if k in table}
        tenant["system"] = its_system
        tenants[kode] = tenant
        if table.get("rules"):
            rules[kode] = dict(table["rules"])
    neutral = MOST_USED
    if kommune:
        if kommune not in shipped_assignments():
            raise CommandError(f"unknown kommunekode {kommune}; {KOMMUNER_HINT}")
        its_system = tenants.get(kommune, {}).get("system") or shipped_assignments()[kommune].system
        kommuner[its_system] = kommune
        system = system or its_system
        neutral = its_system
    if system and system != "all":
        neutral = system
    settings = {"kommuner": kommuner, "tenants": tenants, "rules": rules, "neutral_system": neutral}
    marker = None
    if system and system != "all":
        others = " or ".join(SYSTEMS)
        marker = f"{system} or not ({others})"
    return settings, marker


def run(args: argparse.Namespace) -> int:
    """Run the suite in a pytest subprocess, show progress, write the report, print the verdict."""
    from debitorsim.report import write

    settings, marker = plan(args.system, args.kommune, read_config(args.config))
    if args.sim_url:
        from debitorsim.commands.remote import reachable

        reachable(args.sim_url, "--sim-url")
    report = report_dir(args.report, args.system, args.kommune).resolve()
    report.mkdir(parents=True, exist_ok=True)
    for stale in ("results.json", "measurements.json", "readiness.html"):
        (report / stale).unlink(missing_ok=True)
    (report / "settings.json").write_text(json.dumps(settings, indent=1), encoding="utf-8")
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        str(STEPS),
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "debitorsim.scenario_progress",
        f"--rootdir={ROOT}",
        f"--junitxml={report / 'junit.xml'}",
        f"--cucumberjson={report / 'cucumber.json'}",
    ]
    if marker:
        cmd += ["-m", marker]
    if args.keyword:
        cmd += ["-k", args.keyword]
    env = {
        **os.environ,
        "DEBITORSIM_SCENARIO_CONFIG": str(report / "settings.json"),
        "DEBITORSIM_SCENARIO_OUT": str(report),
        "PYTHONUNBUFFERED": "1",  # progress lines as they happen, also through a pipe
    }
    env.pop("DEBITORSIM_SIM_URL", None)
    env.pop("DEBITORSIM_SCENARIO_TLS", None)
    if args.tls:
        from debitorsim.serving import tls_dir

        env["DEBITORSIM_SCENARIO_TLS"] = str(tls_dir(args.tls).path.resolve())
    if args.sim_url:
        env["DEBITORSIM_SIM_URL"] = args.sim_url
    print(f"KLIK scenarios: {_what(settings, args)}; report in {report}", flush=True)
    started = time.perf_counter()
    # A source checkout runs the suite from its root (its pyproject.toml, its .debitorsim/);
    # an installed package from where the command was started.
    cwd = ROOT if (ROOT / "pyproject.toml").is_file() else Path.cwd()
    rc = subprocess.call(cmd, cwd=cwd, env=env)
    wall = time.perf_counter() - started
    if not (report / "results.json").exists():
        raise CommandError("no scenario ran; no report written", code=rc or 1)
    path = write(report, wall_seconds=wall)
    print(f"readiness report: {path}")
    print(f"junit:            {report / 'junit.xml'}")
    print(f"cucumber:         {report / 'cucumber.json'}")
    print(f"wall time:        {wall:.1f} s")
    print(verdict(report))
    return rc


def _what(settings: dict[str, Any], args: argparse.Namespace) -> str:
    """What the run tests, in one phrase."""
    target = f"the debtor endpoint {args.sim_url}" if args.sim_url else "the simulators"
    systems = (
        [settings["neutral_system"]]
        if args.system not in (None, "all") or args.kommune
        else list(SYSTEMS)
    )
    kommuner = ", ".join(f"{s} ({settings['kommuner'][s]})" for s in systems)
    return f"{kommuner} against {target}"


def verdict(report: Path) -> str:
    """The run's verdict as one line for the terminal (the report has the details)."""
    from debitorsim.report import load_run
    from debitorsim.report.readiness import VERDICT_DA

    run = load_run(report)
    c = run.counts()
    word = VERDICT_DA[run.verdict][0].upper()  # the report's own wording: never »Klar« untested
    return (
        f"verdict:          {word}: {c['passed']} bestået, {c['failed']} fejlet, "
        f"{c['skipped']} ikke afprøvet"
    )
