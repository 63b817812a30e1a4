"""The sources the workers read, by name; the year decides which one a season comes from.

Each source is a package under `workers/sources/` whose `__init__` exposes its `Settings` class (cheap) and its
`SOURCE` (loaded on first use), so checking a year on the command line loads no client, model or mapping."""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from typing import TYPE_CHECKING

from workers.errors import BadArgument
from workers.settings import load

if TYPE_CHECKING:
    from workers.sources.base import Source

PACKAGES = {"openf1": "workers.sources.openf1", "jolpica": "workers.sources.jolpica",
            "thirdturn": "workers.sources.thirdturn"}
# Tried in order: the first that covers a year has its season (OpenF1 from OPENF1_FIRST_YEAR, history before).
SEASON_SOURCES = ("openf1", "jolpica")
# The source of every other series, synced a series at a time by its hub page (`sync_series`).
SERIES_SOURCE = "thirdturn"


def lazy_attributes(package: str, names: tuple[str, ...]):
    """A source package's module `__getattr__`: `names` come from its `source` module, loaded on first use."""
    def __getattr__(name: str):
        if name in names:
            return getattr(import_module(f"{package}.source"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    return __getattr__


def get(name: str) -> "Source":
    if name not in PACKAGES:
        raise BadArgument(f"unknown source {name!r}; known: {', '.join(sorted(PACKAGES))}")
    return import_module(PACKAGES[name]).SOURCE


def find(name: str | None) -> "Source | None":
    return get(name) if name in PACKAGES else None


def all_sources() -> list["Source"]:
    return [get(name) for name in PACKAGES]


def for_season(year: int) -> "Source":
    for name in SEASON_SOURCES:
        source = get(name)
        if source.covers(year):
            return source
    raise BadArgument(f"no source covers the {year} season (the first is {first_season()})")


def name_for_season(year: int) -> str:
    """The name of the source whose season `year` is, from the sources' settings alone (no source loaded)."""
    for name in SEASON_SOURCES:
        if year >= _settings(name).FIRST_YEAR:
            return name
    raise BadArgument(f"no source covers the {year} season (the first is {first_season()})")


def first_season() -> int:
    """The earliest season any source covers (from the sources' settings alone)."""
    return min(_settings(name).FIRST_YEAR for name in SEASON_SOURCES)


@lru_cache(maxsize=None)
def _settings(name: str):
    return load(import_module(PACKAGES[name]).Settings)
