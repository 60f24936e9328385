"""Measure the structure of the code: sizes, import circles, arrows back up, rooms on a path.

Run from the repository root::

    .venv/bin/python scripts/structure.py           # static figures only
    .venv/bin/python scripts/structure.py --trace   # also the rooms one fee and one SOAP call pass

A *room* is one source file. An *arrow back up* is an import from one part of a package
to another (a sub-package or a top-level module of it) that is answered by a chain of imports
the other way, so the two parts can no longer be layered; plus any import that breaks the
package order `tests/test_layering.py` keeps. Every import counts, also one inside a function
or under ``TYPE_CHECKING``: a late import hides a dependency, it does not remove it.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("oeir", "pgsupport", "wsgiserve", "simulators", "integration", "debitorsim", "load")


def module_files(packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Every module of the product, dotted name → file."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the product modules it imports (``from a import b`` names ``a.b`` if a module)."""

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(name, path.name == "__init__.py", node)
                candidates = [f"{source}.{alias.name}" for alias in node.names] or [source]
            else:
                continue
            for candidate in candidates:
                target = known(candidate)
                if target and target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def part_of(module: str) -> str:
    """The part of its package a module belongs to: ``simulators.store.sqlite`` → ``simulators.store``."""
    return ".".join(module.split(".")[:2])


def part_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The import graph between the parts of one package (arrows across packages left out)."""
    parts: dict[str, set[str]] = defaultdict(set)
    for source, targets in graph.items():
        parts[part_of(source)]
        for target in targets:
            same_package = source.split(".")[0] == target.split(".")[0]
            if same_package and part_of(source) != part_of(target):
                parts[part_of(source)].add(part_of(target))
    return dict(parts)


def arrows_back_up(graph: dict[str, set[str]]) -> dict[str, list[str]]:
    """Per package: the part-to-part arrows that lie inside a circle of parts."""
    parts = part_graph(graph)
    tally: dict[str, list[str]] = defaultdict(list)
    for group in circles(parts):
        members = set(group)
        for source in group:
            for target in sorted(parts[source] & members):
                tally[source.split(".")[0]].append(f"{source} -> {target}")
    return dict(tally)


FORBIDDEN = {
    "oeir": {"pgsupport", "simulators", "integration", "debitorsim", "load", "tests"},
    "pgsupport": {"oeir", "simulators", "integration", "debitorsim", "load", "tests"},
    "wsgiserve": {"oeir", "pgsupport", "simulators", "integration", "debitorsim", "load", "tests"},
    "simulators": {"integration", "debitorsim", "load", "tests"},
    "integration": {"simulators", "debitorsim", "load", "tests"},
    "load": {"debitorsim", "tests"},
    "debitorsim": {"tests"},
}
"""Which top-level packages each package must not import: the package order, top down
debitorsim → load → simulators | integration → oeir | pgsupport | wsgiserve. The simulators and the core
meet only over HTTP, as real systems do; nothing the product runs imports the tests."""


def top_level_imports(path: Path) -> set[str]:
    """The top-level names a file imports absolutely (``import a.b`` and ``from a.b import c``: a)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def arrows_across(modules: dict[str, Path]) -> list[str]:
    """Imports that break the package order, one line per importing module and package."""
    found: list[str] = []
    for name, path in sorted(modules.items()):
        banned = FORBIDDEN.get(name.split(".")[0], set())
        found += [f"{name} -> {target}" for target in sorted(top_level_imports(path) & banned)]
    return found


def largest_classes(modules: dict[str, Path], top: int) -> list[tuple[int, str]]:
    """The longest class definitions, (lines, module:Class)."""
    sizes: list[tuple[int, str]] = []
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                sizes.append((node.end_lineno - node.lineno + 1, f"{name}:{node.name}"))
    return sorted(sizes, reverse=True)[:top]


def largest_files(modules: dict[str, Path], top: int) -> list[tuple[int, str]]:
    """The longest files, (lines, path)."""
    sizes = [
        (len(path.read_text(encoding="utf-8").splitlines()), str(path.relative_to(ROOT)))
        for path in modules.values()
    ]
    return sorted(sizes, reverse=True)[:top]


