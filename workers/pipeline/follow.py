"""Following the season in motion (docs/season-in-motion.md): what beat's follow tick does every FOLLOW_TICK seconds.

    statuses     every session with a known end takes its status from the clock (no request): Scheduled before
                 its start, InProgress from it, Completed from its end; each change recorded for the app
    calendar     every FOLLOW_CALENDAR_EVERY seconds, each following source's rounds under way and starting within
                 FOLLOW_LOOKAHEAD_DAYS are read again (moved sessions, new ones, cancelled meetings and sessions)
    results      once a round's results are wanted (BEAT_RESULTS: `auto` once its last session has ended, `always`
                 each session's as soon as it ends), they are looked for every FOLLOW_RESULTS_EVERY seconds until
                 landed, or until the round's first correction read takes over
    corrections  each round's results are read again FOLLOW_CORRECTIONS_AT seconds after it ended

A source that refuses its free tier while a session runs (OpenF1) is sent no read then: the landed schedule says
when, and every read due meanwhile waits for the session's end. Each read is a run of its own (kind `calendar` or
`results`) on the live queue, recorded before it is sent, so `runs` shows it and the resume sweep covers it.

`plan` is pure: given what is held of a source's rounds and reads, the rules and the time, it says which reads
are due when; the tick sends those due now and `python -m ingestion status` shows the rest."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any, Callable, Iterable

from workers import sources
from workers.db import changes, connection, runs
from workers.db import follow as follow_db
from workers.pipeline.ledger import fail_run
from workers.pipeline.resources import shared_redis, utcnow
from workers.rows import SessionStatus
from workers.settings import Settings, get_settings

log = logging.getLogger("parcferme.follow")

CALENDAR, RESULTS = "calendar", "results"
TICK_LOCK = "parcferme:follow:tick"
TICK_LOCK_TIMEOUT = 60  # seconds; planning and sending take milliseconds, a crashed holder frees it by then
MARKER = {"scheduled": True}
_CANCELLED = int(SessionStatus.CANCELLED)
# Without a correction read to take over, results are looked for this long after they are wanted.
LOOK_FOR_AT_MOST = timedelta(days=1)


@dataclass(frozen=True)
class Rules:
    """The FOLLOW_* and BEAT_RESULTS settings, as the planner uses them."""

    lookahead: timedelta
    calendar_every: timedelta
    results_every: timedelta
    corrections_at: tuple[timedelta, ...]
    results: str  # auto | always | never
    stale_after: float

    @classmethod
    def from_settings(cls, settings: Settings) -> "Rules":
        return cls(timedelta(days=settings.FOLLOW_LOOKAHEAD_DAYS), timedelta(seconds=settings.FOLLOW_CALENDAR_EVERY),
                   timedelta(seconds=settings.FOLLOW_RESULTS_EVERY),
                   tuple(timedelta(seconds=s) for s in settings.corrections_at), settings.BEAT_RESULTS,
                   settings.BEAT_STALE_AFTER)

    @property
    def horizon(self) -> timedelta:
        """How far back a round still has reads to come: its last correction, or its results looked for."""
        return max(self.corrections_at, default=LOOK_FOR_AT_MOST) + self.results_every

    def looked_for_until(self) -> timedelta:
        """How long after results are wanted they are looked for: until the first correction read takes over."""
        return self.corrections_at[0] if self.corrections_at else LOOK_FOR_AT_MOST


@dataclass(frozen=True)
class FollowedSession:
    id: Any
    type: int
    start: datetime
    end: datetime
    status: int
    results: int  # how many result rows it holds (a count, never a value)

    @property
    def cancelled(self) -> bool:
        return self.status == _CANCELLED


@dataclass(frozen=True)
class FollowedRound:
    season: int
    key: str
    sessions: tuple[FollowedSession, ...]
    results_read_at: datetime | None = None
    corrections_done: int = 0
    reading: bool = False  # a read of its results still runs
    name: str = ""

    @property
    def held(self) -> tuple[FollowedSession, ...]:
        """Its sessions that take place (a cancelled one has no results and locks nothing out)."""
        return tuple(s for s in self.sessions if not s.cancelled)

    @property
    def start(self) -> datetime:
        return min(s.start for s in self.held or self.sessions)

    @property
    def end(self) -> datetime:
        return max(s.end for s in self.held or self.sessions)


@dataclass(frozen=True)
class SourceState:
    source: str
    rounds: tuple[FollowedRound, ...]
    locked_while_live: bool = False
    calendar_read_at: datetime | None = None
    calendar_reading: bool = False


@dataclass(frozen=True)
class Read:
    """A read of a source to send at `at`: its calendar, or one round's results (a look, or correction number
    `correction` of FOLLOW_CORRECTIONS_AT, counted from 1)."""

    source: str
    what: str  # calendar | results
    at: datetime
    season: int | None = None
    round_key: str | None = None
    correction: int | None = None
    why: str = ""


@dataclass
class TickOutcome:
    statuses: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    skipped: str | None = None


# -- planning (pure) ------------------------------------------------------------------------------------------

def running_sessions(state: SourceState, at: datetime) -> list[FollowedSession]:
    return [s for r in state.rounds for s in r.held if s.start <= at < s.end]


def unlocked(state: SourceState, at: datetime) -> datetime:
    """The first moment from `at` when the source answers (no session of its running, when it refuses reads
    then); `at` itself for any other source."""
    if not state.locked_while_live:
        return at
    running = running_sessions(state, at)
    while running:
        at = max(s.end for s in running)
        running = running_sessions(state, at)
    return at


def plan(state: SourceState, rules: Rules, now: datetime) -> list[Read]:
    """Every read of the source to come, each at the first moment it may be sent (due when `at` <= now), in time
    order: its next calendar read and each round's next results read. A read whose run still runs is not
    planned again until it ends."""
    reads = [] if state.calendar_reading else [calendar_read(state, rules, now)]
    for round_ in state.rounds:
        read = None if round_.reading or rules.results == "never" else results_read(state.source, round_, rules, now)
        if read is not None:
            reads.append(read)
    return sorted((_when_unlocked(state, read, now) for read in reads), key=lambda r: (r.at, r.round_key or ""))


def _when_unlocked(state: SourceState, read: Read, now: datetime) -> Read:
    """The read, held back to the end of the session running when it would be sent (at once if overdue)."""
    sent = max(read.at, now)
    at = unlocked(state, sent)
    return read if at == sent else Read(read.source, read.what, at, read.season, read.round_key, read.correction,
                                        f"{read.why}, after the session running then (the source is locked out)")


def calendar_read(state: SourceState, rules: Rules, now: datetime) -> Read:
    if state.calendar_read_at is None:
        return Read(state.source, CALENDAR, now, why="never read")
    return Read(state.source, CALENDAR, state.calendar_read_at + rules.calendar_every, why="every "
                f"{rules.calendar_every.total_seconds():g}s")


def results_read(source: str, round_: FollowedRound, rules: Rules, now: datetime) -> Read | None:
    """The round's next results read: a look while results are wanted and missing, else its next correction. A
    round whose every session is cancelled has none."""
    if not round_.held:
        return None
    look = results_look(source, round_, rules, now)
    correction = correction_read(source, round_, rules, now)
    if look is None or (correction is not None and correction.at <= look.at):
        return correction
    return look


def wanted_from(round_: FollowedRound, session: FollowedSession, rules: Rules) -> datetime:
    """When a session's results are wanted: at its own end (`always`), else once its round has ended (the spoiler
    rule)."""
    return session.end if rules.results == "always" else round_.end


def results_look(source: str, round_: FollowedRound, rules: Rules, now: datetime) -> Read | None:
    """Looks every FOLLOW_RESULTS_EVERY seconds from when a session's results are wanted until the session holds
    some, or until the round's first correction read would take over."""
    missing = [s for s in round_.held if s.results == 0 and now < wanted_from(round_, s, rules) +
               rules.looked_for_until()]
    if not missing:
        return None
    at = min(wanted_from(round_, s, rules) for s in missing)
    if round_.results_read_at is not None:
        at = max(at, round_.results_read_at + rules.results_every)
    return Read(source, RESULTS, at, round_.season, round_.key, why=f"results of {len(missing)} session(s) wanted")


