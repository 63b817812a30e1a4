"""What each task does: fetch → validate → map → write, for one meeting step or one dispatcher.

Every function takes keys and returns a small summary of counts (never a result value: no spoilers).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import redis

from workers import endpoints as ep
from workers import mapping
from workers.db import connection, racing, runs
from workers.db.schema import check_schema
from workers.errors import BadArgument, IngestionError, PermanentError
from workers.mapping import Rejected
from workers.models import Meeting
from workers.openf1 import OpenF1Client
from workers.ratelimit import FleetLimiter, parse_rates
from workers.settings import get_settings

FIRST_YEAR = 2023  # OpenF1 covers 2023 onwards

_client: OpenF1Client | None = None
_schema_checked = False
_lock = threading.Lock()


def client() -> OpenF1Client:
    global _client
    with _lock:
        if _client is None:
            _client = OpenF1Client.from_settings(get_settings(), fleet_limiter())
        return _client


def fleet_limiter() -> FleetLimiter | None:
    """The fleet's shared OpenF1 limit (in the broker's Redis), or None when OPENF1_RATE_LIMIT is off."""
    settings = get_settings()
    rates = parse_rates(settings.OPENF1_RATE_LIMIT)
    if not rates:
        return None
    return FleetLimiter(redis.Redis.from_url(settings.REDIS_URL), rates, grace=settings.OPENF1_RATE_GRACE,
                        spacing=settings.OPENF1_RATE_SPACING, max_sleep=settings.OPENF1_RATE_MAX_SLEEP)


def note_throttle(task_id: str) -> int:
    """Count a wait for a slot of this task: throttles never spend the error-retry budget."""
    limiter = client().limiter
    return limiter.note_throttle(task_id) if limiter else 0


def throttles_of(task_id: str) -> int:
    limiter = client().limiter
    return limiter.throttles(task_id) if limiter else 0


def ensure_schema() -> None:
    """Check the required indexes once per process; SchemaMissing tells the operator to run the migrations."""
    global _schema_checked
    if not _schema_checked:
        with connection() as conn:
            check_schema(conn)
        _schema_checked = True


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# -- arguments ---------------------------------------------------------------------------------------------

def validate_year(year: Any, now: datetime | None = None) -> int:
    latest = (now or utcnow()).year + 1
    if isinstance(year, bool) or not isinstance(year, (int, str)) or not str(year).strip().isdigit():
        raise BadArgument(f"year must be a whole number between {FIRST_YEAR} and {latest}, got {year!r}")
    value = int(year)
    if not FIRST_YEAR <= value <= latest:
        raise BadArgument(f"year must be between {FIRST_YEAR} (OpenF1's first season) and {latest}, got {value}")
    return value


def validate_days(days: Any) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
        raise BadArgument(f"days must be a whole number between 1 and 366, got {days!r}")
    return days


def validate_include_results(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise BadArgument(f"include_results must be true, false or null, got {value!r}")


# -- dispatchers -------------------------------------------------------------------------------------------

@dataclass
class Plan:
    run_id: str
    meeting_keys: list[int]
    include_results: bool
    requests: int
    quarantined: int


def plan_season(run_id: str, year: int, include_results: bool | None, now: datetime) -> Plan:
    """Read the season's meetings (one request), number the rounds, record the run's meetings."""
    ensure_schema()
    with connection() as conn:
        runs.start_run(conn, run_id, "season", {"year": year, "include_results": include_results})
    meetings, rejected, requests = _fetch_meetings([year])
    return _plan(run_id, meetings, meetings, rejected, requests, include_results, now)


def plan_recent(run_id: str, days: int, include_results: bool | None, now: datetime) -> Plan:
    """Meetings that overlap the last `days` days (one request per season the window touches)."""
    ensure_schema()
    with connection() as conn:
        runs.start_run(conn, run_id, "recent", {"days": days, "include_results": include_results})
    since = now - timedelta(days=days)
    years = sorted({y for y in (since.year, now.year) if y >= FIRST_YEAR})
    meetings, rejected, requests = _fetch_meetings(years)
    recent = [m for m in meetings if m.date_start <= now and meeting_end(m) >= since]
    return _plan(run_id, meetings, recent, rejected, requests, include_results, now)


def _fetch_meetings(years: list[int]) -> tuple[list[Meeting], list[Rejected], int]:
    before = client().requests_made
    meetings: list[Meeting] = []
    rejected: list[Rejected] = []
    for year in years:
        valid, bad = ep.validate(ep.MEETINGS, client().get(ep.MEETINGS.path, year=year))
        meetings += [m for m in valid if m.year == year]
        rejected += bad
    return meetings, rejected, client().requests_made - before


def default_include_results(meetings: list[Meeting], now: datetime) -> bool:
    """SPEC §3: results by default only when every meeting of the selection has ended."""
    return bool(meetings) and all(meeting_end(m) < now for m in meetings)


def meeting_end(meeting: Meeting) -> datetime:
    """When a meeting ends; a record without `date_end` (older upstream states) is taken as a 4-day weekend."""
    return meeting.date_end or meeting.date_start + timedelta(days=4)


def _plan(run_id: str, season: list[Meeting], selected: list[Meeting], rejected: list[Rejected], requests: int,
          include_results: bool | None, now: datetime) -> Plan:
    numbers: dict[int, int] = {}
    for year in {m.year for m in season}:
        numbers.update(mapping.round_numbers([m for m in season if m.year == year]))
    results = default_include_results(selected, now) if include_results is None else include_results
    keys = sorted(m.meeting_key for m in selected)
    with connection() as conn:
        runs.store_meetings(conn, [(m.meeting_key, m.year, numbers[m.meeting_key], m.model_dump(mode="json"))
                                   for m in season])
        quarantined = runs.quarantine(conn, run_id, None, rejected)
        runs.plan_run(conn, run_id, keys, results, requests)
    if not keys:
        finish_meeting(run_id, None)
    return Plan(run_id, keys, results, requests, quarantined)


# -- meeting steps -----------------------------------------------------------------------------------------

@dataclass
class StepSummary:
    meeting_key: int
    requests: int = 0
    written: int = 0
    deleted: int = 0
    quarantined: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def sync_sessions(run_id: str | None, meeting_key: int, now: datetime) -> StepSummary:
    """The meeting's round and sessions (one request), in one transaction."""
    ensure_schema()
    with connection() as conn:
        stored = runs.load_meeting(conn, meeting_key)
    if stored is None:
        raise PermanentError(f"meeting {meeting_key} is unknown: sync its season first")
    round_number, record = stored
    meeting = Meeting.model_validate(record)
    summary, raw = _fetch(meeting_key, ep.SESSIONS)
    sessions, rejected = ep.validate(ep.SESSIONS, raw)
    sessions = [s for s in sessions if s.meeting_key == meeting_key]
    mapped = mapping.session_rows(meeting, sessions, now)
    mapped.rejected = as_received(mapped.rejected, raw, ("session_key",))
    with connection() as conn:
        counts = racing.write_round(conn, meeting.year, mapping.circuit_row(meeting),
                                    mapping.round_row(meeting, sessions, round_number), mapped.rows)
        _record(conn, run_id, summary, counts, rejected + mapped.rejected)
    return summary


