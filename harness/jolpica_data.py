"""The real Jolpica-F1 / Ergast data the Jolpica tests run on (the repository's ``recordings/jolpica``, or
``$JOLPICA_DATA_DIR``; its SOURCES.md says where each file comes from), read in place:

- `gridview(year)`: real `/{season}.json` Race objects of 2021 and 2022 with their real `Results`;
- `fixture(path)`: complete recorded API answers (exact envelopes) of Jolpica's own test suite;
- `cassette(name)`: live api.jolpi.ca answers with their HTTP headers (VCR YAML);
- the Ergast CSV export, and `csv_race` / `csv_results` / `csv_qualifying` / `csv_sprint`, which build Jolpica-shaped
  objects from it where no JSON exists (1950s shared drives, status letters, qualifying segments, …). The builder
  is checked against the real JSON where both exist (tests/jolpica/test_jolpica_data.py).

Nothing here is typed in: every value comes from those files."""

from __future__ import annotations

import csv
import json
import os
import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

from workers.http import Answer
from workers.sources.base import Request

DATA_DIR = Path(os.environ.get("JOLPICA_DATA_DIR", Path(__file__).resolve().parents[1] / "recordings" / "jolpica"))
CSV_NULL = "\\N"


# -- files -------------------------------------------------------------------------------------------------------


def gridview(year: int) -> dict[str, Any]:
    return json.loads(_text(f"gridview_jolpica_archive/f1_{year}.json"))


def schedule_races(year: int) -> list[dict[str, Any]]:
    """The season's real schedule Race objects (`Results` taken off: gridview added them to each race)."""
    return [{k: v for k, v in race.items() if k != "Results"} for race in gridview(year)["races"]]


def fixture(relative: str) -> dict[str, Any]:
    return json.loads(fixture_text(relative))


def fixture_text(relative: str) -> str:
    return _text(f"jolpica_api_fixtures_2023/{relative}")


def cassette(name: str) -> list[dict[str, Any]]:
    """The interactions of a VCR cassette: uri, status, headers and the exact body."""
    data = yaml.safe_load(_text(f"f1dataR_vcr_cassettes/{name}.yml"))
    return [{"uri": it["request"]["uri"], "status": it["response"]["status"],
             "headers": it["response"]["headers"], "body": it["response"]["body"]["string"]}
            for it in data["http_interactions"]]


def cassette_body(name: str, uri_part: str) -> str:
    return next(it["body"] for it in cassette(name) if uri_part in it["uri"])


