"""Parse is one-way: vocabulary ← doc ← field parsers ← build. No cycles between its
modules, and no import hidden inside a function to dodge one (diff and model too)."""

from __future__ import annotations

import ast
from pathlib import Path

import policywatch

SRC = Path(policywatch.__file__).parent
CHECKED = ("parse", "diff")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def own_imports(path: Path) -> list[tuple[str, ast.stmt]]:
    """(imported policywatch module, statement) for every import in the file."""
    found: list[tuple[str, ast.stmt]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("policywatch"):
            module = node.module or ""
            found += [(f"{module}.{alias.name}", node) for alias in node.names]
            found.append((module, node))
        elif isinstance(node, ast.Import):
            found += [(a.name, node) for a in node.names if a.name.startswith("policywatch")]
    return found


def files() -> list[Path]:
    return [SRC / "model.py"] + [p for pkg in CHECKED for p in sorted((SRC / pkg).glob("*.py"))]


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in files()}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges[name] = {
            target
            for target, _ in own_imports(path)
            if target in modules and target != name and not _is_package_of(target, name)
        }
    return edges


def _is_package_of(target: str, name: str) -> bool:
    """``from policywatch.parse.x import y`` names the package; it is not an import of it."""
    return name.startswith(f"{target}.")


def test_no_import_inside_a_function() -> None:
    hidden = [
        f"{module_name(p)}:{stmt.lineno}"
        for p in files()
        for _, stmt in own_imports(p)
        if stmt.col_offset > 0
    ]
    assert hidden == []


def test_no_cycle_between_parse_diff_and_model_modules() -> None:
    edges = graph()

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            here = todo.pop()
            if here == goal:
                return True
            if here not in seen:
                seen.add(here)
                todo.extend(edges.get(here, ()))
        return False

    cycles = [(a, b) for a in edges for b in edges[a] if reaches(b, a)]
    assert cycles == []


def test_doc_is_below_every_field_parser() -> None:
    edges = graph()
    assert edges["policywatch.parse.doc"] <= {"policywatch.parse.vocabulary"}
    assert edges["policywatch.parse.vocabulary"] <= {"policywatch.model"}
    parsers = ("codes", "coverage", "evidence", "fields", "history", "indications", "metadata")
    for name in parsers:
        assert "policywatch.parse.build" not in edges[f"policywatch.parse.{name}"]
    assert edges["policywatch.model"] == set()
