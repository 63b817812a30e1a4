"""Pure mapping of Jolpica races to Parc Fermé rounds, sessions, circuits, drivers, teams and entrants
(docs/sources/jolpica.md, docs/identity.md).

No network, database or clock access. A round is read as a `Weekend`: the schedule's race and the result rows
of each results endpoint for that race (merged across pages), as received. Results are in `results.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable, Sequence, TypeVar

from workers.rows import SOURCE_KEY, EntrantRows, Rejected, SessionStatus, SessionType, slugify
from workers.sources.formula1 import SERIES  # noqa: F401  (the championship every round of it is of)
from workers.sources.jolpica import endpoints as ep
from workers.sources.jolpica.models import Circuit, Entry, Race, ScheduledSession, starts_at, validate

E = TypeVar("E", bound=Entry)

RACE_TIMES_FROM = 2005  # races have a time from 2005 on
SCHEDULE_DATES_FROM = 2021  # practice and qualifying dates before this are Jolpica's guesses: ignored
SESSION_TIMES_FROM = 2022  # practice, qualifying and sprint times from this season on

SESSION_NAMES = {
    SessionType.FP1: "fp1", SessionType.FP2: "fp2", SessionType.FP3: "fp3", SessionType.QUALIFYING: "qualifying",
    SessionType.SPRINT: "sprint", SessionType.RACE: "race",
}


@dataclass(frozen=True)
class Weekend:
    """One round as Jolpica tells it: the schedule's race and the rows of each results endpoint, as received."""

    race: Race
    results: list[dict[str, Any]] = field(default_factory=list)
    qualifying: list[dict[str, Any]] = field(default_factory=list)
    sprint: list[dict[str, Any]] = field(default_factory=list)

    def rows_of(self, endpoint: ep.Endpoint) -> list[dict[str, Any]]:
        return {ep.RESULTS.name: self.results, ep.QUALIFYING.name: self.qualifying, ep.SPRINT.name: self.sprint}[
            endpoint.name]


# -- rounds and sessions -----------------------------------------------------------------------------------------


def round_slug(race: Race) -> str:
    return f"{race.season}-{slugify(race.name)}"


def session_key(race: Race, kind: SessionType) -> str:
    """A session's identity (docs/identity.md): its round and its type, `{season}/{round}/{type}`."""
    return f"{race.key}/{SESSION_NAMES[kind]}"


def race_start(race: Race) -> datetime:
    """The race's date and, from 2005 on, its time; a date without a time is 00:00 UTC."""
    return starts_at(race.day, race.at if race.season >= RACE_TIMES_FROM else None)


def session_starts(weekend: Weekend) -> dict[SessionType, datetime]:
    """The sessions a round has, and when each starts.

    Race always; Qualifying when it has results or (2021 on) the schedule lists it; Sprint when it has results;
    FP1–FP3 from the schedule (2021 on). A session whose own date is unknown (qualifying before 2021) takes the
    race's date at 00:00 UTC: the only date Jolpica knows for it that is not a guess."""
    race = weekend.race
    starts = {SessionType.RACE: race_start(race)}
    practice = (race.first_practice, race.second_practice, race.third_practice)
    for kind, session in zip((SessionType.FP1, SessionType.FP2, SessionType.FP3), practice):
        if listed_start(race, session) is not None:
            starts[kind] = listed_start(race, session)
    qualifying = listed_start(race, race.qualifying)
    if weekend.qualifying or qualifying is not None:
        starts[SessionType.QUALIFYING] = qualifying or starts_at(race.day, None)
    if weekend.sprint:
        starts[SessionType.SPRINT] = listed_start(race, race.sprint) or starts_at(race.day, None)
    return starts


def listed_start(race: Race, session: ScheduledSession | None) -> datetime | None:
    """When the schedule says a session starts: from 2021 on, and with its time from 2022 on; None before 2021
    (Jolpica's own guesses) or when the schedule gives it no date."""
    if session is None or session.day is None or race.season < SCHEDULE_DATES_FROM:
        return None
    return starts_at(session.day, session.at if race.season >= SESSION_TIMES_FROM else None)


