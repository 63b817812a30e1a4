"""The Third Turn's series plan and the mapping of its landed pages (docs/sources/thethirdturn.md).

A run syncs one series, by its hub page (`Wisconsin_Challenge_Series`): the hub lists its seasons (the catalogue),
each season page lists its races (the index of a season), and each race page holds its results. Every title is
read from a link of the page before it, never built. Each page is one request, landed raw with its revision;
hub and season pages are read again after THIRDTURN_INDEX_REFRESH_AFTER (they list new races), race pages after
THIRDTURN_REFRESH_AFTER.

A round's key is `{hub title}|{race page title}` (`|` cannot occur in a MediaWiki title): a race that counts for
two series is a round of each. The round steps find everything from the landing: the hub (by the key), its
season page for the step's season, the race's line there (date, track) and the race page.

Without results the race pages are still read: the wiki has no entry list apart from the results table, so the
entrants come from it; no result is written, logged or returned (the spoiler rule)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Callable, Sequence

from workers.audit_rules import AuditRules
from workers.errors import BadArgument, PermanentError
from workers.http import Answer
from workers.ratelimit import FleetLimiter
from workers.rows import (EntrantInfo, EntrantRows, Mapped, MappingError, Rejected, RoundRows, SessionInfo,
                          SessionType, slugify)
from workers.sources.base import ENTRANTS, RESULTS, Health, Landed, Request, RoundIndex, RoundRef, Source
from workers.sources.thirdturn import ABOUT, health, mapping, pages
from workers.sources.thirdturn.client import ThirdTurnClient, page_target, title_of
from workers.sources.thirdturn.settings import ThirdTurnSettings
from workers.sources.thirdturn.titles import normalise_title

HUB, SEASON, RACE = "hub", "season", "race"
MISSING = "missing page"  # the reason a round whose race page does not exist is counted under


@dataclass(frozen=True)
class WikiAnswer:
    """A landed page: its title, the wiki's status (404: no such page) and its HTML."""

    title: str
    status: int
    html: str

    @property
    def exists(self) -> bool:
        return self.status == 200


@lru_cache(maxsize=256)
def _parsed(kind: str, title: str, html: str) -> Any:
    """A page parsed once per process (the steps of a season read its hub and season page again and again)."""
    parse: Callable[[str, str], Any] = {HUB: pages.parse_hub, SEASON: pages.parse_season, RACE: pages.parse_race}[kind]
    return parse(html, title)


@dataclass(frozen=True)
class RacePlace:
    """Where a round is on the wiki: its series' hub, season page, line of the race listings and race page."""

    hub: pages.HubPage
    season: pages.SeasonPage
    race: pages.SeasonRace
    page: WikiAnswer | None  # None: the line links no race page, or it is not landed

    @property
    def race_title(self) -> str | None:
        return self.race.race.title if self.race.race is not None else None


