"""Pure mapping of validated OpenF1 records to Parc Fermé rows (docs/sources/openf1.md).

No network, database or clock access: `now` is a parameter. Rows are dicts keyed by column name;
references to parent rows are carried by natural key (slug, OpenF1 key) for the store to resolve.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Sequence

from workers.rows import (SESSION_END, SOURCE_KEY, EntrantRows, Mapped, MappingError, Rejected, ResultStatus,
                          SessionInfo, SessionStatus, SessionType, slugify)
from workers.sources.formula1 import SERIES  # noqa: F401  (the championship every round of it is of)
from workers.sources.openf1.models import Driver, Meeting, Session, SessionResult, StartingGrid

_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

SESSION_TYPES_BY_NAME = {
    "practice 1": SessionType.FP1,
    "practice 2": SessionType.FP2,
    "practice 3": SessionType.FP3,
    "qualifying": SessionType.QUALIFYING,
    "sprint qualifying": SessionType.SPRINT_QUALIFYING,
    "sprint shootout": SessionType.SPRINT_QUALIFYING,
    "sprint": SessionType.SPRINT,
    "race": SessionType.RACE,
}
GRID_SOURCE = {SessionType.RACE: SessionType.QUALIFYING, SessionType.SPRINT: SessionType.SPRINT_QUALIFYING}
TESTING_DAY = re.compile(r"^day \d+$")


def is_testing(meeting: Meeting) -> bool:
    return "testing" in meeting.meeting_name.lower()


def is_cancelled(meeting: Meeting) -> bool:
    official = (meeting.meeting_official_name or "").upper()
    return bool(meeting.is_cancelled) or official.startswith("CALLED OFF")


def round_numbers(meetings: Iterable[Meeting]) -> dict[int, int]:
    """1-based date order of the season's championship meetings; testing and cancelled ones get 0."""
    ordered = sorted(meetings, key=lambda m: (m.date_start, m.meeting_key))
    numbers: dict[int, int] = {}
    counter = 0
    for meeting in ordered:
        if is_testing(meeting) or is_cancelled(meeting):
            numbers[meeting.meeting_key] = 0
        else:
            counter += 1
            numbers[meeting.meeting_key] = counter
    return numbers


def round_slug(meeting: Meeting) -> str:
    return f"{meeting.year}-{slugify(meeting.meeting_name)}"


def session_type(session: Session, testing_meeting: bool) -> SessionType:
    name = session.session_name.strip().lower()
    if testing_meeting or TESTING_DAY.match(name):
        return SessionType.TESTING
    try:
        return SESSION_TYPES_BY_NAME[name]
    except KeyError:
        raise MappingError(f"unknown session name {session.session_name!r}") from None


def session_status(session: Session, cancelled: bool, now: datetime) -> SessionStatus:
    if cancelled or session.is_cancelled:
        return SessionStatus.CANCELLED
    if now >= session.date_end:
        return SessionStatus.COMPLETED
    if now >= session.date_start:
        return SessionStatus.IN_PROGRESS
    return SessionStatus.SCHEDULED


def circuit_row(meeting: Meeting) -> dict[str, Any]:
    return {
        "Name": meeting.circuit_short_name,
        "Slug": slugify(meeting.circuit_short_name),
        "Location": meeting.location or meeting.circuit_short_name,
        "Country": meeting.country_name or "",
        "CountryCode": meeting.country_code,
        "LayoutMapUrl": meeting.circuit_image,
        SOURCE_KEY: meeting.circuit_short_name,
    }


def round_row(meeting: Meeting, sessions: Sequence[Session], round_number: int) -> dict[str, Any]:
    """The Round of a meeting; dates are the UTC dates of its first session start and last session end."""
    starts = [s.date_start for s in sessions] or [meeting.date_start]
    ends = [s.date_end for s in sessions] or [meeting.date_end or meeting.date_start]
    return {
        "Name": meeting.meeting_name,
        "Slug": round_slug(meeting),
        "RoundNumber": round_number,
        "DateStart": min(starts).astimezone(_UTC).date(),
        "DateEnd": max(ends).astimezone(_UTC).date(),
        "OpenF1MeetingKey": meeting.meeting_key,
        SOURCE_KEY: str(meeting.meeting_key),
    }


def session_rows(meeting: Meeting, sessions: Sequence[Session], now: datetime) -> Mapped:
    """Sessions of a meeting; a session with an unknown name is rejected, never given a default type."""
    mapped = Mapped()
    testing, cancelled = is_testing(meeting), is_cancelled(meeting)
    for session in sessions:
        try:
            kind = session_type(session, testing)
        except MappingError as exc:
            mapped.rejected.append(Rejected("sessions", str(exc), session.model_dump(mode="json")))
            continue
        mapped.rows.append({
            "OpenF1SessionKey": session.session_key,
            "Type": int(kind),
            "StartTimeUtc": session.date_start,
            "Status": int(session_status(session, cancelled, now)),
            SOURCE_KEY: str(session.session_key),
            SESSION_END: session.date_end,
        })
    return mapped


