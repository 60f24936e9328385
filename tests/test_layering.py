"""Dependencies point one way: debitorsim → simulators, integration → oeir (and pgsupport).

The simulators and the integration core meet only over HTTP, as real systems do,
so neither may import the other; oeir and pgsupport import neither.
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


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_ledger_owns_its_port_and_imports_nothing_of_the_store() -> None:
    """The store implements the ledger's port (simulators.ledger.ports); never the reverse."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _imported_modules(path) if m.split(".")[:2] == ["simulators", "store"]
        )
        for path in (ROOT / "simulators" / "ledger").rglob("*.py")
    }
    assert {f: m for f, m in offenders.items() if m} == {}
    assert "simulators.ledger.ports" in _imported_modules(ROOT / "simulators/store/base.py")
