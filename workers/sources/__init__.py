"""The sources the workers read, by name: the registry, and its answers to what the generic code asks of the
sources as a whole. The generic code (tasks, the pipeline, the command line) asks here, or asks a source; it never
imports a source's package nor tests a source's name.

Each source is a package under `workers/sources/` whose `__init__` exposes its `ABOUT` (what it is: role, what it
serves, attribution, how a scope is named; workers/sources/about.py) and its `Settings` class, both cheap, and its
`SOURCE` (workers/sources/base.py), loaded on first use: checking a year or a series title on the command line
loads no client, model or mapping. Adding a source is its package and one line of PACKAGES (or `register` for a
package that lives elsewhere, as the tests' throwaway source does).

By role: a season of a championship comes from the source of that championship whose first year is the latest
one at or before it (Formula 1: OpenF1 from 2023, Jolpica before); a scope (a series of The Third Turn, by its hub
page) from a source of scopes, by default the first registered."""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

from workers.errors import BadArgument
from workers.settings import load
from workers.sources.about import SCOPES, SEASONS

if TYPE_CHECKING:
    from workers.audit_rules import AuditRules
    from workers.sources.about import About, Attribution
    from workers.sources.base import Source

PACKAGES = {
    "openf1": "workers.sources.openf1",
    "jolpica": "workers.sources.jolpica",
    "thirdturn": "workers.sources.thirdturn",
}


def register(name: str, package: str) -> None:
    """Add a source package under `name` (its ABOUT's name), after those of PACKAGES."""
    if name in PACKAGES and PACKAGES[name] != package:
        raise BadArgument(f"a source named {name!r} is already registered ({PACKAGES[name]})")
    PACKAGES[name] = package
    _forget()
    declared = about(name).name
    if declared != name:
        unregister(name)
        raise BadArgument(f"{package} declares itself {declared!r}, not {name!r}")


def unregister(name: str) -> None:
    """Remove a source added by `register` (a test's throwaway source)."""
    PACKAGES.pop(name, None)
    _forget()


def _forget() -> None:
    _settings.cache_clear()


def lazy_attributes(package: str, names: tuple[str, ...]):
    """A source package's module `__getattr__`: `names` come from its `source` module, loaded on first use."""
    def __getattr__(name: str):
        if name in names:
            return getattr(import_module(f"{package}.source"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    return __getattr__


# -- every source --------------------------------------------------------------------------------------------

def names() -> tuple[str, ...]:
    """The registered sources' names, in registry order."""
    return tuple(PACKAGES)


def _package(name: str) -> ModuleType:
    if name not in PACKAGES:
        raise BadArgument(f"unknown source {name!r}; known: {', '.join(sorted(PACKAGES))}")
    return import_module(PACKAGES[name])


def about(name: str) -> "About":
    """What a source is (cheap: its package's `__init__`, not the source itself)."""
    return _package(name).ABOUT


def get(name: str) -> "Source":
    return _package(name).SOURCE


def find(name: str | None) -> "Source | None":
    return get(name) if name in PACKAGES else None


def all_sources() -> list["Source"]:
    return [get(name) for name in PACKAGES]


def attributions() -> dict[str, "Attribution"]:
    """Each source's attribution (whom to credit, under which licence), by source name."""
    return {name: about(name).attribution for name in PACKAGES}


def audit_rules() -> list["AuditRules"]:
    """The rules `db audit` holds every registered source's rows to (workers/db/audit.py runs them)."""
    return [source.audit_rules() for source in all_sources()]


@lru_cache(maxsize=None)
def _settings(name: str) -> Any:
    return load(_package(name).Settings)


# -- sources of seasons, by championship ---------------------------------------------------------------------

def championships() -> list[str]:
    """The championships (their series' slugs) whose seasons a source has, the default first."""
    return list(dict.fromkeys(about(n).serves for n in PACKAGES if about(n).role == SEASONS))


def default_championship() -> str:
    """The championship a season named by its year alone is of (`sync_season(2024)`): the first registered
    source of seasons' (Formula 1)."""
    found = championships()
    if not found:
        raise BadArgument("no source of seasons is registered")
    return found[0]


def season_source_names(championship: str | None = None) -> list[str]:
    """The sources of a championship's seasons (by default, the default championship's), in registry order."""
    championship = championship or default_championship()
    found = [n for n in PACKAGES if about(n).role == SEASONS and about(n).serves == championship]
    if not found:
        raise BadArgument(f"no source has seasons of {championship!r}; known: {', '.join(championships())}")
    return found


def name_for_season(year: int, championship: str | None = None) -> str:
    """The name of the source a season of the championship comes from: of those covering the year, the one whose
    first year is the latest (from the sources' settings alone: no source loaded)."""
    covering = [n for n in season_source_names(championship) if year >= _settings(n).FIRST_YEAR]
    if not covering:
        raise BadArgument(f"no source covers the {year} season (the first is {first_season(championship)})")
    return max(covering, key=lambda n: _settings(n).FIRST_YEAR)


def for_season(year: int, championship: str | None = None) -> "Source":
    return get(name_for_season(year, championship))


def first_season(championship: str | None = None) -> int:
    """The earliest season a source of the championship covers (from the sources' settings alone)."""
    return min(_settings(n).FIRST_YEAR for n in season_source_names(championship))


# -- sources of scopes ---------------------------------------------------------------------------------------

def scope_source_names() -> list[str]:
    """The sources of scopes (a wiki's series, by their hub pages), in registry order."""
    return [n for n in PACKAGES if about(n).role == SCOPES]


def scope_source_name(name: str | None = None) -> str:
    """The source of scopes `name` names, checked; by default the first registered (The Third Turn)."""
    found = scope_source_names()
    if name is None:
        if not found:
            raise BadArgument("no source of scopes is registered")
        return found[0]
    if name not in found:
        raise BadArgument(f"source must name a source of scopes ({', '.join(found) or 'none is registered'}), "
                          f"got {name!r}")
    return name


def scope_source(name: str | None = None) -> "Source":
    return get(scope_source_name(name))


def normalise_scope(text: Any, source: str | None = None) -> str:
    """A scope's name as its source keys it (a series' hub page title from a title or a URL of the wiki), refused
    with the reason before anything is sent (cheap: the source's package and settings only)."""
    name = scope_source_name(source)
    return about(name).normalise_scope(text, _settings(name))  # type: ignore[misc]


def env_name(source: str, setting: str) -> str:
    """The environment variable of a source's setting (`THIRDTURN_FOLLOWED_SERIES`), for messages."""
    return f"{_package(source).Settings.model_config.get('env_prefix', '')}{setting}"


def followed_scopes(source: str | None = None) -> dict[str, list[str]]:
    """The scopes each source of scopes follows (normalised, each once), by source: every source of scopes, or the
    one named (cheap)."""
    chosen = [scope_source_name(source)] if source is not None else scope_source_names()
    followed = {}
    for name in chosen:
        setting = about(name).followed_setting
        listed = str(getattr(_settings(name), setting)) if setting else ""
        followed[name] = list(dict.fromkeys(normalise_scope(t, name) for t in listed.split(",") if t.strip()))
    return followed


def __getattr__(name: str) -> Any:
    """Registry answers under the names earlier code and scripts used (the project's own code asks the functions
    above): SERIES_SOURCE, the default source of scopes; SEASON_SOURCES, the sources of the default championship."""
    if name == "SERIES_SOURCE":
        return scope_source_name()
    if name == "SEASON_SOURCES":
        return tuple(season_source_names())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