def entrant_rows(drivers: Iterable[Driver], session_starts: dict[int, datetime] | None = None) -> EntrantRows:
    """One person per driver (numbers change), one team per name, one entrant per (driver, team).

    Attributes come from the meeting's latest session by start time (`session_starts`; OpenF1 session keys
    are not chronological), so the result does not depend on the order of the records.
    """
    starts = session_starts or {}
    people: dict[str, dict[str, Any]] = {}
    teams: dict[str, dict[str, Any]] = {}
    entrants: dict[tuple[str, str], dict[str, Any]] = {}
    for record in sorted(drivers, key=lambda d: (starts.get(d.session_key, _EPOCH), d.session_key, d.driver_number)):
        driver_slug = slugify(f"{record.first_name} {record.last_name}")
        team_slug = slugify(record.team_name)
        people[driver_slug] = {
            "FirstName": record.first_name,
            "LastName": record.last_name,
            "Slug": driver_slug,
            "Abbreviation": record.name_acronym,
            "Nationality": record.country_code,
            "HeadshotUrl": record.headshot_url,
            "DriverNumber": record.driver_number,
            SOURCE_KEY: driver_slug,  # OpenF1 has no driver id: the person is the name (numbers change)
        }
        teams[team_slug] = {"Name": record.team_name, "Slug": team_slug,
                            "PrimaryColor": team_colour(record.team_colour), SOURCE_KEY: record.team_name}
        entrants[(driver_slug, team_slug)] = {
            "DriverSlug": driver_slug, "TeamSlug": team_slug, "CarNumber": record.driver_number,
        }
    return EntrantRows(list(people.values()), list(teams.values()), list(entrants.values()))


def team_colour(raw: str | None) -> str | None:
    if not raw:
        return None
    return "#" + raw.strip().lstrip("#").upper()


def result_status(result: SessionResult) -> ResultStatus:
    if result.dsq:
        return ResultStatus.DSQ
    if result.dns:
        return ResultStatus.DNS
    if result.dnf:
        return ResultStatus.DNF
    if result.position is None:
        return ResultStatus.NC
    return ResultStatus.FINISHED


def result_time(result: SessionResult, kind: SessionType) -> timedelta | None:
    """Race/sprint total, qualifying's last segment the driver set, practice's best lap."""
    duration = result.duration
    if isinstance(duration, list):
        if kind not in (SessionType.QUALIFYING, SessionType.SPRINT_QUALIFYING) and len(duration) == 1:
            duration = duration[0]
        else:
            set_times = [d for d in duration if d is not None]
            duration = set_times[-1] if set_times else None
    return None if duration is None else timedelta(seconds=float(duration))


def result_rows(
    results: Iterable[SessionResult],
    grids: Iterable[StartingGrid],
    sessions: Sequence[SessionInfo],
    entrant_by_number: dict[int, Any],
) -> Mapped:
    """Results of the meeting's completed sessions; each row carries SessionId and EntrantId."""
    by_key = {int(s.source_key): s for s in sessions if s.source_key is not None}
    grid_positions = _grid_positions(grids, sessions)
    mapped = Mapped()
    for result in results:
        payload = result.model_dump(mode="json")
        session = by_key.get(result.session_key)
        if session is None:
            mapped.rejected.append(Rejected("session_result", f"session {result.session_key} is not in this meeting",
                                            payload))
            continue
        if session.status != SessionStatus.COMPLETED:
            continue
        entrant_id = entrant_by_number.get(result.driver_number)
        if entrant_id is None:
            mapped.rejected.append(Rejected("session_result", f"no entrant with car number {result.driver_number}",
                                            payload))
            continue
        mapped.rows.append({
            "SessionId": session.id,
            "EntrantId": entrant_id,
            "Position": result.position,
            "GridPosition": grid_positions.get((session.type, result.driver_number)),
            "Status": int(result_status(result)),
            "Points": result.points,
            "Time": result_time(result, session.type),
            "Laps": result.number_of_laps,
            "FastestLap": False,
        })
    return mapped


def _grid_positions(grids: Iterable[StartingGrid],
                    sessions: Sequence[SessionInfo]) -> dict[tuple[SessionType, int], int | None]:
    """(race or sprint, car number) → grid slot, from the grid OpenF1 files under the qualifying session."""
    type_by_key = {int(s.source_key): s.type for s in sessions if s.source_key is not None}
    grid_for = {source: target for target, source in GRID_SOURCE.items()}
    positions: dict[tuple[SessionType, int], int | None] = {}
    for grid in grids:
        target = grid_for.get(type_by_key.get(grid.session_key))
        if target is not None:
            positions[(target, grid.driver_number)] = grid.position
    return positions