def sync_entrants(run_id: str | None, meeting_key: int) -> StepSummary:
    """Drivers, teams and entrants of every session of the meeting (one request), in one transaction."""
    summary, raw = _fetch(meeting_key, ep.DRIVERS)
    drivers, rejected = ep.validate(ep.DRIVERS, raw)
    with connection() as conn:
        round_id, round_start = _round(conn, meeting_key)
        rows = mapping.entrant_rows([d for d in drivers if d.meeting_key == meeting_key],
                                    racing.session_starts(conn, round_id))
        counts = racing.write_entrants(conn, round_id, round_start, rows)
        _record(conn, run_id, summary, counts, rejected)
    return summary


def sync_results(run_id: str | None, meeting_key: int) -> StepSummary:
    """Results of the meeting's completed sessions (two requests), each session replaced as a whole."""
    client().reserve(2)  # both requests in one reservation, so a re-scheduled step repeats neither
    summary, raw_results = _fetch(meeting_key, ep.SESSION_RESULT)
    grid_summary, raw_grid = _fetch(meeting_key, ep.STARTING_GRID)
    summary.requests += grid_summary.requests
    results, rejected = ep.validate(ep.SESSION_RESULT, raw_results)
    grids, bad_grid = ep.validate(ep.STARTING_GRID, raw_grid)
    with connection() as conn:
        round_id, _ = _round(conn, meeting_key)
        mapped = mapping.result_rows(results, grids, racing.sessions_of_round(conn, round_id),
                                     racing.entrants_by_car_number(conn, round_id))
        mapped.rejected = as_received(mapped.rejected, raw_results, ("session_key", "driver_number"))
        counts = racing.replace_results(conn, mapped.rows)
        _record(conn, run_id, summary, counts, rejected + bad_grid + mapped.rejected)
    return summary