def session_rows(weekend: Weekend) -> list[dict[str, Any]]:
    """The round's sessions, Completed, each with its identity (the source has no key column: written by it)."""
    return [{
        "Type": int(kind),
        "StartTimeUtc": start,
        "Status": int(SessionStatus.COMPLETED),
        SOURCE_KEY: session_key(weekend.race, kind),
    } for kind, start in sorted(session_starts(weekend).items())]


def round_row(race: Race, sessions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """DateEnd is the race's date; DateStart the earliest session date used."""
    first: date = min([s["StartTimeUtc"].date() for s in sessions] + [race.day])
    return {
        "Name": race.name,
        "Slug": round_slug(race),
        "RoundNumber": race.round,
        "DateStart": first,
        "DateEnd": race.day,
        SOURCE_KEY: race.key,
    }


def circuit_row(circuit: Circuit) -> dict[str, Any]:
    location = circuit.location
    return {
        "Name": circuit.name,
        "Slug": slugify(circuit.circuit_id),
        "Location": location.locality or circuit.name,
        "Country": location.country or "",
        "CountryCode": None,
        "LayoutMapUrl": None,
        "Latitude": location.lat,
        "Longitude": location.long,
        SOURCE_KEY: circuit.circuit_id,
    }


# -- entrants ----------------------------------------------------------------------------------------------------


def driver_row(entry: Entry) -> dict[str, Any]:
    """A person; `DriverNumber` is never set (Jolpica knows only a driver's current number)."""
    driver = entry.driver
    return {
        "FirstName": driver.given_name,
        "LastName": driver.family_name,
        "Slug": slugify(f"{driver.given_name} {driver.family_name}"),
        "Abbreviation": driver.code,
        "Nationality": driver.nationality,
        "HeadshotUrl": None,
        SOURCE_KEY: driver.driver_id,
    }


def team_row(entry: Entry) -> dict[str, Any]:
    team = entry.constructor
    return {"Name": team.name, "Slug": slugify(team.name), "PrimaryColor": None, SOURCE_KEY: team.constructor_id}


def split_shared_drives(entries: Iterable[E]) -> tuple[list[E], list[E]]:
    """One row per (driver, constructor) of a session, and the rest: in a shared drive (1950–1964: a driver in two
    cars of one team in one race) the better-classified row (lower classification order) is kept."""
    entries = list(entries)
    best: dict[tuple[str, str], E] = {}
    for entry in entries:
        held = best.get(entry.entrant_key)
        if held is None or _classification(entry) < _classification(held):
            best[entry.entrant_key] = entry
    kept = [e for e in entries if best[e.entrant_key] is e]
    return kept, [e for e in entries if best[e.entrant_key] is not e]


def _classification(entry: Entry) -> tuple[bool, int]:
    return (entry.position is None, entry.position or 0)


def entrant_rows(weekend: Weekend) -> EntrantRows:
    """One entrant per (driver, constructor) of the round's race, sprint and qualifying rows. Its car number is
    that of the race row kept (in a shared drive, the better-classified car), else the sprint's, else the
    qualifying's; `"None"` is no number. A row that names no driver or constructor is rejected here."""
    entries: dict[tuple[str, str], Entry] = {}
    numbers: dict[tuple[str, str], int] = {}
    rejected: list[Rejected] = []
    for endpoint in (ep.RESULTS, ep.SPRINT, ep.QUALIFYING):
        valid, bad = validate(Entry, weekend.rows_of(endpoint), endpoint.name)
        rejected += bad
        kept, _ = split_shared_drives(valid)
        for entry in kept:
            entries.setdefault(entry.entrant_key, entry)
            if entry.number is not None:
                numbers.setdefault(entry.entrant_key, entry.number)
    drivers = {row["Slug"]: row for row in map(driver_row, entries.values())}
    teams = {row["Slug"]: row for row in map(team_row, entries.values())}
    entrants = [{"DriverSlug": driver_row(e)["Slug"], "TeamSlug": team_row(e)["Slug"], "CarNumber": numbers.get(key)}
                for key, e in entries.items()]
    return EntrantRows(list(drivers.values()), list(teams.values()), entrants, rejected)
