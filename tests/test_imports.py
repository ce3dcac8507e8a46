"""The import graph of extractor/, workers/ and review/, read with ast (nothing is imported).

Arrows point down only: extractor is the library and imports none of its clients;
workers imports extractor; review imports extractor and the store (workers.store). No
cycle between modules, none between packages, and every module under 400 lines.

Every import statement counts, at the top of a module or inside a function (a lazy
import still ties the modules together), under `if TYPE_CHECKING:` too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("extractor", "workers", "review")
MAX_LINES = 400
# what each package may import from the others
ALLOWED = {"extractor": set(), "workers": {"extractor"}, "review": {"extractor", "workers.store"}}


@cache
def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported_names(name: str, path: Path) -> Iterator[str]:
    """The modules named by each import of the module, relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from pkg import module` names the module, `from module import name` the module
            yield from (f"{base}.{alias.name}" for alias in node.names)


@cache
def graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (the deepest project module each name names)."""
    known = modules()
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        targets = set()
        for imported in imported_names(name, path):
            parts = imported.split(".")
            while parts and ".".join(parts) not in known:
                parts.pop()
            if parts and ".".join(parts) != name:
                targets.add(".".join(parts))
        edges[name] = targets
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(found)


def package_of(module: str) -> str:
    return module.split(".")[0]


def package_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {p: set() for p in PACKAGES}
    for source, targets in graph().items():
        edges[package_of(source)] |= {package_of(t) for t in targets} - {package_of(source)}
    return edges


def test_the_graph_is_read() -> None:
    edges = graph()
    assert "extractor.config" in edges["extractor.pipeline"]
    assert "extractor.ocr.base" in edges["extractor.ocr"]  # relative and `from pkg import module`
    assert len(modules()) > 50


def test_no_cycle_between_modules() -> None:
    assert cycles(graph()) == []


def test_no_cycle_between_packages() -> None:
    assert cycles(package_edges()) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_arrows_point_down(package: str) -> None:
    """extractor imports nothing from workers or review; workers imports extractor only;
    review imports extractor and the store."""
    wrong = sorted(
        f"{source} -> {target}"
        for source, targets in graph().items()
        if package_of(source) == package
        for target in targets
        if package_of(target) != package
        and not any(target == a or target.startswith(a + ".") for a in ALLOWED[package])
    )
    assert wrong == []


def test_modules_are_small() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    assert {name: n for name, n in sizes.items() if n >= MAX_LINES} == {}


def test_cycles_are_found() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(edges) == [["a", "b", "c"]]
