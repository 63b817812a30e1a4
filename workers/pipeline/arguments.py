"""Arguments of tasks and commands, refused before any work starts (BadArgument)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from workers import sources
from workers.errors import BadArgument


def validate_year(year: Any, now: datetime | None = None, championship: str | None = None) -> int:
    """A season of the championship (by default the registry's default), between the first a source of it covers
    and next year."""
    first, latest = sources.first_season(championship), (now or datetime.now(timezone.utc)).year + 1
    value = _whole_number(year)
    if value is None:
        raise BadArgument(f"year must be a whole number between {first} and {latest}, got {year!r}")
    if not first <= value <= latest:
        raise BadArgument(f"year must be between {first} (the first season a source covers) and {latest}, got {value}")
    return value


def _whole_number(value: Any) -> int | None:
    """A whole number given as a number or as digits (a command line's), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        return None
    return int(value)


def validate_championship(championship: Any) -> str | None:
    """A championship whose seasons a source has, by its series slug (None: the default one)."""
    if championship is None:
        return None
    if not isinstance(championship, str) or championship not in sources.championships():
        raise BadArgument(f"championship must be one of {', '.join(sources.championships())}, got {championship!r}")
    return championship


def validate_source_name(source: Any) -> str | None:
    """A registered source's name (None: let the registry choose)."""
    if source is None:
        return None
    if not isinstance(source, str) or source not in sources.names():
        raise BadArgument(f"source must be one of {', '.join(sources.names())}, got {source!r}")
    return source


def validate_days(days: Any) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
        raise BadArgument(f"days must be a whole number between 1 and 366, got {days!r}")
    return days


def validate_refresh(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise BadArgument(f"refresh must be true or false, got {value!r}")


def validate_include_results(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise BadArgument(f"include_results must be true, false or null, got {value!r}")


LATEST = "latest"
SERIES_FIRST_SEASON = 1890


def validate_series_season(season: Any, now: datetime | None = None) -> int | str:
    """A season of a series (The Third Turn's go back to the early 1900s), or "latest": the newest its hub lists."""
    if isinstance(season, str) and season.strip().lower() == LATEST:
        return LATEST
    latest = (now or datetime.now(timezone.utc)).year + 1
    value = _whole_number(season)
    if value is None:
        raise BadArgument(f"season must be a whole number between {SERIES_FIRST_SEASON} and {latest}, or "
                          f"{LATEST!r}, got {season!r}")
    if not SERIES_FIRST_SEASON <= value <= latest:
        raise BadArgument(f"season must be between {SERIES_FIRST_SEASON} and {latest}, got {value}")
    return value