def report_static(top: int) -> None:
    """Print the static figures."""
    modules = module_files()
    graph = import_graph(modules)
    total = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in modules.values())
    print(f"modules: {len(modules)}, lines: {total}")
    print(f"\nlargest files (top {top}):")
    for lines, where in largest_files(modules, top):
        print(f"  {lines:5d}  {where}")
    print(f"\nlargest classes (top {top}):")
    for lines, where in largest_classes(modules, top):
        print(f"  {lines:5d}  {where}")
    found = circles(graph)
    print(f"\nimport circles between modules: {len(found)}")
    for group in found:
        print(f"  {len(group)} modules: {', '.join(group)}")
    back = arrows_back_up(graph)
    print(f"\narrows back up between the parts of a package: {sum(map(len, back.values()))}")
    for package in PACKAGES:
        print(f"  {package}: {len(back.get(package, []))}")
        for arrow in back.get(package, []):
            print(f"      {arrow}")
    across = arrows_across(modules)
    print(f"\nimports against the package order: {len(across)}")
    for arrow in across:
        print(f"  {arrow}")


def report_trace() -> None:
    """Print the rooms (source files) one fee and one SOAP call execute, once warm."""
    import tempfile

    from debitorsim.testbed import Testbed, TestbedConfig

    def traced(action: object) -> set[str]:
        seen: set[str] = set()

        def profile(frame, event, arg):  # type: ignore[no-untyped-def]
            if event == "call":
                seen.add(frame.f_code.co_filename)

        sys.setprofile(profile)
        try:
            action()  # type: ignore[operator]
        finally:
            sys.setprofile(None)
        rooms = set()
        for filename in seen:
            path = Path(filename)
            if path.is_relative_to(ROOT) and path.relative_to(ROOT).parts[0] in PACKAGES:
                rooms.add(str(path.relative_to(ROOT)))
        return rooms

    with tempfile.TemporaryDirectory() as tmp, Testbed(TestbedConfig(data_dir=Path(tmp))) as bed:
        inner = bed.sim_slot.app
        soap_calls: list[tuple[str, set[str]]] = []

        def tracing(environ, start_response):  # type: ignore[no-untyped-def]
            status: list[str] = []

            def keep(code, headers, exc_info=None):  # type: ignore[no-untyped-def]
                status.append(code)
                return start_response(code, headers, exc_info)

            answer: list[bytes] = []
            rooms = traced(lambda: answer.extend(inner(environ, keep)))
            soap_calls.append((status[0], rooms))
            return answer

        core = bed.core_slot.app.test_client()
        kode = "101"

        def fee(n: int) -> None:
            answer = core.post(
                "/harness/fees",
                json={
                    "agencyId": f"DK-7{kode}00",
                    "type": "fee",
                    "amount": 30,
                    "patron": {"cpr": f"010170{n:04d}", "name": "Ane Testsen"},
                },
            )
            assert answer.status_code == 201, answer.data
            assert bed.drain().sent == 1

        fee(1)  # warm: the first of everything imports and compiles
        fee_rooms = traced(lambda: fee(2))
        bed.sim_slot.app = tracing
        fee(3)
        status, soap_rooms = soap_calls[-1]
        assert status.startswith("200"), status
    for title, rooms in (("one fee, on the core's side", fee_rooms), ("one SOAP call", soap_rooms)):
        by_package: dict[str, int] = defaultdict(int)
        for room in rooms:
            by_package[room.split("/")[0]] += 1
        parts = ", ".join(f"{p} {n}" for p, n in sorted(by_package.items()))
        print(f"\nrooms {title}: {len(rooms)} ({parts})")
        for room in sorted(rooms):
            print(f"  {room}")


def main(argv: list[str] | None = None) -> int:
    """Print the structure figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10, help="how many largest files/classes")
    parser.add_argument("--trace", action="store_true", help="also trace one fee and one call")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    report_static(args.top)
    if args.trace:
        report_trace()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
