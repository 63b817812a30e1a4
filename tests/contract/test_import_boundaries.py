"""Which package may import which, read from the source with `ast` (no import runs).

Production code (workers, tasks, ingestion, celeryconfig.py) imports no replay and not the replay kit, however
indirectly: the production image ships none of them; nor the test harness, the tests or the benches. The benches
import the harness, never the tests. Each replay imports only the kit and its own modules; the kit imports no replay.
And a host is judged loopback by one function, in workers/hosts.py."""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

from harness.imports import imported_modules, module_file, module_name

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = ("workers", "tasks", "ingestion", "celeryconfig.py")
KIT = "replay_kit"
REPLAYS = ("openf1_replay", "jolpica_replay", "thirdturn_replay")
DEVELOPMENT = ("harness", "tests", "bench")


def top(name: str) -> str:
    return name.split(".", 1)[0]


def production_files(root: Path) -> list[Path]:
    files = []
    for entry in PRODUCTION:
        path = root / entry
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.is_file() else [])
    return files


def replay_imports(starts: list[Path], root: Path, forbidden: tuple[str, ...] = REPLAYS + (KIT,)) -> list[list[str]]:
    """Every chain of imports from a start file, through the repository's own modules, to a replay or the kit (or
    to another of the `forbidden` top-level packages)."""
    chains: list[list[str]] = []
    queue = deque((path, [module_name(path, root)]) for path in starts)
    seen = {path for path, _ in queue}
    while queue:
        path, chain = queue.popleft()
        for name in sorted(imported_modules(path, root)):
            if top(name) in forbidden:
                chains.append(chain + [name])
                continue
            target = module_file(name, root)
            if target is not None and target not in seen:
                seen.add(target)
                queue.append((target, chain + [name]))
    return chains


def test_no_production_module_imports_a_replay_or_the_kit_however_indirectly():
    starts = production_files(REPO)
    assert len(starts) > 50 and REPO / "celeryconfig.py" in starts
    assert replay_imports(starts, REPO) == []


def test_no_production_module_imports_the_harness_the_tests_or_a_bench_however_indirectly():
    assert replay_imports(production_files(REPO), REPO, forbidden=DEVELOPMENT) == []


def test_the_benches_and_the_harness_import_the_harness_never_the_tests():
    files = sorted((REPO / "bench").rglob("*.py")) + sorted((REPO / "harness").rglob("*.py"))
    assert REPO / "bench" / "season.py" in files and REPO / "harness" / "workers.py" in files
    assert {path.relative_to(REPO).as_posix(): chain for path in files
            for chain in replay_imports([path], REPO, forbidden=("tests",))} == {}
    assert any(top(name) == "harness" for name in imported_modules(REPO / "bench" / "season.py", REPO))


def test_the_walk_finds_a_replay_imported_through_a_relative_import_and_another_package(tmp_path):
    (tmp_path / "workers" / "sub").mkdir(parents=True)
    (tmp_path / "helpers").mkdir()
    (tmp_path / "workers" / "__init__.py").write_text("")
    (tmp_path / "workers" / "sub" / "__init__.py").write_text("")
    (tmp_path / "workers" / "sub" / "a.py").write_text("def f():\n    from .. import b\n")
    (tmp_path / "workers" / "b.py").write_text("import json\nfrom helpers import tools\n")
    (tmp_path / "helpers" / "__init__.py").write_text("")
    (tmp_path / "helpers" / "tools.py").write_text("from openf1_replay.cli import main\n")
    chains = replay_imports([tmp_path / "workers" / "sub" / "a.py"], tmp_path)
    assert ["workers.sub.a", "workers.b", "helpers.tools", "openf1_replay"] in chains


def test_each_replay_imports_only_the_kit_and_its_own_modules_and_the_kit_no_replay():
    for package in REPLAYS + (KIT,):
        allowed = {package, KIT}
        for path in sorted((REPO / package).rglob("*.py")):
            others = {top(name) for name in imported_modules(path, REPO)} & set(REPLAYS + (KIT,))
            assert others <= allowed, f"{path.relative_to(REPO)} imports {sorted(others - allowed)}"


def test_one_function_in_the_repository_decides_whether_a_host_is_loopback():
    definitions = []
    folders = [entry for entry in REPO.iterdir() if entry.is_dir() and not entry.name.startswith(".")
               and entry.name not in ("tests", "recordings")]
    for path in sorted(REPO.glob("*.py")) + sorted(p for folder in folders for p in folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        definitions += [f"{path.relative_to(REPO)}:{node.name}" for node in ast.walk(tree)
                        if isinstance(node, ast.FunctionDef) and node.name == "is_loopback"]
    assert definitions == ["workers/hosts.py:is_loopback"]
