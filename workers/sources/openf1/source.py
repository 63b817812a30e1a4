"""OpenF1's season plan and the mapping of its landed answers (docs/sources/openf1.md).

A season costs at most five requests: `meetings?year` (the index), `sessions?year`, and `drivers`,
`session_result` and `starting_grid` for every selected meeting at once by one `meeting_key` interval (OpenF1
mishandles several intervals on one field, so one interval from the first to the last key). Without results the
last two are never asked for (the spoiler rule). An interval answer that fails for good falls back to one request per
meeting for that endpoint."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Sequence

from workers.audit_rules import AuditRules
from workers.errors import PermanentError
from workers.http import Answer
from workers.ratelimit import FleetLimiter
from workers.rows import (EntrantInfo, EntrantRows, Mapped, NaturalKey, NaturalKeys, Rejected, RoundRows,
                          SessionInfo, entrants_by_car_number)
from workers.sources import formula1
from workers.sources.base import (ENTRANTS, RESULTS, SESSIONS, Health, Landed, Listed, Recorded, Request, RoundIndex,
                                  RoundRef, Source)
from workers.sources.openf1 import ABOUT
from workers.sources.openf1 import endpoints as ep
from workers.sources.openf1 import health, mapping
from workers.sources.openf1.client import OpenF1Client, records
from workers.sources.openf1.models import Meeting
from workers.sources.openf1.settings import OpenF1Settings

ROUND_ENDPOINTS = (ep.DRIVERS,)
SPOILER_ENDPOINTS = (ep.SESSION_RESULT, ep.STARTING_GRID)  # the spoiler rule: never requested without results


def meeting_end(meeting: Meeting) -> datetime:
    """When a meeting ends; a record without `date_end` (older upstream states) is taken as a 4-day weekend."""
    return meeting.date_end or meeting.date_start + timedelta(days=4)


def of_meeting(raw: list[Any], meeting_key: int) -> list[Any]:
    """The records of one meeting out of an answer that may cover several."""
    return [r for r in raw if isinstance(r, dict) and r.get("meeting_key") == meeting_key]


def as_received(rejected: list[Rejected], raw: list[Any], key: tuple[str, ...]) -> list[Rejected]:
    """Quarantine keeps the record as OpenF1 sent it, not as validated (unknown fields, original dates)."""
    by_key = {tuple(r.get(k) for k in key): r for r in raw if isinstance(r, dict)}
    return [replace(r, payload=by_key.get(tuple(r.payload.get(k) for k in key), r.payload)) for r in rejected]


class OpenF1(Source):
    about = ABOUT
    name, label = ABOUT.name, ABOUT.label
    record_key = "session_key"
    settings_class = OpenF1Settings
    # OpenF1's own keys of its meetings and sessions, unique across them: its rounds and sessions are written on
    # them (the API's "OpenF1MeetingKey" and "OpenF1SessionKey" columns).
    natural_keys = NaturalKeys(round=NaturalKey("OpenF1MeetingKey", "OpenF1 meeting key", "meeting"),
                               session=NaturalKey("OpenF1SessionKey", "OpenF1 session key", "session"))
    rounds_called = "meetings"

    follows_live = True  # sessions with their end times; meetings cancelled and sessions moved during a season

    def client(self, limiter: FleetLimiter | None) -> OpenF1Client:
        return OpenF1Client(self.settings, limiter)

    def locked_while_live(self) -> bool:
        """OpenF1 answers its free tier 401 `Session in progress` while a session runs; a sponsor login is not."""
        return not (self.settings.USERNAME and self.settings.PASSWORD)

    def decode(self, endpoint: str, answer: Answer) -> list[Any]:
        return records(answer)

    # -- operations ----------------------------------------------------------------------------------------------

    def health(self, limiter: FleetLimiter | None, timeout: float) -> Health:
        return health.health(self, limiter, timeout)

    def verify_requests(self, year: int, landed: Landed) -> list[Request]:
        """The season's meetings (the index) and its sessions: 2 requests."""
        return self.index_requests(year) + [Request(ep.SESSIONS.path, f"year={year}", season=year)]

    def listed(self, year: int, landed: Landed) -> list[Listed]:
        """Its meetings and, as OpenF1 lists every session of a season too, its sessions by their keys."""
        keys = {r.get("session_key") for r in landed.records(ep.SESSIONS.path) if isinstance(r, dict)}
        sessions = frozenset(str(k) for k in keys if isinstance(k, int) and not isinstance(k, bool))
        return super().listed(year, landed) + [Listed("sessions", "session", sessions)]

    records_seasons = True  # openf1_replay serves recorded answers: recording.py saves a season in its layout

    def record_season(self, folder: Any, year: int, include_results: bool | None, fetch: Any, now: datetime,
                      progress: Any = None) -> Recorded:
        from workers.sources.openf1 import recording

        return recording.record_season(folder, year, include_results, fetch, now, progress or (lambda line: None))

    def audit_rules(self) -> AuditRules:
        """Formula 1's rules, and OpenF1's own: its results find their entrants by car number within a meeting (every
        driver has a number, unique in the meeting), it has results for every kind of session, and it lists every
        session of its meetings."""
        return formula1.audit_rules(self.name, self.natural_keys, by_car_number=True)

    # -- planning ----------------------------------------------------------------------------------------------

    def index_requests(self, year: int, landed: Landed | None = None) -> list[Request]:
        return [Request(ep.MEETINGS.path, f"year={year}", season=year)]

    def rounds(self, year: int, landed: Landed) -> RoundIndex:
        meetings, rejected = self._meetings(landed, year)
        return RoundIndex([RoundRef(str(m.meeting_key), m.date_start, meeting_end(m)) for m in meetings], rejected)

    def content_requests(self, year: int, selected: Sequence[RoundRef], whole_season: bool, wanted: frozenset[str],
                         fallbacks: frozenset[str], landed: Landed) -> list[Request]:
        keys = sorted(int(r.key) for r in selected)
        if not keys:
            return []
        covered = None if whole_season else tuple(map(str, keys))
        requests = []
        if SESSIONS in wanted:
            requests.append(Request(ep.SESSIONS.path, f"year={year}", season=year) if whole_season
                            else self._interval(ep.SESSIONS, keys, year, covered))
        endpoints = (ROUND_ENDPOINTS if ENTRANTS in wanted or RESULTS in wanted else ()) + \
            (SPOILER_ENDPOINTS if RESULTS in wanted else ())
        for endpoint in endpoints:
            if endpoint.path in fallbacks:
                requests += [self._interval(endpoint, [k], year, (str(k),)) for k in keys]
            else:
                requests.append(self._interval(endpoint, keys, year, covered))
        return requests

    @staticmethod
    def _interval(endpoint: ep.Endpoint, keys: list[int], year: int, covered: tuple[str, ...] | None) -> Request:
        first, last = keys[0], keys[-1]
        if first == last:
            return Request(endpoint.path, f"meeting_key={first}", season=year, rounds=(str(first),),
                           spoiler=endpoint.spoiler)
        return Request(endpoint.path, f"meeting_key>={first}&meeting_key<={last}", season=year, rounds=covered,
                       fallback=True, spoiler=endpoint.spoiler)

    # -- mapping -----------------------------------------------------------------------------------------------

    def round_rows(self, landed: Landed, round_key: str, now: datetime) -> RoundRows:
        """The meeting's round and sessions; its number is its place among the season's landed meetings."""
        key = int(round_key)
        meeting = self._meeting(landed, key)
        season, _ = self._meetings(landed, meeting.year)
        raw = of_meeting(landed.records(ep.SESSIONS.path, round_key), key)
        sessions, rejected = ep.validate(ep.SESSIONS, raw)
        mapped = mapping.session_rows(meeting, sessions, now)
        number = mapping.round_numbers(season)[key]
        return RoundRows(series=formula1.SERIES, year=meeting.year, circuit=mapping.circuit_row(meeting),
                         round=mapping.round_row(meeting, sessions, number), sessions=mapped.rows,
                         rejected=rejected + as_received(mapped.rejected, raw, ("session_key",)))

    def entrant_rows(self, landed: Landed, round_key: str, session_starts: dict[str, datetime]) -> EntrantRows:
        """Drivers of every session of the meeting: people, teams and entrants (numbers change, people do not)."""
        raw = of_meeting(landed.records(ep.DRIVERS.path, round_key), int(round_key))
        drivers, rejected = ep.validate(ep.DRIVERS, raw)
        rows = mapping.entrant_rows(drivers, {int(k): v for k, v in session_starts.items()})
        rows.rejected = rejected
        return rows

    def result_rows(self, landed: Landed, round_key: str, sessions: Sequence[SessionInfo],
                    entrants: Sequence[EntrantInfo]) -> Mapped:
        """Results of the meeting's completed sessions, with the grids OpenF1 files under the qualifying; a result
        finds its entrant by car number within the meeting."""
        key = int(round_key)
        raw_results = of_meeting(landed.records(ep.SESSION_RESULT.path, round_key), key)
        results, rejected = ep.validate(ep.SESSION_RESULT, raw_results)
        grids, bad_grid = ep.validate(ep.STARTING_GRID,
                                      of_meeting(landed.records(ep.STARTING_GRID.path, round_key), key))
        mapped = mapping.result_rows(results, grids, sessions, entrants_by_car_number(entrants))
        mapped.rejected = rejected + bad_grid + as_received(mapped.rejected, raw_results,
                                                            ("session_key", "driver_number"))
        return mapped

    # -- helpers -----------------------------------------------------------------------------------------------

    def _meetings(self, landed: Landed, year: int) -> tuple[list[Meeting], list[Rejected]]:
        valid, rejected = ep.validate(ep.MEETINGS, landed.records(ep.MEETINGS.path))
        return [m for m in valid if m.year == year], rejected

    def _meeting(self, landed: Landed, key: int) -> Meeting:
        valid, _ = ep.validate(ep.MEETINGS, of_meeting(landed.records(ep.MEETINGS.path), key))
        if not valid:
            raise PermanentError(f"meeting {key} is not in its season's landed meetings: sync its season first")
        return valid[0]


SOURCE = OpenF1()

__all__ = ["SOURCE", "OpenF1", "meeting_end"]