@lru_cache(maxsize=None)
def _text(relative: str) -> str:
    return (DATA_DIR / relative).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def table(name: str) -> tuple[dict[str, str], ...]:
    with (DATA_DIR / "ergast_csv_dump" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


@lru_cache(maxsize=None)
def by_id(name: str, key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in table(name)}


@lru_cache(maxsize=None)
def rows_of_race(name: str) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in table(name):
        grouped[row["raceId"]].append(row)
    return dict(grouped)


def race_id(season: int, round_number: int) -> str:
    return next(r["raceId"] for r in table("races") if r["year"] == str(season) and r["round"] == str(round_number))


def season_of(race: str) -> int:
    return int(by_id("races", "raceId")[race]["year"])


def round_key_of(race: str) -> str:
    row = by_id("races", "raceId")[race]
    return f"{row['year']}/{row['round']}"


def slug(text: str) -> str:
    """SPEC §2's slug, written here apart from the workers' own, for expected values."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def shared_drives() -> dict[tuple[str, str, str], list[dict[str, str]]]:
    """(race, driver, constructor) → its rows, where a driver drove more than one car of one team in a race."""
    grouped = defaultdict(list)
    for row in table("results"):
        grouped[(row["raceId"], row["driverId"], row["constructorId"])].append(row)
    return {key: rows for key, rows in grouped.items() if len(rows) > 1}


# -- Jolpica-shaped objects from the Ergast CSV ------------------------------------------------------------------


def _value(text: str) -> str | None:
    return None if text == CSV_NULL else text


def _present(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def csv_race(race: str) -> dict[str, Any]:
    """The schedule's Race object of a CSV race (sessions as the CSV lists them)."""
    row = by_id("races", "raceId")[race]
    circuit = by_id("circuits", "circuitId")[row["circuitId"]]
    sessions = {}
    for name, prefix in (("FirstPractice", "fp1"), ("SecondPractice", "fp2"), ("ThirdPractice", "fp3"),
                         ("Qualifying", "quali"), ("Sprint", "sprint")):
        day, at = _value(row.get(f"{prefix}_date", CSV_NULL)), _value(row.get(f"{prefix}_time", CSV_NULL))
        if day is not None:
            sessions[name] = _present(date=day, time=at and f"{at}Z")
    return _present(
        season=row["year"], round=row["round"], url=row["url"], raceName=row["name"],
        Circuit={"circuitId": circuit["circuitRef"], "url": circuit["url"], "circuitName": circuit["name"],
                 "Location": {"lat": circuit["lat"], "long": circuit["lng"], "locality": circuit["location"],
                              "country": circuit["country"]}},
        date=row["date"], time=_value(row["time"]) and f"{row['time']}Z", **sessions)


def _driver(driver_id: str) -> dict[str, Any]:
    row = by_id("drivers", "driverId")[driver_id]
    return _present(driverId=row["driverRef"], permanentNumber=_value(row["number"]), code=_value(row["code"]),
                    url=row["url"], givenName=row["forename"], familyName=row["surname"], dateOfBirth=row["dob"],
                    nationality=row["nationality"])


def _constructor(constructor_id: str) -> dict[str, Any]:
    row = by_id("constructors", "constructorId")[constructor_id]
    return {"constructorId": row["constructorRef"], "url": row["url"], "name": row["name"],
            "nationality": row["nationality"]}


def _number(text: str) -> str:
    return "None" if text == CSV_NULL else text  # Jolpica writes str(None) for a missing car number


def csv_result(row: dict[str, str]) -> dict[str, Any]:
    """A `Results` / `SprintResults` row: `position` is Ergast's positionOrder (Jolpica's classification order)."""
    status = by_id("status", "statusId")[row["statusId"]]["status"]
    rank = _value(row.get("rank", CSV_NULL))
    return _present(
        number=_number(row["number"]), position=row["positionOrder"], positionText=row["positionText"],
        points=row["points"], Driver=_driver(row["driverId"]), Constructor=_constructor(row["constructorId"]),
        grid=row["grid"], laps=row["laps"], status=status,
        Time=_value(row["milliseconds"]) and _present(millis=row["milliseconds"], time=_value(row["time"])),
        FastestLap=_present(rank=rank, lap=_value(row["fastestLap"])) if rank not in (None, "0") else None)


def csv_qualifying_row(row: dict[str, str]) -> dict[str, Any]:
    return _present(number=_number(row["number"]), position=row["position"], Driver=_driver(row["driverId"]),
                    Constructor=_constructor(row["constructorId"]),
                    Q1=_value(row["q1"]), Q2=_value(row["q2"]), Q3=_value(row["q3"]))


def csv_results(race: str) -> list[dict[str, Any]]:
    return [csv_result(r) for r in sorted(rows_of_race("results").get(race, []), key=_order)]


def csv_sprint(race: str) -> list[dict[str, Any]]:
    return [csv_result(r) for r in sorted(rows_of_race("sprint_results").get(race, []), key=_order)]


def csv_qualifying(race: str) -> list[dict[str, Any]]:
    rows = rows_of_race("qualifying").get(race, [])
    return [csv_qualifying_row(r) for r in sorted(rows, key=lambda r: int(r["position"]))]


def _order(row: dict[str, str]) -> int:
    return int(row["positionOrder"])


# -- answers and the landing as a source sees it ---------------------------------------------------------------


def envelope(season: int, races: list[dict[str, Any]], *, limit: int, offset: int, total: int) -> str:
    """A Jolpica answer around races, in the shape of the recorded ones (`MRData`, strings, `RaceTable`)."""
    return json.dumps({"MRData": {"xmlns": "", "series": "f1", "url": f"https://api.jolpi.ca/ergast/f1/{season}",
                                  "limit": str(limit), "offset": str(offset), "total": str(total),
                                  "RaceTable": {"season": str(season), "Races": races}}})


def paged(season: int, races: Iterable[dict[str, Any]], rows_key: str, limit: int,
          offsets: Iterable[int] | None = None) -> list[str]:
    """A season-level results endpoint as Jolpica pages it: `limit` result rows a page (at every `limit`-th row,
    or at the `offsets` given), a race cut where the page ends and continued on the next."""
    rows = [(race, row) for race in races for row in race.get(rows_key) or []]
    pages = []
    for offset in (range(0, max(len(rows), 1), limit) if offsets is None else offsets):
        page_races: list[dict[str, Any]] = []
        for race, row in rows[offset:offset + limit]:
            if not page_races or page_races[-1]["round"] != race["round"]:
                page_races.append({**{k: v for k, v in race.items() if k != rows_key}, rows_key: []})
            page_races[-1][rows_key].append(row)
        pages.append(envelope(season, page_races, limit=limit, offset=offset, total=len(rows)))
    return pages


class Landing:
    """The landing as a source's `Landed` sees it: answers by endpoint and request key (a request landed again
    replaces its answer); `records` reads the last landed, `all_records` every one in request order."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.answers: dict[str, dict[str, str]] = defaultdict(dict)
        self.order: list[tuple[str, str]] = []

    def land(self, request: Request | str, body: str, key: str = "") -> "Landing":
        """Land an answer of a request (or of an endpoint under a request key)."""
        endpoint, key = (request.endpoint, request.key) if isinstance(request, Request) else (request, key or request)
        self.answers[endpoint][key] = body
        self.order.append((endpoint, key))
        return self

    def land_pages(self, endpoint: str, bodies: Iterable[str]) -> "Landing":
        for body in bodies:
            page = json.loads(body)["MRData"]
            self.land(endpoint, body, f"{endpoint}?limit={page['limit']}&offset={page['offset']}")
        return self

    def records(self, endpoint: str, round_key: str | None = None) -> list[Any]:
        newest = next((key for e, key in reversed(self.order) if e == endpoint), None)
        return [] if newest is None else self._decode(endpoint, self.answers[endpoint][newest])

    def all_records(self, endpoint: str, round_key: str | None = None) -> list[Any]:
        answers = self.answers[endpoint]
        return [r for key in sorted(answers) for r in self._decode(endpoint, answers[key])]

    def _decode(self, endpoint: str, body: str) -> list[Any]:
        return self.source.decode(endpoint, Answer(200, body))


def season_landing(source: Any, year: int, *, limit: int = 100, results: bool = True, qualifying: bool = True,
                   sprint: bool = True) -> Landing:
    """A 2021 or 2022 season landed from the real data: the gridview schedule and results, qualifying and sprint
    from the Ergast CSV (no Jolpica JSON of them exists for those seasons), paged as Jolpica pages them."""
    races = schedule_races(year)
    landing = Landing(source).land(f"{year}.json", envelope(year, races, limit=limit, offset=0, total=len(races)),
                                   f"{year}.json?limit={limit}&offset=0")
    if results:
        landing.land_pages(f"{year}/results.json", paged(year, gridview(year)["races"], "Results", limit))
    if qualifying:
        with_rows = [{**race, "QualifyingResults": csv_qualifying(race_id(year, int(race["round"])))} for race in races]
        landing.land_pages(f"{year}/qualifying.json", paged(year, with_rows, "QualifyingResults", limit))
    if sprint:
        with_rows = [{**race, "SprintResults": csv_sprint(race_id(year, int(race["round"])))} for race in races]
        landing.land_pages(f"{year}/sprint.json", paged(year, with_rows, "SprintResults", limit))
    return landing


def csv_weekend_landing(source: Any, races: Iterable[str]) -> Landing:
    """Races of any season built from the Ergast CSV, landed as one season's pages (every race of one season)."""
    races = list(races)
    season = season_of(races[0])
    schedule = [csv_race(r) for r in races]
    landing = Landing(source).land(f"{season}.json", envelope(season, schedule, limit=100, offset=0,
                                                              total=len(schedule)), f"{season}.json?limit=100&offset=0")
    for path, key, build in ((f"{season}/results.json", "Results", csv_results),
                             (f"{season}/qualifying.json", "QualifyingResults", csv_qualifying),
                             (f"{season}/sprint.json", "SprintResults", csv_sprint)):
        with_rows = [{**race, key: build(r)} for race, r in zip(schedule, races)]
        landing.land_pages(path, paged(season, with_rows, key, 100))
    return landing
