"""The season-level endpoints as data, and Jolpica's paging of them.

An endpoint's items are its rows in Jolpica's order: races by round for the schedule; for results, sprint and
qualifying every entrant's row, by round then finishing (or qualifying) position. A page is a slice of those rows
(`offset`, `limit`), regrouped into `Races[]` in order, so a race cut by the page's edge appears on both pages
with its part of the rows; `total` counts rows. Paging follows Django REST framework's limit/offset paging as
Jolpica configures it: `limit` default 30, more than 100 is 100, a limit that is not a whole number above 0 is
the default, an offset that is not a whole number from 0 up is 0.

Qualifying is the exception to position order. Jolpica orders a season's qualifying rows by round, then by each
driver's best position in any segment (Q1, Q2, Q3), and sorts by final position only the rows of one page; so
the first page of 2023 holds round 2's positions 1-8, 11 and 15 (Verstappen was fastest in Q1, 15th in the end)
and the next page the rest. The replay ranks each segment by its times to get the same order; a race's rows
merged from two pages are then not in position order, as from Jolpica.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl

from . import objects
from .dump import ErgastDump, Row
from .formats import lap_millis, present

DEFAULT_LIMIT = 30
MAX_LIMIT = 100


@dataclass(frozen=True)
class Endpoint:
    name: str  # the path's last part: races (the schedule), results, qualifying, sprint
    list_key: str | None  # the key of each race's rows; None for the schedule, whose items are the races


ENDPOINTS = {
    "races": Endpoint("races", None),
    "results": Endpoint("results", "Results"),
    "qualifying": Endpoint("qualifying", "QualifyingResults"),
    "sprint": Endpoint("sprint", "SprintResults"),
}


@dataclass(frozen=True)
class Item:
    race: Row
    body: dict  # the scheduled race, or one result row


@dataclass(frozen=True)
class Page:
    total: int
    races: list[dict]


def paging(query: str) -> tuple[int, int]:
    """(limit, offset) from a query string; the last of repeated parameters wins."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    return _limit(params.get("limit")), _offset(params.get("offset"))


def _limit(value: str | None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return DEFAULT_LIMIT
    return min(number, MAX_LIMIT) if number > 0 else DEFAULT_LIMIT


def _offset(value: str | None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if number >= 0 else 0


class Catalogue:
    """The dump's items per (endpoint, season), built on first use and kept (they never change)."""

    def __init__(self, dump: ErgastDump) -> None:
        self.dump = dump
        self._items: dict[tuple[str, int], list[Item]] = {}
        self._lock = threading.Lock()

    def page(self, endpoint: Endpoint, season: int, round_number: int | None, limit: int, offset: int) -> Page:
        items = self.items(endpoint, season)
        if round_number is not None:
            items = [item for item in items if int(item.race["round"]) == round_number]
        return Page(total=len(items), races=self._races(endpoint, items[offset:offset + limit]))

    def items(self, endpoint: Endpoint, season: int) -> list[Item]:
        key = (endpoint.name, season)
        with self._lock:
            if key not in self._items:
                self._items[key] = list(self._build(endpoint, season))
            return self._items[key]

    def _build(self, endpoint: Endpoint, season: int):
        for race in self.dump.races_by_season.get(season, ()):
            if endpoint.list_key is None:
                yield Item(race, objects.scheduled_race(race, self.dump))
            else:
                yield from (Item(race, body) for body in self._rows_of(endpoint, race))

    def _rows_of(self, endpoint: Endpoint, race: Row) -> list[dict]:
        if endpoint.name == "qualifying":
            rows = best_segment_order(self.dump.qualifying.get(race["raceId"], []))
            return [objects.qualifying_result(row, self.dump) for row in rows]
        table = self.dump.results if endpoint.name == "results" else self.dump.sprint_results
        rows = table.get(race["raceId"], ())
        winner = next((row["milliseconds"] for row in rows if row["positionOrder"] == "1"), None)
        winner_millis = int(winner) if winner and winner.isdigit() else None
        return [objects.race_result(row, self.dump, winner_millis) for row in rows]

    def _races(self, endpoint: Endpoint, items: list[Item]) -> list[dict]:
        if endpoint.list_key is None:
            return [item.body for item in items]
        races: list[dict] = []
        current_id = None
        for item in items:
            if item.race["raceId"] != current_id:
                current_id = item.race["raceId"]
                races.append({**objects.race(item.race, self.dump), endpoint.list_key: []})
            races[-1][endpoint.list_key].append(item.body)
        if endpoint.name == "qualifying":
            for race in races:
                race[endpoint.list_key].sort(key=lambda row: int(row["position"]))
        return races


def best_segment_order(rows: list[Row]) -> list[Row]:
    """Qualifying rows by the best rank each driver's time had in any segment (ties and drivers without a time
    by final position)."""
    best: dict[int, int] = {}
    for segment in ("q1", "q2", "q3"):
        timed = sorted((lap_millis(row[segment]), int(row["position"]))
                       for row in rows if present(row[segment]) and row[segment])
        for rank, (_, position) in enumerate(timed, start=1):
            best[position] = min(rank, best.get(position, rank))
    return sorted(rows, key=lambda row: (best.get(int(row["position"]), int(row["position"])), int(row["position"])))


def envelope(url: str, limit: int, offset: int, page: Page, criteria: dict[str, str]) -> dict:
    """Jolpica's MRData around a page: every number a string, the table's criteria before its races."""
    return {
        "MRData": {
            "xmlns": "",
            "series": "f1",
            "url": url,
            "limit": str(limit),
            "offset": str(offset),
            "total": str(page.total),
            "RaceTable": {**criteria, "Races": page.races},
        }
    }
