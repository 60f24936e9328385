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