class ThirdTurn(Source):
    about = ABOUT
    name, label = ABOUT.name, ABOUT.label
    record_key = "page"  # every quarantined record names the page it comes from
    settings_class = ThirdTurnSettings
    defers_shared_rows = True
    rounds_called = "races"

    def __init__(self, series: str | None = None, latest: bool = False) -> None:
        self.series, self.latest = series, latest

    @property
    def scope(self) -> str | None:
        return self.series

    def scoped(self, scope: str, latest: bool = False) -> "ThirdTurn":
        return ThirdTurn(self.normalise_scope(scope), latest)

    # -- operations ----------------------------------------------------------------------------------------------

    def health(self, limiter: FleetLimiter | None, timeout: float) -> Health:
        return health.health(self, limiter, timeout)

    def series_slug(self, landed: Landed | None = None) -> str:
        """The series row's slug, from its hub page's name (as mapping.series_row writes it)."""
        if landed is None:
            raise PermanentError(f"{self.label}: a series' name is read from its landed hub page")
        return slugify(self.hub(landed, self._series()).name)

    def held_prefix(self) -> str:
        """A series' rounds are keyed `{hub title}|{race page title}`: those held here under its hub."""
        return f"{self._series()}|"

    def audit_rules(self) -> AuditRules:
        """The wiki has a race's results only (its one session per round), matched by the titles of the driver's
        and sponsor's pages: its car numbers are mostly text (`08K`, `99-A`: NULL by rule,
        docs/sources/thethirdturn.md), so none is expected. It keeps namesakes apart by their page titles
        (`Curtis_Turner`, `Curtis_Turner_(VA)`, docs/sources/thethirdturn.md); but a driver it links once through a
        redirect (`Mike_Olson` for `Mike_Olson_(WI)`) looks the same, and only an operator reading the pages can tell: a
        notice."""
        return AuditRules(self.name, self.natural_keys, classified=frozenset({int(SessionType.RACE)}),
                          namesakes=f"drivers of one name {self.label} keeps apart by their page titles (namesakes, or "
                                    "one driver linked through a redirect)")

    def client(self, limiter: FleetLimiter | None) -> ThirdTurnClient:
        return ThirdTurnClient(self.settings, limiter)  # type: ignore[arg-type]

    def decode(self, endpoint: str, answer: Answer) -> list[Any]:
        return [WikiAnswer(title_of(endpoint), answer.status, answer.body)]

    def revision(self, answer: Answer) -> int | None:
        return pages.revision(answer.body) if answer.status == 200 else None

    # -- planning ----------------------------------------------------------------------------------------------

    def _request(self, title: str, season: int | None, max_age: float | None = None) -> Request:
        return Request(page_target(title), season=season, max_age=max_age)

    def catalog_requests(self) -> list[Request]:
        return [self._request(self._series(), None, self.settings.INDEX_REFRESH_AFTER)]

    def seasons(self, landed: Landed, wanted: tuple[int, ...]) -> tuple[int, ...]:
        hub = self.hub(landed, self._series())
        listed = [s.year for s in hub.seasons]
        missing = sorted(set(wanted) - set(listed))
        if missing:
            raise BadArgument(f"{hub.title} lists no season {', '.join(map(str, missing))} (it lists "
                              f"{_years(listed)})")
        if wanted:
            return tuple(wanted)
        return (max(listed),) if self.latest and listed else tuple(sorted(set(listed)))

    def index_requests(self, year: int, landed: Landed | None = None) -> list[Request]:
        if landed is None:
            raise PermanentError(f"{self.label}: a season page is found from its hub, which must be landed first")
        return [self._request(self.season_title(self.hub(landed, self._series()), year), year,
                              self.settings.INDEX_REFRESH_AFTER)]

    def rounds(self, year: int, landed: Landed) -> RoundIndex:
        """The races a season page lists; a season page missing or not recognised is quarantined (no rounds)."""
        hub = self.hub(landed, self._series())
        title = self.season_title(hub, year)
        try:
            season = self.season_page(landed, title)
        except pages.PageNotRecognised as exc:
            return RoundIndex([], [Rejected(SEASON, str(exc), {"page": title})])
        refs = []
        for race in season.races:
            start = mapping.race_start(race)
            refs.append(RoundRef(mapping.round_key(hub.title, season, race), start, start + timedelta(days=1)))
        return RoundIndex(refs)

    def content_requests(self, year: int, selected: Sequence[RoundRef], whole_season: bool, wanted: frozenset[str],
                         fallbacks: frozenset[str], landed: Landed) -> list[Request]:
        """The race page of each selected round that links one, for its entrants or its results (its table is the
        only entry list the wiki has); its sessions are the season page's (the index)."""
        if not wanted & {ENTRANTS, RESULTS}:
            return []
        hub = self.hub(landed, self._series())
        try:
            season = self.season_page(landed, self.season_title(hub, year))
        except pages.PageNotRecognised:
            return []
        keys = {r.key for r in selected}
        return [self._request(race.race.title, year) for race in season.races
                if race.race is not None and mapping.round_key(hub.title, season, race) in keys]

    # -- mapping -----------------------------------------------------------------------------------------------

    def round_rows(self, landed: Landed, round_key: str, now: datetime) -> RoundRows:
        place = self.place(landed, round_key)
        race_page, why_not = self._race_of(place)
        payload = {"page": place.race_title, "round": round_key}
        rejected = [] if why_not is None else [Rejected(RACE, why_not, payload)]
        series = mapping.series_row(place.hub)
        try:
            circuit = mapping.circuit_row(place.race.track)  # type: ignore[arg-type]
        except MappingError as exc:  # a line without a track link: the round cannot be written
            raise PermanentError(f"{self.label} {place.season.title} race {place.race.number}: {exc}") from None
        round_row = mapping.round_row(series["Slug"], place.season, place.race, round_key)
        sessions = mapping.session_rows(place.race, race_page, round_key)
        return RoundRows(series=series, year=place.season.year, circuit=circuit, round=round_row,
                         sessions=sessions, rejected=rejected, season_key=place.season.title)

    def entrant_rows(self, landed: Landed, round_key: str, session_starts: dict[str, datetime]) -> EntrantRows:
        page = self.race_page(landed, round_key)
        if page is None:
            return EntrantRows([], [], [])
        rows = mapping.entrant_rows(page)
        rows.rejected = _named(rows.rejected, page.title)
        return rows

    def result_rows(self, landed: Landed, round_key: str, sessions: Sequence[SessionInfo],
                    entrants: Sequence[EntrantInfo]) -> Mapped:
        """The race's results, matched to entrants by the titles of their driver's and sponsor's pages."""
        page = self.race_page(landed, round_key)
        race = next((s for s in sessions if s.type == SessionType.RACE), None)
        if page is None or race is None:
            return Mapped()
        mapped = mapping.result_rows(page, race.id, entrants)
        mapped.rejected = _named(mapped.rejected, page.title)
        return mapped

    # -- reading the landing -----------------------------------------------------------------------------------

    def _series(self) -> str:
        if self.series is None:
            raise PermanentError(f"{self.label} plans a series at a time: scope the source to one (scoped)")
        return self.series

    def page(self, landed: Landed, title: str) -> WikiAnswer | None:
        found = landed.request(page_target(title))
        return found[0] if found else None

    def hub(self, landed: Landed, title: str) -> pages.HubPage:
        answer = self.page(landed, title)
        if answer is None:
            raise PermanentError(f"{self.label} {title}: the hub page is not landed: sync the series first")
        if not answer.exists:
            raise BadArgument(f"{self.label} has no page {title} (HTTP {answer.status}): a series is named by its "
                              "hub page's title, e.g. Wisconsin_Challenge_Series")
        try:
            return _parsed(HUB, title, answer.html)
        except pages.PageNotRecognised as exc:
            raise PermanentError(f"{self.label} {title} is not a series hub page: {exc}") from None

    def season_title(self, hub: pages.HubPage, year: int) -> str:
        found = [s.title for s in hub.seasons if s.year == year]
        if not found:
            raise PermanentError(f"{hub.title} lists no {year} season")
        return found[0]

    def season_page(self, landed: Landed, title: str) -> pages.SeasonPage:
        """The season page; one missing (404) or not landed is not recognised either."""
        answer = self.page(landed, title)
        if answer is None or not answer.exists:
            status = "not landed" if answer is None else f"HTTP {answer.status}"
            raise pages.PageNotRecognised(f"{MISSING}: the season page {title} does not exist ({status})")
        return _parsed(SEASON, title, answer.html)

    def place(self, landed: Landed, round_key: str) -> RacePlace:
        hub_title, sep, _ = round_key.partition("|")
        if not sep:
            raise PermanentError(f"{round_key!r} is not a {self.label} round key (hub title|race page title)")
        hub = self.hub(landed, hub_title)
        years = sorted({s.year for s in hub.seasons})
        for year in [landed.season] if landed.season in years else years:
            try:
                season = self.season_page(landed, self.season_title(hub, year))
            except pages.PageNotRecognised:
                continue
            for race in season.races:
                if mapping.round_key(hub.title, season, race) == round_key:
                    page = self.page(landed, race.race.title) if race.race is not None else None
                    return RacePlace(hub, season, race, page)
        raise PermanentError(f"{self.label} round {round_key} is on no landed season page of {hub_title}: sync the "
                             "series first")

    def race_page(self, landed: Landed, round_key: str) -> pages.RacePage | None:
        """The round's race page parsed; None when it does not exist or is not recognised (quarantined by the
        sessions step)."""
        return self._race_of(self.place(landed, round_key))[0]

    @staticmethod
    def _race_of(place: RacePlace) -> tuple[pages.RacePage | None, str | None]:
        """The round's race page parsed, or None and the reason (a missing page, a structure not recognised)."""
        if place.page is None or not place.page.exists:
            return None, f"{MISSING}: the race page does not exist (HTTP 404): round kept without entrants or results"
        try:
            return _parsed(RACE, place.page.title, place.page.html), None
        except pages.PageNotRecognised as exc:
            return None, str(exc)


def _named(rejected: list[Rejected], title: str) -> list[Rejected]:
    """Rejected rows, each naming its page."""
    return [replace(r, payload={"page": title, **r.payload}) for r in rejected]


def _years(years: list[int]) -> str:
    return ", ".join(map(str, sorted(set(years)))) or "none"


SOURCE = ThirdTurn()

__all__ = ["SOURCE", "ThirdTurn", "normalise_title"]  # normalise_title: the command line's until it asks the registry
