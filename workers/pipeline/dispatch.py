"""The dispatcher's work: plan a selection of rounds, land what it needs, and record the run's rounds.

    catalog  what lists a scope's seasons (a series' hub page), landed, when the source has one
    index    the requests that list each year's rounds (a schedule), landed
    select   the whole season, the rounds overlapping a window (recent days, the calendar ahead), or named rounds
    content  every request the selected rounds need for the parts asked (sessions, entrants, results), landed,
             asked again until nothing new is needed (paging); a season-wide request that fails for good falls
             back to per-round requests, and the run says so

A rebuild does the same from the landing alone: no request at all. The round steps then read the landing only."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Sequence

from workers.db import connection, runs
from workers.db import landing as landing_db
from workers.errors import IngestionError, PermanentError, UpstreamUnavailable
from workers.pipeline import bridge, ledger
from workers.pipeline.landing import LandedReader, fetch_and_land, to_fetch
from workers.pipeline.resources import ensure_schema, shared_redis
from workers.rows import Rejected
from workers.sources.base import Request, RoundRef, Source, parts

log = logging.getLogger("parcferme.dispatch")

MAX_PLAN_PASSES = 50  # paging: a source asks for more pages at most this many times per season
BRIDGE_LANDING_LOCK = 300  # seconds: a dispatcher that died while landing the bridge frees it by then


@dataclass(frozen=True)
class Selection:
    """What a run syncs: whole seasons, or the rounds of a window; from upstream, or from the landing (rebuild)."""

    kind: str  # season | recent | rebuild | series | calendar | results
    source: Source  # scoped (a series) where the source has scopes
    years: tuple[int, ...]  # empty with a catalogue: every season it lists
    include_results: bool | None
    window: tuple[datetime, datetime] | None = None
    from_landing: bool = False
    refresh: bool = False  # fetch again what the landing holds, however young
    arguments: dict[str, Any] = field(default_factory=dict)
    round_keys: tuple[str, ...] | None = None  # these rounds only (a round's results read)
    wanted: frozenset[str] | None = None  # the parts asked for; None: sessions, entrants and results if included
    reuse_index: bool = False  # each season's index as landed, fetched only when none is (a round's results read)

    @property
    def whole_seasons(self) -> bool:
        return self.window is None and self.round_keys is None

    def parts(self, include_results: bool) -> frozenset[str]:
        return parts(include_results) if self.wanted is None else self.wanted


@dataclass
class Plan:
    run_id: str
    kind: str  # the run's kind: its rounds' queue depends on it (workers/routing.py)
    source: str
    rounds: list[tuple[int, str]]  # (season, round key)
    include_results: dict[int, bool]  # season → its rounds with results (the spoiler rule decides per season)
    requests: int = 0
    quarantined: int = 0
    fallbacks: list[str] = field(default_factory=list)


def dispatch(run_id: str, selection: Selection, now: datetime) -> Plan:
    """Land the selection and record its rounds in the run (idempotent: a re-scheduled dispatcher repeats no
    request it already landed)."""
    ensure_schema()
    source = selection.source
    with connection() as conn:
        runs.start_run(conn, run_id, selection.kind, source.name, selection.arguments)
        started = runs.started_at(conn, run_id)
    landing = _Landing(run_id, selection, started)
    chosen, rejected = [], []
    landing.land(source.catalog_requests())
    for year in source.seasons(landing.reader(None), selection.years):
        landing.land(source.index_requests(year, landing.reader(year)), reuse=selection.reuse_index)
        index = source.rounds(year, landing.reader(year))
        rejected += index.rejected
        chosen.append((year, _select(index.rounds, selection)))
        landing.note_rounds(chosen)  # progress knows a crawl's rounds before its content pages land
    include = _include_results(selection, chosen, now, landing)
    landing.note_requests_ahead(chosen, include)
    for year, selected in chosen:
        landing.land_content(year, selected, selection.parts(include[year]))
    if source.bridge_seasons() and not selection.from_landing:
        landing.land_bridge(any(include.values()))
        bridge.apply()  # before the rounds are written: a key already tied goes to its row at once
    return _record(run_id, source, chosen, include, landing, rejected)


def default_include_results(rounds: Sequence[RoundRef], now: datetime) -> bool:
    """The spoiler rule: results by default only when every round of the selection has ended."""
    return bool(rounds) and all(r.end < now for r in rounds)


def _select(rounds: list[RoundRef], selection: Selection) -> list[RoundRef]:
    """The rounds of the index the selection names: every one, those overlapping its window, or those it names."""
    if selection.round_keys is not None:
        rounds = [r for r in rounds if r.key in selection.round_keys]
    if selection.window is None:
        return rounds
    since, until = selection.window
    return [r for r in rounds if r.start <= until and r.end >= since]


def _include_results(selection: Selection, chosen: list[tuple[int, list[RoundRef]]], now: datetime,
                     landing: "_Landing") -> dict[int, bool]:
    """Results or not, per season: as asked, else the spoiler rule's default for each season on its own (a series run
    over every season gives the past seasons their results and the one under way none); a rebuild writes the results
    the landing holds."""
    if selection.include_results is not None:
        return {year: selection.include_results for year, _ in chosen}
    if selection.from_landing:
        return {year: landing.holds_spoilers(year, selected) for year, selected in chosen}
    return {year: default_include_results(selected, now) for year, selected in chosen}


def _record(run_id: str, source: Source, chosen: list[tuple[int, list[RoundRef]]], include: dict[int, bool],
            landing: "_Landing", rejected: list[Rejected]) -> Plan:
    rounds = sorted({(year, r.key) for year, selected in chosen for r in selected}, key=lambda p: (p[0], _order(p[1])))
    with connection() as conn:
        quarantined = runs.quarantine(conn, run_id, source.name, None, rejected, source.record_key)
        runs.plan_run(conn, run_id, rounds, include)
    if not rounds:
        ledger.finish_round(run_id, None)
    return Plan(run_id, landing.selection.kind, source.name, rounds, include, landing.requests, quarantined,
                sorted(landing.fallbacks))


def _order(key: str) -> tuple:
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


class _Landing:
    """The dispatcher's landing of one run: what to fetch, fallbacks, the requests it took."""

    def __init__(self, run_id: str, selection: Selection, started: datetime) -> None:
        self.run_id, self.selection, self.source, self.started = run_id, selection, selection.source, started
        self.requests = 0
        with connection() as conn:
            self.fallbacks = set(runs.fallbacks(conn, run_id))

    def reader(self, year: int | None) -> "_Reader":
        return _Reader(self.source, year)

    def land(self, requests: list[Request], reuse: bool = False) -> None:
        """Land what is not landed yet (or too old, or asked to refresh); `reuse`: whatever its age."""
        if self.selection.from_landing:
            self._require_landed(requests)
            return
        if reuse:
            requests = [replace(r, max_age=float("inf")) for r in requests]
        for request in to_fetch(self.source, requests, self.started, self.selection.refresh and not reuse):
            self._fetch(request)

    def land_content(self, year: int, selected: list[RoundRef], wanted: frozenset[str]) -> None:
        if self.selection.from_landing or not selected:
            return
        self._land_until_done(year, lambda: self._content_requests(year, selected, wanted), foreseen=True)

    def _content_requests(self, year: int, selected: list[RoundRef], wanted: frozenset[str]) -> list[Request]:
        return self.source.content_requests(year, selected, self.selection.whole_seasons, wanted,
                                            frozenset(self.fallbacks), self.reader(year))

    def note_rounds(self, chosen: list[tuple[int, list[RoundRef]]]) -> None:
        """The rounds the indexes read so far list, on the run (for progress: not its plan)."""
        with connection() as conn:
            runs.note_rounds_known(conn, self.run_id, sum(len(selected) for _, selected in chosen))

    def note_requests_ahead(self, chosen: list[tuple[int, list[RoundRef]]], include: dict[int, bool]) -> None:
        """The content requests still to make once every index is read (their first pass; later passes add the
        pages they find), on the run: progress bounds its time left by the sources' limits."""
        ahead = 0 if self.selection.from_landing else sum(
            len(to_fetch(self.source, self._content_requests(year, selected, self.selection.parts(include[year])),
                         self.started, self.selection.refresh)) for year, selected in chosen if selected)
        with connection() as conn:
            runs.note_requests_ahead(conn, self.run_id, ahead)

    def land_bridge(self, include: bool) -> None:
        """What the bridge needs of its seasons (docs/identity.md): results only when results are included. One
        dispatcher of the fleet at a time lands it (the others go on: their run's end applies the bridge too), so the
        many seasons of a backfill starting together ask for it once, not once each."""
        lock = shared_redis().lock(f"parcferme:{self.source.name}:bridge-landing", timeout=BRIDGE_LANDING_LOCK)
        if not lock.acquire(blocking=False):
            return
        try:
            for year in self.source.bridge_seasons():  # by age only: a refreshing backfill asks for them once
                self._land_until_done(year, lambda year=year: self.source.bridge_requests(year, include,
                                                                                         self.reader(year)),
                                      refresh=False, foreseen=False)
        finally:
            lock.release()

    def _land_until_done(self, year: int, wanted: Any, refresh: bool | None = None, foreseen: bool = False) -> None:
        """Land what `wanted()` asks for, asking again after each pass (paging) until nothing new is needed. The
        run expects the requests of every pass but a `foreseen` first one (note_requests_ahead counted it)."""
        refresh = self.selection.refresh if refresh is None else refresh
        for passes in range(MAX_PLAN_PASSES):
            pending = to_fetch(self.source, wanted(), self.started, refresh)
            if not pending:
                return
            if passes or not foreseen:
                with connection() as conn:
                    runs.note_requests_ahead(conn, self.run_id, len(pending), again=True)
            for request in pending:
                self._fetch(request)
        raise PermanentError(f"{self.source.label} {year}: still asking for more pages after {MAX_PLAN_PASSES} passes")

    def holds_spoilers(self, year: int, selected: list[RoundRef]) -> bool:
        wanted = self.source.content_requests(year, selected, self.selection.whole_seasons, parts(True),
                                              frozenset(), self.reader(year))
        with connection() as conn:
            return landing_db.has_endpoint(conn, self.source.name, year,
                                           tuple({r.endpoint for r in wanted if r.spoiler}))

    def _fetch(self, request: Request) -> None:
        try:
            self.requests += fetch_and_land(self.source, request, self.run_id)
        except (PermanentError, UpstreamUnavailable) as exc:
            if not request.fallback:
                raise
            self._fall_back(request, exc)

    def _fall_back(self, request: Request, exc: IngestionError) -> None:
        log.warning("%s %s failed for good (%s): %s falls back to one request per round", self.source.name,
                    request.key, exc, request.endpoint)
        self.fallbacks.add(request.endpoint)
        with connection() as conn:
            runs.add_fallback(conn, self.run_id, request.endpoint)

    def _require_landed(self, requests: list[Request]) -> None:
        with connection() as conn:
            missing = [r.key for r in requests if landing_db.fetched_at(conn, self.source.name, r.key) is None]
        if missing:
            raise PermanentError(f"nothing landed for {', '.join(missing)} from {self.source.label}: sync it first")


class _Reader:
    """A landing reader that opens its own short transaction per read (the dispatcher holds none open)."""

    def __init__(self, source: Source, season: int | None) -> None:
        self.source, self.season = source, season

    def records(self, endpoint: str, round_key: str | None = None) -> list[Any]:
        with connection() as conn:
            return LandedReader(conn, self.source, self.season).records(endpoint, round_key)

    def all_records(self, endpoint: str, round_key: str | None = None) -> list[Any]:
        with connection() as conn:
            return LandedReader(conn, self.source, self.season).all_records(endpoint, round_key)

    def request(self, key: str) -> list[Any]:
        with connection() as conn:
            return LandedReader(conn, self.source, self.season).request(key)


def recent_window(days: int, now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(days=days), now
