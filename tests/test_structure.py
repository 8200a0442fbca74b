"""The package's shape: no import cycle between archdsl's modules or subpackages (counting the
imports a module runs when it is imported; imports inside functions are lazy on purpose)."""

from __future__ import annotations

import ast
import graphlib

from conftest import ROOT

PACKAGE = ROOT / "archdsl"


def _modules() -> dict[str, set[str]]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    deps: dict[str, set[str]] = {m: set() for m in names}
    for module, path in names.items():
        for stmt in ast.parse(path.read_text()).body:  # top level only; `if TYPE_CHECKING:` skipped
            if isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.module.startswith("archdsl"):
                targets = [f"{stmt.module}.{a.name}" for a in stmt.names] + [stmt.module]
            elif isinstance(stmt, ast.Import):
                targets = [a.name for a in stmt.names]
            else:
                continue
            # a submodule importing its own package's __init__ is how Python imports it: not a cycle
            deps[module] |= {t for t in targets if t in names and not module.startswith(t + ".")}
    return deps


def _subpackage(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_no_import_cycle_between_modules():
    graphlib.TopologicalSorter({m: d - {m} for m, d in _modules().items()}).prepare()


def test_no_import_cycle_between_subpackages():
    graph: dict[str, set[str]] = {}
    for module, deps in _modules().items():
        graph.setdefault(_subpackage(module), set()).update(
            _subpackage(d) for d in deps if _subpackage(d) != _subpackage(module))
    graph.pop("archdsl", None)  # the package root re-exports lazily; subpackages never import it back
    graphlib.TopologicalSorter(graph).prepare()
