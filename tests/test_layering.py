"""Dependencies point one way: debitorsim → load → simulators, integration → oeir (and
pgsupport, wsgiserve).

The simulators and the integration core meet only over HTTP, as real systems do,
so neither may import the other; oeir, pgsupport and wsgiserve import neither. The load
suites and benchmarks sit beside the CLI, not on it: `load` never imports `debitorsim`.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "integration": {"simulators", "debitorsim", "load"},
    "simulators": {"integration", "debitorsim", "load"},
    "oeir": {"simulators", "integration", "debitorsim", "load", "pgsupport"},
    "pgsupport": {"oeir", "simulators", "integration", "debitorsim", "load"},
    "wsgiserve": {"oeir", "pgsupport", "simulators", "integration", "debitorsim", "load"},
    "load": {"debitorsim"},
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downwards(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_packages(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {f: p for f, p in offenders.items() if p} == {}


CORE_LAYERS = {
    "integration.domain": set(),
    "integration.store": {"integration.domain"},
}
"""Inside the integration core: the domain at the bottom, the store on it, the services above.

Each layer may import itself and what is listed; nothing else of `integration`."""


def _imported_core_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "integration":
                found.update(f"integration.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
    return {m for m in found if m == "integration" or m.startswith("integration.")}


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


@pytest.mark.parametrize("layer", sorted(CORE_LAYERS))
def test_core_layer_imports_only_below_it(layer: str) -> None:
    allowed = {layer, *CORE_LAYERS[layer]}
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _imported_core_modules(path) if not any(_within(m, a) for a in allowed)
        )
        for path in (ROOT / layer.replace(".", "/")).rglob("*.py")
    }
    assert {f: m for f, m in offenders.items() if m} == {}
