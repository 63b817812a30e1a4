"""Club Kart's season plan and mapping: a calendar (the index), an entry list and, with results only, the results
of a season, three requests; each round one race, its results matched to entrants by car number."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Sequence

from workers.audit_rules import AuditRules
from workers.http import Answer, SourceClient
from workers.ratelimit import FleetLimiter
from workers.rows import (SOURCE_KEY, EntrantInfo, EntrantRows, Mapped, ResultStatus, RoundRows, SessionInfo,
                          SessionStatus, SessionType, entrants_by_car_number, slugify)
from workers.sources.base import ENTRANTS, OK, RESULTS, Health, Landed, Request, RoundIndex, RoundRef, Source
from tests.contract.fourth_source import ABOUT, Settings

SERIES = {"Name": "Club Kart", "Slug": ABOUT.serves}
# What the club's API answers, by request (endpoint?query): two rounds of 2024, two teams of two cars.
ANSWERS: dict[str, Any] = {
    "calendar?year=2024": [{"round": 1, "name": "Spring Cup", "track": "Lakeside", "date": "2024-04-06"},
                           {"round": 2, "name": "Summer Cup", "track": "Hillside", "date": "2024-07-06"}],
    "entries?year=2024": [{"round": r, "driver": driver, "team": team, "number": number} for r in (1, 2)
                          for driver, team, number in (
                              ("Ada Lovelace", "Analytical", 7), ("Alan Turing", "Analytical", 8),
                              ("Grace Hopper", "Cobol", 11), ("Edsger Dijkstra", "Cobol", 12))],
    "results?year=2024": [{"round": r, "number": number, "position": p} for r in (1, 2)
                          for p, number in enumerate((11, 7, 12, 8) if r == 1 else (7, 8, 11, 12), start=1)],
}


class DictClient(SourceClient):
    """Answers from ANSWERS (404 for anything else), counting its requests as a real client does."""

    label = ABOUT.label

    def fetch(self, target: str) -> Answer:
        self.requests_made += 1
        found = ANSWERS.get(target)
        return Answer(200, json.dumps(found)) if found is not None else Answer(404, "[]")


def start_of(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(record["date"]).replace(hour=10, tzinfo=timezone.utc)


def round_key(year: int, record: dict[str, Any]) -> str:
    return f"{year}/{record['round']}"


class ClubKart(Source):
    about = ABOUT
    name, label = ABOUT.name, ABOUT.label
    settings_class = Settings

    def client(self, limiter: FleetLimiter | None) -> DictClient:
        return DictClient(self.settings, limiter)

    def decode(self, endpoint: str, answer: Answer) -> list[Any]:
        return json.loads(answer.body) if answer.status == 200 else []

    def health(self, limiter: FleetLimiter | None, timeout: float) -> Health:
        return Health(OK, "answers from a dict")

    def audit_rules(self) -> AuditRules:
        return AuditRules(self.name, by_car_number=True)  # results find their entrants by car number

    def index_requests(self, year: int, landed: Landed | None = None) -> list[Request]:
        return [Request("calendar", f"year={year}", season=year)]

    def rounds(self, year: int, landed: Landed) -> RoundIndex:
        return RoundIndex([RoundRef(round_key(year, r), start_of(r), start_of(r) + timedelta(hours=4))
                           for r in landed.records("calendar")])

    def content_requests(self, year: int, selected: Sequence[RoundRef], whole_season: bool, wanted: frozenset[str],
                         fallbacks: frozenset[str], landed: Landed) -> list[Request]:
        entries = [Request("entries", f"year={year}", season=year)] if wanted & {ENTRANTS, RESULTS} else []
        return entries + ([Request("results", f"year={year}", season=year, spoiler=True)] if RESULTS in wanted else [])

    def _of_round(self, landed: Landed, endpoint: str, key: str) -> list[dict[str, Any]]:
        return [r for r in landed.records(endpoint) if round_key(landed.season, r) == key]

    def round_rows(self, landed: Landed, round_key: str, now: datetime) -> RoundRows:
        record = self._of_round(landed, "calendar", round_key)[0]
        start = start_of(record)
        status = SessionStatus.COMPLETED if start + timedelta(hours=4) < now else SessionStatus.SCHEDULED
        return RoundRows(series=SERIES, year=landed.season,
                         circuit={"Name": record["track"], "Slug": slugify(f"club kart {record['track']}"),
                                  "Location": record["track"], "Country": "Nowhere", SOURCE_KEY: record["track"]},
                         round={"Name": record["name"], "Slug": f"{landed.season}-{slugify(record['name'])}",
                                "RoundNumber": record["round"], "DateStart": start.date(), "DateEnd": start.date(),
                                SOURCE_KEY: round_key},
                         sessions=[{"Type": int(SessionType.RACE), "StartTimeUtc": start, "Status": int(status),
                                    SOURCE_KEY: f"{round_key}/race"}])

    def entrant_rows(self, landed: Landed, round_key: str, session_starts: dict[str, datetime]) -> EntrantRows:
        entries = self._of_round(landed, "entries", round_key)
        drivers = {slugify(e["driver"]): {"FirstName": e["driver"].split()[0], "LastName": e["driver"].split()[1],
                                          "Slug": slugify(e["driver"]), SOURCE_KEY: e["driver"]} for e in entries}
        teams = {slugify(e["team"]): {"Name": e["team"], "Slug": slugify(e["team"]), SOURCE_KEY: e["team"]}
                 for e in entries}
        return EntrantRows(list(drivers.values()), list(teams.values()),
                           [{"DriverSlug": slugify(e["driver"]), "TeamSlug": slugify(e["team"]),
                             "CarNumber": e["number"]} for e in entries])

    def result_rows(self, landed: Landed, round_key: str, sessions: Sequence[SessionInfo],
                    entrants: Sequence[EntrantInfo]) -> Mapped:
        race = next(s for s in sessions if s.type == SessionType.RACE)
        by_number = entrants_by_car_number(entrants)
        return Mapped([{"SessionId": race.id, "EntrantId": by_number[r["number"]], "Position": r["position"],
                        "GridPosition": None, "Status": int(ResultStatus.FINISHED), "Points": None, "Time": None,
                        "Laps": None, "FastestLap": False}
                       for r in self._of_round(landed, "results", round_key)])


SOURCE = ClubKart()