def finish_meeting(run_id: str | None, meeting_key: int | None, error: str | None = None) -> str | None:
    """Mark the meeting done (or failed) and close the run when it was the last; returns the run's end state."""
    if run_id is None:
        return None
    if meeting_key is not None:
        with connection() as conn:
            runs.mark_meeting(conn, run_id, meeting_key, "failed" if error else "done", error)
    with connection() as conn:  # a second transaction: it must see the mark above committed
        return runs.finish_run_if_complete(conn, run_id)


def count_retry(run_id: str | None, meeting_key: int | None, throttle: bool) -> None:
    """Record a retry in the run table; never lets the bookkeeping itself fail the retry."""
    if run_id is None:
        return
    try:
        with connection() as conn:
            runs.count_retry(conn, run_id, meeting_key, throttle)
    except IngestionError:
        pass  # the database may be the very reason for the retry


def fail_run(run_id: str, kind: str, arguments: dict[str, Any], error: str) -> None:
    with connection() as conn:
        runs.fail_run(conn, run_id, kind, arguments, error)


def run_status(run_id: str) -> dict[str, Any] | None:
    with connection() as conn:
        return runs.get_run(conn, run_id)


# -- helpers -----------------------------------------------------------------------------------------------

def as_received(rejected: list[Rejected], raw: list[Any], key: tuple[str, ...]) -> list[Rejected]:
    """Quarantine keeps the record as OpenF1 sent it, not as validated (unknown fields, original dates)."""
    by_key = {tuple(r.get(k) for k in key): r for r in raw if isinstance(r, dict)}
    return [replace(r, payload=by_key.get(tuple(r.payload.get(k) for k in key), r.payload)) for r in rejected]


def _fetch(meeting_key: int, endpoint: ep.Endpoint) -> tuple[StepSummary, list[Any]]:
    before = client().requests_made
    raw = client().get(endpoint.path, meeting_key=meeting_key)
    return StepSummary(meeting_key, requests=client().requests_made - before), raw


def _round(conn, meeting_key: int) -> tuple[Any, Any]:
    found = racing.round_of_meeting(conn, meeting_key)
    if found is None:
        raise PermanentError(f"meeting {meeting_key} has no round yet: its sessions step must run first")
    return found


def _record(conn, run_id: str | None, summary: StepSummary, counts: racing.WriteCounts, rejected: list[Rejected]) -> None:
    summary.written, summary.deleted = counts.written, counts.deleted
    summary.quarantined = runs.quarantine(conn, run_id, summary.meeting_key, rejected)
    if run_id is not None:
        runs.add_meeting_counts(conn, run_id, summary.meeting_key, requests=summary.requests, written=counts.written,
                                deleted=counts.deleted, quarantined=summary.quarantined)
