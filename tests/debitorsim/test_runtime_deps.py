"""What `debitorsim scenarios` and `debitorsim load` run is installed by `pip install -e .` alone.

Two checks: a static one (every third-party module the commands import at module level,
following first-party imports from their entry points, comes from a distribution that
``[project.dependencies]`` installs), and a real one (a fresh venv with only the runtime
dependencies runs `debitorsim scenarios --system eg`).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIRST_PARTY = {
    "debitorsim",
    "oeir",
    "simulators",
    "integration",
    "load",
    "pgsupport",
    "wsgiserve",
    "tests",
}
ENTRY_POINTS = [
    REPO / "debitorsim" / "cli.py",
    REPO / "debitorsim" / "scenario_progress.py",
    REPO / "debitorsim" / "pytest_plugin.py",  # loaded by every pytest run (pytest11)
    REPO / "debitorsim" / "testkit.py",  # what its fixtures import
    *sorted((REPO / "debitorsim" / "klik").glob("*.py")),
    *(REPO / "load" / "profiles" / f"{profile}.py" for profile in ("smoke", "national", "stress")),
]
"""What the commands run: the CLI, the scenario suite (pytest subprocess), Locust's files,
and the pytest plugin a vendor's suite loads."""


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _closure(names: set[str]) -> set[str]:
    """The distributions `names` install, with everything they require (installed here)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [_name(r) for r in requires if "extra ==" not in r]
    return seen


def _module_of(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")


def _file_of(module: str) -> Path | None:
    base = REPO.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _module_level_imports(path: Path) -> set[str]:
    """Absolute module names imported at module level (not inside functions)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        nodes = [node]
        if isinstance(node, ast.If | ast.Try):
            nodes = list(ast.walk(node))
        for n in nodes:
            if isinstance(n, ast.Import):
                found |= {a.name for a in n.names}
            elif isinstance(n, ast.ImportFrom) and n.level == 0 and n.module:
                found.add(n.module)
                found |= {f"{n.module}.{a.name}" for a in n.names}
    return found


def third_party_imports() -> set[str]:
    """Top-level third-party modules reached from the entry points."""
    todo = list(ENTRY_POINTS)
    seen: set[Path] = set()
    out: set[str] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for module in _module_level_imports(path):
            top = module.split(".")[0]
            if top in FIRST_PARTY:
                target = _file_of(module)
                if target is not None:
                    todo.append(target)
            elif top not in sys.stdlib_module_names and top != "__future__":
                out.add(top)
    return out


def test_every_module_the_commands_run_comes_from_a_runtime_dependency() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _closure({_name(r) for r in project["dependencies"]})
    providers = metadata.packages_distributions()
    imported = third_party_imports()
    assert {"pytest", "pytest_bdd", "locust", "flask"} <= imported, imported
    missing = {
        module: providers.get(module, ["?"])
        for module in sorted(imported)
        if not {_name(d) for d in providers.get(module, [])} & runtime
    }
    assert not missing, f"imported at runtime but not in [project.dependencies]: {missing}"


@pytest.mark.slow
def test_scenarios_run_in_a_venv_with_only_the_runtime_dependencies(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_dir = venv / "bin"
    pip = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", "-e", str(REPO)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    for extra in ("hypothesis", "responses", "playwright"):  # the test extra is not there
        probe = subprocess.run([str(bin_dir / "python"), "-c", f"import {extra}"], timeout=60)
        assert probe.returncode != 0, f"{extra} is installed: not a runtime-only venv"
    run = subprocess.run(
        [str(bin_dir / "debitorsim"), "scenarios", "--system", "eg", "-k", "erstatningskrav"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert (tmp_path / "reports" / "scenarios" / "system-eg" / "readiness.html").is_file()
    locust = subprocess.run(
        [str(bin_dir / "python"), "-m", "locust", "--version"], capture_output=True, timeout=120
    )
    assert locust.returncode == 0, locust.stderr[-2000:]
