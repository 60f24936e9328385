"""The layering holds: packages import only downwards, and nothing imports in a circle.

The package order is debitorsim → load → simulators | integration → oeir | pgsupport |
wsgiserve (the loopback server). The simulators and the integration core meet only over HTTP,
as real systems do, so neither may import the other, and nothing the product runs imports
the tests. Inside a package, no two
modules import each other (directly or round a longer circle), and no two of its parts
(sub-packages and top-level modules) do either, so each package can be read from the bottom up.
The figures and their definitions live in ``scripts/structure.py``, which prints them.
"""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _structure() -> ModuleType:
    spec = importlib.util.spec_from_file_location("structure", ROOT / "scripts" / "structure.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("structure", module)
    spec.loader.exec_module(module)
    return module


structure = _structure()
MODULES = structure.module_files()
GRAPH = structure.import_graph(MODULES)


@pytest.mark.parametrize("package", sorted(structure.FORBIDDEN))
def test_package_imports_only_downwards(package: str) -> None:
    offenders = [a for a in structure.arrows_across(MODULES) if a.startswith(f"{package}.")]
    assert offenders == []


def test_the_package_order_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from debitorsim.serving import ServerThread\nimport tests.steps\n")
    assert structure.top_level_imports(bad) == {"debitorsim", "tests"}


def test_no_import_circle_between_modules() -> None:
    assert structure.circles(GRAPH) == []


@pytest.mark.parametrize("package", structure.PACKAGES)
def test_no_circle_between_the_parts_of_a_package(package: str) -> None:
    assert structure.arrows_back_up(GRAPH).get(package, []) == []


def test_the_circle_check_finds_a_circle() -> None:
    graph = {"p.a.x": {"p.b.y"}, "p.b.y": {"p.c"}, "p.c": {"p.a.x"}, "p.d": {"p.a.x"}}
    assert structure.circles(graph) == [["p.a.x", "p.b.y", "p.c"]]
    assert structure.arrows_back_up(graph) == {"p": ["p.a -> p.b", "p.b -> p.c", "p.c -> p.a"]}


CORE_LAYERS = {
    "integration.domain": set(),
    "integration.store": {"integration.domain"},
}
"""Inside the integration core: the domain at the bottom, the store on it, the services above.

Each layer may import itself and what is listed; nothing else of `integration`."""


@pytest.mark.parametrize("layer", sorted(CORE_LAYERS))
def test_core_layer_imports_only_below_it(layer: str) -> None:
    allowed = (layer, *CORE_LAYERS[layer])

    def inside(module: str, package: str) -> bool:
        return module == package or module.startswith(f"{package}.")

    offenders = {
        source: sorted(
            t
            for t in targets
            if inside(t, "integration") and not any(inside(t, a) for a in allowed)
        )
        for source, targets in GRAPH.items()
        if inside(source, layer)
    }
    assert {s: t for s, t in offenders.items() if t} == {}