def correction_read(source: str, round_: FollowedRound, rules: Rules, now: datetime) -> Read | None:
    """The next correction read of an ended round; several passed at once (workers were down) are one read."""
    if round_.corrections_done >= len(rules.corrections_at):
        return None
    at = round_.end + rules.corrections_at[round_.corrections_done]
    passed = sum(1 for offset in rules.corrections_at if round_.end + offset <= max(now, at))
    return Read(source, RESULTS, at, round_.season, round_.key, correction=passed,
                why=f"correction {passed} of {len(rules.corrections_at)}")


# -- the state of a source, from the database ---------------------------------------------------------------

def load(conn: Any, source: Any, rules: Rules, now: datetime) -> SourceState:
    """What is held of a following source's rounds near now (and of its reads), for `plan`."""
    rows = follow_db.rounds_near(conn, source.name, now - rules.horizon, now + rules.lookahead, rules.stale_after)
    rounds = []
    for (key, season), group in groupby(rows, key=lambda row: (row[0], row[1])):
        group = list(group)
        sessions = tuple(FollowedSession(r[2], r[3], r[4], r[5], r[6], r[7]) for r in group)
        rounds.append(FollowedRound(season, key, sessions, group[0][8], group[0][9], group[0][10], group[0][11]))
    read_at, reading = follow_db.calendar_state(conn, source.name, rules.stale_after)
    return SourceState(source.name, tuple(rounds), source.locked_while_live(), read_at, reading)


