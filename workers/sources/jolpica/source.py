"""Jolpica's season plan and the mapping of its landed pages (docs/sources/jolpica.md).

A season is its schedule (`{season}.json`, the index) and, with results only, the pages of `{season}/results.json`,
`{season}/qualifying.json` (1994 on) and `{season}/sprint.json` (2021 on), 100 result rows a page: the first page
of each is asked for, then every further page its `total` needs. Every request covers the whole season; a round
reads every landed page of an endpoint (`Landed.all_records`) and merges its race across them. Without results
nothing but the schedule is asked for (the spoiler rule)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from workers.audit_rules import AuditRules
from workers.errors import PermanentError
from workers.http import Answer
from workers.ratelimit import FleetLimiter
from workers.rows import EntrantInfo, EntrantRows, Mapped, RoundRows, SessionInfo
from workers.sources import formula1
from workers.sources.base import RESULTS, BridgeMatch, Health, Landed, Request, RoundIndex, RoundRef, Source
from workers.sources.jolpica import ABOUT
from workers.sources.jolpica import endpoints as ep
from workers.sources.jolpica import bridge, health, mapping, results
from workers.sources.jolpica.client import JolpicaClient
from workers.sources.jolpica.models import Page, Race, validate
from workers.sources.jolpica.settings import JolpicaSettings


def parse_round_key(round_key: str) -> tuple[int, int]:
    """`{season}/{round}` → (season, round)."""
    season, _, number = round_key.partition("/")
    if not (season.isdigit() and number.isdigit()):
        raise PermanentError(f"{round_key!r} is not a Jolpica round key (season/round)")
    return int(season), int(number)


def pages(landed: Landed, endpoint: ep.Endpoint, season: int, round_key: str | None = None) -> list[Page]:
    return [p for p in landed.all_records(endpoint.at(season), round_key) if isinstance(p, Page)]


class Jolpica(Source):
    about = ABOUT
    name, label = ABOUT.name, ABOUT.label
    record_key = "number"  # a result row's car number (a rejected race is known by its round key)
    settings_class = JolpicaSettings
    rounds_called = "races"

    def client(self, limiter: FleetLimiter | None) -> JolpicaClient:
        return JolpicaClient(self.settings, limiter)

    def decode(self, endpoint: str, answer: Answer) -> list[Any]:
        """One record per answer: its page (paging and races), since planning needs its `total`."""
        return [ep.decode_page(endpoint, answer)]

    # -- operations ----------------------------------------------------------------------------------------------

    def health(self, limiter: FleetLimiter | None, timeout: float) -> Health:
        return health.health(self, limiter, timeout)

    def audit_rules(self) -> AuditRules:
        """Formula 1's rules, and history's own: its results find their entrants by Ergast's driver and constructor
        ids (numbers are missing or shared: two drivers shared one car, and its number, in 46 races of 1950-1964),
        yet its entrants carry numbers (6 of Ergast's have none); it classifies qualifying, sprints and races only
        (results.SESSIONS: no practice results); and it lists a round's every session from 2021 on (its earlier
        practice dates are its own guesses, ignored: mapping.SCHEDULE_DATES_FROM)."""
        return formula1.audit_rules(self.name, self.natural_keys, numbered="history",
                                    classified=frozenset(kind for _, kind, _ in results.SESSIONS),
                                    listed_from=mapping.SCHEDULE_DATES_FROM)

    # -- planning ----------------------------------------------------------------------------------------------

    def index_requests(self, year: int, landed: Landed | None = None) -> list[Request]:
        return [ep.page_request(ep.SCHEDULE, year, 0)]

    def rounds(self, year: int, landed: Landed) -> RoundIndex:
        races, rejected = self._schedule(landed, year)
        starts = [(race.key, mapping.race_start(race)) for race in races if race.season == year]
        return RoundIndex([RoundRef(key, start, start) for key, start in starts], rejected)

    def content_requests(self, year: int, selected: Sequence[RoundRef], whole_season: bool, wanted: frozenset[str],
                         fallbacks: frozenset[str], landed: Landed) -> list[Request]:
        """Results only: every page of each results endpoint the season has (the whole season, whatever rounds
        are selected: a season-level page holds many rounds). The sessions are the schedule's (the index), and
        Jolpica has no entry list but its results."""
        if not selected or RESULTS not in wanted:
            return []
        wanted: list[Request] = []
        for endpoint in ep.RESULT_ENDPOINTS:
            if endpoint.covers(year):
                wanted += ep.pages_wanted(endpoint, year, pages(landed, endpoint, year))
        return wanted

    # -- the bridge to OpenF1 (docs/identity.md, bridge.py) ------------------------------------------------------------

    bridge_target = "openf1"

    def bridge_seasons(self) -> tuple[int, ...]:
        return tuple(int(y) for y in self.settings.BRIDGE_SEASONS.split(",") if y.strip())

    def bridge_requests(self, season: int, include_results: bool, landed: Landed) -> list[Request]:
        """The season's schedule (circuits) and, with results only, every page of its race results (people, teams)."""
        wanted = [ep.page_request(ep.SCHEDULE, season, 0)]
        if include_results:
            wanted += ep.pages_wanted(ep.RESULTS, season, pages(landed, ep.RESULTS, season))
        return wanted

    def bridge(self, landed: Landed, season: int, targets: Sequence[tuple]) -> list[BridgeMatch]:
        races, _ = self._schedule(landed, season)
        return bridge.matches(races, bridge.result_pages(landed.all_records(ep.RESULTS.at(season))), targets)

    # -- mapping -----------------------------------------------------------------------------------------------

    def round_rows(self, landed: Landed, round_key: str, now: datetime) -> RoundRows:
        weekend = self.weekend(landed, round_key)
        sessions = mapping.session_rows(weekend)
        race = weekend.race
        return RoundRows(series=formula1.SERIES, year=race.season, circuit=mapping.circuit_row(race.circuit),
                         round=mapping.round_row(race, sessions), sessions=sessions)

    def entrant_rows(self, landed: Landed, round_key: str, session_starts: dict[str, datetime]) -> EntrantRows:
        return mapping.entrant_rows(self.weekend(landed, round_key))

    def result_rows(self, landed: Landed, round_key: str, sessions: Sequence[SessionInfo],
                    entrants: Sequence[EntrantInfo]) -> Mapped:
        """Results matched to entrants by driverId and constructorId (numbers are missing or shared in history)."""
        return results.result_rows(self.weekend(landed, round_key), sessions, entrants)

    # -- helpers -----------------------------------------------------------------------------------------------

    def weekend(self, landed: Landed, round_key: str) -> mapping.Weekend:
        """The round's race from the schedule and its rows of every results endpoint, merged across pages."""
        season, number = parse_round_key(round_key)
        race = next((r for r in self._schedule(landed, season)[0] if r.round == number), None)
        if race is None:
            raise PermanentError(f"round {round_key} is not in its season's landed schedule: sync its season first")
        rows = {}
        for endpoint in ep.RESULT_ENDPOINTS:
            found = ep.races_of(pages(landed, endpoint, season, round_key), endpoint.rows_key)
            rows[endpoint.name] = found.get((str(season), str(number)), {}).get(endpoint.rows_key, [])
        return mapping.Weekend(race, rows[ep.RESULTS.name], rows[ep.QUALIFYING.name], rows[ep.SPRINT.name])

    @staticmethod
    def _schedule(landed: Landed, year: int) -> tuple[list[Race], list[Any]]:
        raw = [race for page in landed.records(ep.SCHEDULE.at(year)) if isinstance(page, Page) for race in page.races]
        return validate(Race, raw, ep.SCHEDULE.name)


SOURCE = Jolpica()

__all__ = ["SOURCE", "Jolpica", "parse_round_key"]
