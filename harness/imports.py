"""What a file of the repository imports, read with `ast` (no import runs): the walker of the import-boundary
tests (tests/contract/test_import_boundaries.py, test_source_boundaries.py)."""

from __future__ import annotations

import ast
from pathlib import Path


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_file(name: str, root: Path) -> Path | None:
    """The file of a module of the repository (a package's __init__.py), or None for any other module."""
    base = root.joinpath(*name.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def imported(path: Path, root: Path) -> set[str]:
    """Every module a file imports, anywhere in it (a name imported from a package may be a module too; relative
    imports resolved)."""
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            prefix = package[: len(package) - node.level + 1] if node.level else []
            base = ".".join(prefix + ([node.module] if node.module else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def imported_modules(path: Path, root: Path) -> set[str]:
    """What `imported` finds, with the packages each one loads on the way."""
    return {".".join(name.split(".")[:depth]) for name in imported(path, root) if name
            for depth in range(1, name.count(".") + 2)}