def following() -> list[Any]:
    """The sources whose season is followed live."""
    return [source for source in sources.all_sources() if source.follows_live]


# -- the tick -----------------------------------------------------------------------------------------------

def tick(send: Callable[[Read, str], None], now: datetime | None = None) -> TickOutcome:
    """Statuses from the clock, then every read due now sent (`send(read, run_id)`), each recorded first as a run;
    under a Redis lock, so two ticks at once send each read once."""
    outcome = TickOutcome()
    with connection() as conn:
        outcome.statuses = changes.follow_the_clock(conn)
    lock = shared_redis().lock(TICK_LOCK, timeout=TICK_LOCK_TIMEOUT)
    if not lock.acquire(blocking=False):
        outcome.skipped = "another tick is sending reads"
        return outcome
    try:
        now = now or utcnow()
        rules = Rules.from_settings(get_settings())
        for source in following():
            with connection() as conn:
                state = load(conn, source, rules, now)
            for read in (r for r in plan(state, rules, now) if r.at <= now):
                outcome.sent.append(_start(read, send))
    finally:
        lock.release()
    return outcome


def arguments(read: Read) -> dict[str, Any]:
    """The run's arguments as "SyncRuns" records them (and the resume sweep sends them again)."""
    if read.what == CALENDAR:
        return {"source": read.source, **MARKER}
    return {"source": read.source, "season": read.season, "round": read.round_key, "correction": read.correction,
            **MARKER}


def _start(read: Read, send: Callable[[Read, str], None]) -> dict[str, Any]:
    """Record the read's run and what was sent, then send it; a send that fails fails its run at once."""
    run_id = str(uuid.uuid4())
    with connection() as conn:
        runs.start_run(conn, run_id, read.what, read.source, arguments(read))
        if read.what == CALENDAR:
            follow_db.calendar_sent(conn, read.source, run_id)
        else:
            follow_db.results_sent(conn, read.source, read.season, read.round_key, run_id, read.correction or 0)
    try:
        send(read, run_id)
    except Exception as exc:
        fail_run(run_id, read.what, read.source, arguments(read), f"not sent: {type(exc).__name__}")
        raise
    log.info("follow: %s read of %s sent as run %s (%s)", read.what, read.round_key or read.source, run_id, read.why)
    return {"run_id": run_id, **arguments(read)}


def locked_now(now: datetime | None = None) -> list[str]:
    """The following sources that refuse reads now (a session of theirs runs, by the landed schedule)."""
    now = now or utcnow()
    rules = Rules.from_settings(get_settings())
    locked = []
    for source in following():
        if not source.locked_while_live():
            continue
        with connection() as conn:
            state = load(conn, source, rules, now)
        if running_sessions(state, now):
            locked.append(source.name)
    return locked


def reads_of(states: Iterable[SourceState], rules: Rules, now: datetime) -> list[Read]:
    """Every read to come of these sources, in time order (what `status` shows)."""
    return sorted((read for state in states for read in plan(state, rules, now)), key=lambda r: r.at)
