"""What a source module declares, and the few types the generic pipeline and the sources share.

A source answers a few questions and does no I/O of its own beyond its client: which requests list a season's
rounds (its index), which rounds the index holds, which requests a selection of rounds needs (and how an
endpoint is paged or falls back to per-round requests), and how landed answers become rows. Everything else
(fetching through the fleet limit, landing, runs, retries, throttles, quarantine, identities, upserts) is the
pipeline's, written once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol, Sequence

from workers.http import Answer, SourceClient
from workers.ratelimit import FleetLimiter
from workers.rows import EntrantInfo, EntrantRows, Mapped, Rejected, RoundRows, SessionInfo
from workers.settings import SourceSettings, load


# What a run asks a source for, beyond the index of each season: the parts of its rounds. A season sync asks for
# sessions and entrants (and results when they are included); following the season asks for the sessions of the
# rounds ahead (the calendar) or for one round's entrants and results. Results are spoiler data: no request a
# source marks `spoiler` is made unless RESULTS is asked for (SPEC §3).
SESSIONS, ENTRANTS, RESULTS = "sessions", "entrants", "results"


def parts(include_results: bool) -> frozenset[str]:
    """What a sync of whole rounds asks for: sessions and entrants, and results when they are included."""
    return frozenset({SESSIONS, ENTRANTS, RESULTS} if include_results else {SESSIONS, ENTRANTS})


@dataclass(frozen=True)
class Request:
    """One request of a source, as the landing keys it (`key`: the endpoint and its query, in a fixed order).

    `rounds` names the rounds the answer covers (None: the whole season). `fallback`: a season-wide request that
    is replaced by per-round requests when it fails for good (too much data, a timeout)."""

    endpoint: str
    query: str = ""
    season: int | None = None
    rounds: tuple[str, ...] | None = None
    fallback: bool = False
    spoiler: bool = False
    max_age: float | None = None  # seconds a landed answer is reused; None: the source's REFRESH_AFTER

    @property
    def key(self) -> str:
        return f"{self.endpoint}?{self.query}" if self.query else self.endpoint


@dataclass(frozen=True)
class RoundRef:
    """A round as a season's index lists it: its key in the source, and when it starts and ends."""

    key: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class BridgeMatch:
    """This source's key of a driver, team or circuit, and the row of the bridge's target source it is."""

    kind: str
    key: str
    row_id: Any


@dataclass
class RoundIndex:
    rounds: list[RoundRef] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


class Landed(Protocol):
    """The landed answers of one source and season, as the source decodes them."""

    season: int | None

    def records(self, endpoint: str, round_key: str | None = None) -> list[Any]:
        """The records of the newest answer of the endpoint covering the round."""
        ...

    def all_records(self, endpoint: str, round_key: str | None = None) -> list[Any]:
        """The records of every answer of the endpoint covering the round (all its pages), in request order."""
        ...

    def request(self, key: str) -> list[Any]:
        """The records of the landed answer of exactly this request, whatever season it was landed under."""
        ...


class Source:
    """Base of every source module's `SOURCE`; subclasses fill in every method that raises here."""

    name: str = ""
    label: str = ""
    record_key: str | None = None  # the field naming a record, kept beside it when it is quarantined
    settings_class: type[SourceSettings] = SourceSettings
    # A source whose drivers, teams and circuits are another source's rows when one of their slug exists, left as
    # that source wrote them (a wiki knows a name and a page title, never the abbreviation, number, headshot or
    # colours Formula 1's sources keep: Montoya and Räikkönen raced NASCAR after Formula 1).
    defers_shared_rows: bool = False

    @cached_property
    def settings(self) -> SourceSettings:
        return load(self.settings_class)  # type: ignore[return-value]

    def first_year(self) -> int:
        """The first season this source has (its settings' FIRST_YEAR)."""
        return self.settings.FIRST_YEAR

    def covers(self, year: int) -> bool:
        return year >= self.first_year()

    def client(self, limiter: FleetLimiter | None) -> SourceClient:
        raise NotImplementedError

    def decode(self, endpoint: str, answer: Answer) -> list[Any]:
        """The records of a landed answer."""
        raise NotImplementedError

    def revision(self, answer: Answer) -> int | None:
        """The source's revision of an answer (a wiki page's), kept beside it in the landing; None by default."""
        return None

    # -- planning (the dispatcher) -----------------------------------------------------------------------------

    def scoped(self, scope: str, latest: bool = False) -> "Source":
        """This source for one of its scopes (The Third Turn: a series, by its hub page); Formula 1 sources have
        none: a season is the whole scope. `latest`: only the newest season the scope's catalogue lists."""
        raise NotImplementedError(f"{self.label} has no scopes")

    def catalog_requests(self) -> list[Request]:
        """What lists the scope's seasons (a series' hub page); none when a season needs no catalogue."""
        return []

    def seasons(self, landed: Landed, wanted: tuple[int, ...]) -> tuple[int, ...]:
        """The seasons a run syncs: those asked for (a catalogue may list them, and refuse one it lacks)."""
        return wanted

    def index_requests(self, year: int, landed: Landed | None = None) -> list[Request]:
        raise NotImplementedError

    def rounds(self, year: int, landed: Landed) -> RoundIndex:
        raise NotImplementedError

    def content_requests(self, year: int, selected: Sequence[RoundRef], whole_season: bool, wanted: frozenset[str],
                         fallbacks: frozenset[str], landed: Landed) -> list[Request]:
        """Every request the selected rounds need for the `wanted` parts (SESSIONS, ENTRANTS, RESULTS); called
        again after each landing until nothing new is needed (paging), so a request may depend on what is landed."""
        raise NotImplementedError

    # -- following the season in motion (SPEC §8) ---------------------------------------------------------------

    # A source whose sessions carry their end times and whose calendar changes while a season runs: beat's follow
    # tick sets its sessions' statuses from the clock, reads its calendar ahead again, looks for results once
    # they are wanted and reads them again for corrections (workers/pipeline/follow.py).
    follows_live: bool = False

    def locked_while_live(self) -> bool:
        """Whether the source refuses this deployment while one of its sessions runs (OpenF1's free tier): no
        read of it is sent then, the schedule telling when."""
        return False

    # -- mapping (the round steps, from the landing only) ------------------------------------------------------

    def round_rows(self, landed: Landed, round_key: str, now: datetime) -> RoundRows:
        raise NotImplementedError

    def entrant_rows(self, landed: Landed, round_key: str, session_starts: dict[str, datetime]) -> EntrantRows:
        raise NotImplementedError

    # -- the bridge to another source (SPEC §6): none by default -----------------------------------------------

    bridge_target: str | None = None  # the source whose rows this one's drivers, teams and circuits are matched to

    def bridge_seasons(self) -> tuple[int, ...]:
        """Seasons both sources cover, from which the bridge is learnt."""
        return ()

    def bridge_requests(self, season: int, include_results: bool, landed: Landed) -> list[Request]:
        """What the bridge needs of a bridge season (asked again after each landing, as content_requests)."""
        return []

    def bridge(self, landed: Landed, season: int, targets: Sequence[tuple]) -> list[BridgeMatch]:
        """Matches of one bridge season, from its landed answers and the target's rows (racing.bridge_targets)."""
        return []

    def result_rows(self, landed: Landed, round_key: str, sessions: Sequence[SessionInfo],
                    entrants: Sequence[EntrantInfo]) -> Mapped:
        """Results of the round's completed sessions, each matched to one of the round's entrants (by car number,
        or by the source's own keys of its driver and team)."""
        raise NotImplementedError
