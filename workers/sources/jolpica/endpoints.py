"""Jolpica's season-level endpoints as data, and their paging (docs/sources/jolpica.md).

Pages count result rows, not races (`limit` at most 100, `offset`, `total`): a race can end one page and start the
next, so a round reads every landed page of an endpoint and merges its race by (season, round). The first page is
asked for; once it is landed, its `total` says which further offsets are needed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from pydantic import ValidationError

from workers.errors import PermanentError
from workers.http import Answer
from workers.sources.base import Request
from workers.sources.jolpica.models import Page, reason

PAGE_LIMIT = 100  # Jolpica's largest page; more is silently clamped


@dataclass(frozen=True)
class Endpoint:
    """A season-level endpoint: its path, the first season it has, and where a race keeps its rows."""

    name: str
    path: str  # with {season}
    first_year: int
    rows_key: str | None = None  # the race's list of result rows (None: the schedule)
    spoiler: bool = False  # True: never requested when results are excluded (the spoiler rule)

    def at(self, season: int) -> str:
        return self.path.format(season=season)

    def covers(self, season: int) -> bool:
        return season >= self.first_year


SCHEDULE = Endpoint("races", "{season}.json", 1950)
RESULTS = Endpoint("results", "{season}/results.json", 1950, "Results", spoiler=True)
QUALIFYING = Endpoint("qualifying", "{season}/qualifying.json", 1994, "QualifyingResults", spoiler=True)
SPRINT = Endpoint("sprint", "{season}/sprint.json", 2021, "SprintResults", spoiler=True)
RESULT_ENDPOINTS = (RESULTS, QUALIFYING, SPRINT)


def page_request(endpoint: Endpoint, season: int, offset: int) -> Request:
    """One page of a season (it covers the whole season: `rounds` None)."""
    return Request(endpoint.at(season), f"limit={PAGE_LIMIT}&offset={offset}", season=season, spoiler=endpoint.spoiler)


def decode_page(endpoint: str, answer: Answer) -> Page:
    """A landed answer → its page (paging and races as received)."""
    try:
        data = json.loads(answer.body)["MRData"]
        races = data.get("RaceTable", {}).get("Races", [])
        return Page.model_validate({"limit": data.get("limit"), "offset": data.get("offset"),
                                    "total": data.get("total"), "races": races})
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        detail = reason(exc) if isinstance(exc, ValidationError) else type(exc).__name__
        raise PermanentError(f"Jolpica {endpoint}: the landed answer is not a page ({detail})") from None


def first_page(pages: Iterable[Page]) -> Page | None:
    return next((p for p in pages if p.offset == 0), None)


def pages_wanted(endpoint: Endpoint, season: int, landed: Sequence[Page]) -> list[Request]:
    """The first page; once it is landed, every page its `total` needs, stepping by the rows a page holds."""
    first = first_page(landed)
    if first is None:
        return [page_request(endpoint, season, 0)]
    step = min(first.limit, PAGE_LIMIT) or PAGE_LIMIT
    return [page_request(endpoint, season, offset) for offset in range(0, max(first.total, 1), step)]


def races_of(pages: Iterable[Page], rows_key: str | None) -> dict[tuple[str, str], dict[str, Any]]:
    """(season, round) → the race, its rows merged across pages in offset order (a row repeated by overlapping
    pages counted once). Pages beyond the first page's `total` are left over from an older state: ignored."""
    ordered = sorted(pages, key=lambda p: p.offset)
    first = first_page(ordered)
    if first is None:
        return {}
    races: dict[tuple[str, str], dict[str, Any]] = {}
    for page in ordered:
        if page.offset >= max(first.total, 1):
            continue
        for race in page.races:
            _merge(races, race, rows_key)
    return races


def _merge(races: dict[tuple[str, str], dict[str, Any]], race: Any, rows_key: str | None) -> None:
    if not isinstance(race, dict):
        return
    key = (str(race.get("season")), str(race.get("round")))
    if key not in races:
        races[key] = {**race, **({rows_key: []} if rows_key else {})}
    if rows_key is None:
        return
    merged = races[key][rows_key]
    for row in race.get(rows_key) or []:
        if row not in merged:
            merged.append(row)
