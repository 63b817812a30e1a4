"""A source is one package; the generic code names none (read from the source with `ast`, no import runs).

The generic modules (tasks/, ingestion/, workers/pipeline/, workers/db/, workers/*.py and celeryconfig.py) import
no module of a source's package, nor the Formula 1 facts its sources share: only the registry (`workers.sources`),
the contract (`workers.sources.base`) and the cheap declarations (`workers.sources.about`). They hold no string
equal to a registered source's name. The database layer imports nothing from workers/sources at all, and its
modules import each other in no circle."""

from __future__ import annotations

import ast
from pathlib import Path

from harness.imports import imported, module_name
from workers import sources

REPO = Path(__file__).resolve().parents[2]
GENERIC = ("tasks", "ingestion", "workers/pipeline", "workers/db", "celeryconfig.py")
# The registry, the contract and the cheap declarations: what the generic code may import of workers/sources.
ALLOWED = {"workers.sources", "workers.sources.base", "workers.sources.about"}


def generic_files(root: Path) -> list[Path]:
    files = [p for entry in GENERIC for p in ((root / entry).rglob("*.py") if (root / entry).is_dir()
                                              else [root / entry]) if p.is_file()]
    return sorted(files + [p for p in (root / "workers").glob("*.py")])


def source_modules(names: set[str], registered: set[str]) -> set[str]:
    """The imported names that are a module of workers/sources other than the registry, the contract and the
    declarations: a source's package (registered, or any package there) or a module of it, or a shared module such
    as formula1 (a name imported from one of them, a class or a function, is its module's already)."""
    found = set()
    for name in names:
        parts = name.split(".")
        if len(parts) < 3 or parts[:2] != ["workers", "sources"] or parts[2] in ("base", "about"):
            continue
        if parts[2] in registered or is_module(parts):
            found.add(".".join(parts[:3]))
            found.update(".".join(parts[:n]) for n in range(4, len(parts) + 1) if is_module(parts[:n]))
    return found


def is_module(parts: list[str]) -> bool:
    """Whether workers.sources.… names a module or package of this repository (not a name defined in one)."""
    base = REPO.joinpath(*parts)
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def literal_names(path: Path, registered: set[str]) -> set[str]:
    """The string constants of a file that equal a registered source's name, as `'name'`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {repr(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in registered}


def offenders(root: Path, registered: set[str]) -> dict[str, set[str]]:
    """Each generic file → the source modules it imports and the source names it spells."""
    found = {}
    for path in generic_files(root):
        named = source_modules(imported(path, root), registered) | literal_names(path, registered)
        if named:
            found[str(path.relative_to(root))] = named
    return found


def test_no_generic_module_imports_a_source_or_spells_its_name():
    registered = set(sources.names())
    assert registered >= {"openf1", "jolpica", "thirdturn"}
    assert offenders(REPO, registered) == {}, "generic code names a source"


def test_the_database_layer_imports_nothing_of_workers_sources_and_no_module_of_it_in_a_circle():
    db = {module_name(p, REPO): p for p in (REPO / "workers/db").glob("*.py")}
    reaching = {str(p.relative_to(REPO)): {n for n in imported(p, REPO) if n == "workers.sources"
                                           or n.startswith("workers.sources.")} for p in db.values()}
    assert {path: names for path, names in reaching.items() if names} == {}
    edges = {m: {n for n in imported(p, REPO) if n in db and n not in ("workers.db", m)} for m, p in db.items()}
    assert circles(edges) == []


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle of a graph (module → modules it imports), each from its smallest module, once."""
    found: set[tuple[str, ...]] = set()

    def walk(start: str, node: str, path: list[str]) -> None:
        for after in sorted(edges.get(node, ())):
            if after == start:
                found.add(tuple(path))
            elif after not in path and after > start:
                walk(start, after, path + [after])
    for start in sorted(edges):
        walk(start, start, [start])
    return [list(c) for c in sorted(found)]


def test_the_walk_finds_a_source_imported_or_named_and_a_circle(tmp_path):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "__init__.py").write_text("")
    (tmp_path / "tasks" / "a.py").write_text("def f():\n    from workers.sources.openf1 import endpoints\n"
                                              "    return 'openf1' == 'OpenF1'\n")
    (tmp_path / "tasks" / "b.py").write_text("from workers import sources\nfrom workers.sources.base import Source\n"
                                              "from workers.sources import first_season\n")
    found = offenders(tmp_path, {"openf1"})
    assert found == {"tasks/a.py": {"workers.sources.openf1", "workers.sources.openf1.endpoints", "'openf1'"}}
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_formula_1_facts_are_imported_by_its_two_sources_only():
    importers = sorted(str(p.relative_to(REPO)) for p in (REPO / "workers").rglob("*.py")
                       if "workers.sources.formula1" in imported(p, REPO))
    assert {p.split("/")[2] for p in importers} == {"openf1", "jolpica"}
