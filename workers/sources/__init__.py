"""The sources the workers read, by name; the year decides which one a season comes from."""

from __future__ import annotations

from workers.errors import BadArgument
from workers.sources import openf1
from workers.sources.base import Landed, Request, RoundIndex, RoundRef, Source

SOURCES: dict[str, Source] = {s.name: s for s in (openf1.SOURCE,)}
SEASON_SOURCES: tuple[Source, ...] = (openf1.SOURCE,)  # tried in order: the first that covers a year has it


def get(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise BadArgument(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}") from None


def for_season(year: int) -> Source:
    for source in SEASON_SOURCES:
        if source.covers(year):
            return source
    raise BadArgument(f"no source covers the {year} season (the first is {first_season()})")


def first_season() -> int:
    """The earliest season any source covers."""
    return min(s.first_year() for s in SEASON_SOURCES)


__all__ = ["Landed", "Request", "RoundIndex", "RoundRef", "SOURCES", "Source", "first_season", "for_season", "get"]
