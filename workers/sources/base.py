"""What a source declares: the whole contract between a source package and the generic code, and the few types
they share.

A source answers the questions the generic code asks and does no I/O of its own beyond its client: what it is
(its role, what it serves, its licence: `about`, declared cheaply in its package's `__init__`, workers/sources/
about.py), how a scope of it is named and which it follows, which requests list a season's rounds (its index),
which rounds the index holds, which requests a selection of rounds needs (and how an endpoint is paged or falls
back to per-round requests), how landed answers become rows and under which natural keys they are written, its
health check, what `verify` compares and the rules `db audit` holds its rows to. Everything else (fetching
through the fleet limit, landing, runs, retries, throttles, quarantine, identities, upserts, the audit's engine)
is the generic code's, written once; it never tests a source's name."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol, Sequence

from workers.audit_rules import AuditRules
from workers.errors import BadArgument
from workers.http import Answer, SourceClient
from workers.ratelimit import FleetLimiter
from workers.rows import EntrantInfo, EntrantRows, Mapped, NaturalKeys, Rejected, RoundRows, SessionInfo
from workers.settings import SourceSettings, load
from workers.sources.about import SCOPES, SEASONS, About, Attribution


# What a run asks a source for, beyond the index of each season: the parts of its rounds. A season sync asks for
# sessions and entrants (and results when they are included); following the season asks for the sessions of the
# rounds ahead (the calendar) or for one round's entrants and results. Results are spoiler data: no request a
# source marks `spoiler` is made unless RESULTS is asked for (the spoiler rule).
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


# A source's health (`Source.health`): it answers (ok), it does not (failed, and why), or this deployment does not
# use it (not configured: a health check passes it by, so a Formula-1-only deployment's check passes).
OK, FAILED, NOT_CONFIGURED = "ok", "failed", "not configured"


@dataclass(frozen=True)
class Health:
    state: str  # OK | FAILED | NOT_CONFIGURED
    detail: str  # what was asked and answered, why it failed, or why it is not configured (never a secret)

    @property
    def ok(self) -> bool | None:
        """True when it answers, False when it failed, None when the deployment does not use it."""
        return None if self.state == NOT_CONFIGURED else self.state == OK


@dataclass(frozen=True)
class Listed:
    """What a source lists now of one season, for `verify` to compare with what is held here: the keys of its
    rounds (or sessions) and the identities ("SourceIdentities", kind `kind`) they are held under."""

    name: str  # what the report calls them: "meetings", "races", "sessions"
    kind: str  # the identity kind of the rows held here: "round" or "session"
    keys: frozenset[str]
    held_prefix: str = ""  # only the keys held here that start with it are this season's (a scope's rounds)


@dataclass(frozen=True)
class Recorded:
    """A season saved in a source's replay layout (`Source.record_season`): its rounds, the files written, and
    whether its results were."""

    rounds: int
    files: int
    include_results: bool


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
    """Base of every source package's `SOURCE`; subclasses fill in every method that raises here, and override the
    declarations whose defaults do not fit them."""

    # What the source is, declared cheaply in its package's `__init__` (role, what it serves, attribution, how a
    # scope is named): the registry reads it without loading the source. `name` and `label` are its.
    about: About
    name: str = ""  # its key in the registry, the landing, identities, runs and the fleet limiter's Redis keys
    label: str = ""  # how messages name it
    record_key: str | None = None  # the field naming a record, kept beside it when it is quarantined
    settings_class: type[SourceSettings] = SourceSettings
    # A source whose drivers, teams and circuits are another source's rows when one of their slug exists, left as
    # that source wrote them (a wiki knows a name and a page title, never the abbreviation, number, headshot or
    # colours Formula 1's sources keep: Montoya and Räikkönen raced NASCAR after Formula 1).
    defers_shared_rows: bool = False
    # The natural-key columns of the API's schema its rounds and sessions fill (OpenF1's meeting and session keys):
    # the writer upserts on them; without them (the default) rows are found by their identity, the columns NULL.
    natural_keys: NaturalKeys = NaturalKeys()
    # What `verify` calls the rounds its index lists ("meetings", "races").
    rounds_called: str = "rounds"

    @cached_property
    def settings(self) -> SourceSettings:
        return load(self.settings_class)  # type: ignore[return-value]

    @property
    def role(self) -> str:
        """SEASONS (seasons of one championship, by year) or SCOPES (scopes named by a title)."""
        return self.about.role

    @property
    def serves(self) -> str:
        """The championship's series slug (SEASONS: "formula-1") or the scope's noun (SCOPES: "series")."""
        return self.about.serves

    @property
    def attribution(self) -> Attribution:
        """Whom to credit for this source's data, under which licence (commercial use or not, share alike)."""
        return self.about.attribution

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

    # -- scopes (a source whose role is SCOPES) ------------------------------------------------------------------

    def normalise_scope(self, text: Any) -> str:
        """A scope's name as the source keys it, from what a person typed (a title, a URL of the source): refused
        with a BadArgument, and the reason, before anything is sent."""
        if self.role != SCOPES or self.about.normalise_scope is None:
            raise BadArgument(f"{self.label} has no scopes: a season of it is named by its year")
        return self.about.normalise_scope(text, self.settings)

    def followed_scopes(self) -> list[str]:
        """The scopes the team follows (its followed setting, normalised, each once): beat keeps their newest season
        fresh, `bulk_sync --followed` crawls them. None for a source of seasons."""
        if self.about.followed_setting is None:
            return []
        listed = str(getattr(self.settings, self.about.followed_setting))
        return list(dict.fromkeys(self.normalise_scope(t) for t in listed.split(",") if t.strip()))

    @property
    def scope(self) -> str | None:
        """The scope this source was scoped to (`scoped`), None when it is not."""
        return None

    def scoped(self, scope: str, latest: bool = False) -> "Source":
        """This source for one of its scopes (The Third Turn: a series, by its hub page); sources of seasons have
        none: a season is the whole scope. `latest`: only the newest season the scope's catalogue lists."""
        raise BadArgument(f"{self.label} has no scopes: a season of it is named by its year")

    def series_slug(self, landed: "Landed | None" = None) -> str:
        """The slug of the series row this source (scoped) writes: its championship's; a scope reads its own from
        the landed catalogue."""
        if self.role == SEASONS:
            return self.serves
        raise NotImplementedError

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

    # -- operations: the health check, verify, the audit ---------------------------------------------------------

    def health(self, limiter: FleetLimiter | None, timeout: float) -> Health:
        """Whether the source answers this deployment, within `timeout` seconds a request, through the fleet's
        limit: at most one cheap request (none when a copy the fleet shares tells). `limiter` is the source's
        fleet limiter (workers.pipeline.resources.fleet_limiter)."""
        raise NotImplementedError

    def verify_requests(self, year: int, landed: "Landed") -> list[Request]:
        """What `verify` fetches afresh to compare a season with what is held here: its index by default."""
        return self.index_requests(year, landed)

    def listed(self, year: int, landed: "Landed") -> list[Listed]:
        """What the source lists now of a season (from the answers of `verify_requests`), each against the
        identities held here: its index's rounds by default."""
        return [Listed(self.rounds_called, "round", frozenset(r.key for r in self.rounds(year, landed).rounds),
                       self.held_prefix())]

    def held_prefix(self) -> str:
        """The start of the round keys held here that belong to this source's scope (all of its keys: "")."""
        return ""

    def audit_rules(self) -> AuditRules:
        """The rules `db audit` holds this source's rows to (workers/audit_rules.py): its natural keys, and nothing
        beyond the checks every source shares unless it declares more."""
        return AuditRules(self.name, self.natural_keys)

    # A source whose replay serves answers recorded from it (OpenF1's): `python -m ingestion record` saves a season
    # of it in that replay's layout. The others' replays serve data of their own (an export, saved pages).
    records_seasons: bool = False

    def record_season(self, folder: Any, year: int, include_results: bool | None, fetch: Any, now: datetime,
                      progress: Any = None) -> Recorded:
        """Save the answers a season sync needs into `folder` (a path), in the replay's layout; every request by
        `fetch(target) -> Answer` (the command's, through the fleet limit); results as asked, else only when every
        round of the season has ended (the spoiler rule); `progress(line)` is told each round's files (counts only)."""
        raise BadArgument(f"{self.label} seasons are not recorded: its replay serves data of its own")

    # -- following the season in motion (docs/season-in-motion.md) -----------------------------------------------------

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

    # -- the bridge to another source (docs/identity.md): none by default ----------------------------------------------

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
