"""Pydantic models of Jolpica-F1 (Ergast API) payloads (docs/sources/jolpica.md), tolerant of what the API sends.

Every value arrives as a string: `round`, `position`, `points`, `grid`, `laps`, and `number`, which is the text
`"None"` when Jolpica has no car number (its serializer writes `str(None)`); a qualifying segment without a time
is `""`. Unknown fields are ignored. Result rows are validated one by one (`validate`), so one bad row is
quarantined with the fields at fault and never sinks its race or page.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any, Iterable

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from workers.rows import Rejected

_UTC = timezone.utc
_LAP_TIME = re.compile(r"^(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d+)?)$")


def _absent(value: Any) -> Any:
    """Jolpica's ways of saying "no value": null, `""` and the text `"None"`."""
    if isinstance(value, str) and value.strip() in ("", "None"):
        return None
    return value


def _lap_time(value: Any) -> Any:
    """`1:24.408`, `58.123` or `1:02:03.456` → a timedelta; anything else is left for pydantic to refuse."""
    value = _absent(value)
    if not isinstance(value, str):
        return value
    match = _LAP_TIME.match(value.strip())
    if match is None:
        return value
    first, second, seconds = match.groups()
    hours, minutes = (first, second) if second is not None else (None, first)
    return timedelta(hours=int(hours or 0), minutes=int(minutes or 0), seconds=float(seconds))


OptionalInt = Annotated[int | None, BeforeValidator(_absent)]
OptionalFloat = Annotated[float | None, BeforeValidator(_absent)]
OptionalText = Annotated[str | None, BeforeValidator(_absent)]
LapTime = Annotated[timedelta | None, BeforeValidator(_lap_time)]
Name = Annotated[str, Field(min_length=1)]


class JolpicaRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Page(JolpicaRecord):
    """One landed answer: its paging (`limit`, `offset`, `total` count result rows, not races) and its races,
    kept as received (each validated where it is used)."""

    limit: int = Field(ge=0)
    offset: int = Field(ge=0)
    total: int = Field(ge=0)
    races: list[Any] = Field(default_factory=list)


class Location(JolpicaRecord):
    lat: OptionalFloat = None
    long: OptionalFloat = None
    locality: OptionalText = None
    country: OptionalText = None


class Circuit(JolpicaRecord):
    circuit_id: Name = Field(alias="circuitId")
    name: Name = Field(alias="circuitName")
    location: Location = Field(default_factory=Location, alias="Location")


class ScheduledSession(JolpicaRecord):
    """A session as the schedule lists it: a date, and from some season on a UTC time (`15:00:00Z`). Jolpica
    writes each part only when it knows it, so a session may come without a date: it is then not used."""

    day: date | None = Field(None, alias="date")
    at: time | None = Field(None, alias="time")


class Race(JolpicaRecord):
    """A race of the schedule (`/{season}.json`), or the race heading a page of results."""

    season: int
    round: int = Field(ge=1)
    name: Name = Field(alias="raceName")
    circuit: Circuit = Field(alias="Circuit")
    day: date = Field(alias="date")
    at: time | None = Field(None, alias="time")
    first_practice: ScheduledSession | None = Field(None, alias="FirstPractice")
    second_practice: ScheduledSession | None = Field(None, alias="SecondPractice")
    third_practice: ScheduledSession | None = Field(None, alias="ThirdPractice")
    qualifying: ScheduledSession | None = Field(None, alias="Qualifying")
    sprint: ScheduledSession | None = Field(None, alias="Sprint")

    @property
    def key(self) -> str:
        return round_key(self.season, self.round)


class Driver(JolpicaRecord):
    driver_id: Name = Field(alias="driverId")
    given_name: Name = Field(alias="givenName")
    family_name: Name = Field(alias="familyName")
    code: OptionalText = None
    nationality: OptionalText = None


class Constructor(JolpicaRecord):
    constructor_id: Name = Field(alias="constructorId")
    name: Name
    nationality: OptionalText = None


class Entry(JolpicaRecord):
    """What every result row says about its car: the driver, the constructor, the number (`"None"`: none) and
    its place in the classification (`position`: the order, also for a car that was not classified)."""

    number: OptionalInt = None
    position: OptionalInt = None
    driver: Driver = Field(alias="Driver")
    constructor: Constructor = Field(alias="Constructor")

    @property
    def entrant_key(self) -> tuple[str, str]:
        return (self.driver.driver_id, self.constructor.constructor_id)


class FinishTime(JolpicaRecord):
    millis: OptionalInt = None


class FastestLap(JolpicaRecord):
    rank: OptionalText = None


class RaceResult(Entry):
    """A row of `Results` or `SprintResults`: `positionText` says whether the car was classified (a number) or why
    not (R, D, E, W, F, N)."""

    position_text: Name = Field(alias="positionText")
    points: OptionalFloat = None
    grid: OptionalInt = None
    laps: OptionalInt = None
    status: OptionalText = None
    finish_time: FinishTime | None = Field(None, alias="Time")
    fastest_lap: FastestLap | None = Field(None, alias="FastestLap")


class QualifyingResult(Entry):
    q1: LapTime = Field(None, alias="Q1")
    q2: LapTime = Field(None, alias="Q2")
    q3: LapTime = Field(None, alias="Q3")


def round_key(season: int | str, round_number: int | str) -> str:
    """A round's key in Jolpica (docs/identity.md): `{season}/{round}`."""
    return f"{season}/{round_number}"


def starts_at(day: date, at: time | None) -> datetime:
    """A date and an optional UTC time → an aware datetime; a date without a time is 00:00 UTC."""
    clock = (at or time(0)).replace(tzinfo=None)
    offset = at.utcoffset() if at is not None and at.tzinfo is not None else None
    return datetime.combine(day, clock, tzinfo=_UTC) - (offset or timedelta(0))


def validate(model: type[JolpicaRecord], records: Iterable[Any], endpoint: str) -> tuple[list[Any], list[Rejected]]:
    """Valid records as models; each invalid one rejected with the fields at fault, as received."""
    valid: list[Any] = []
    rejected: list[Rejected] = []
    for record in records:
        payload = record if isinstance(record, dict) else {"value": record}
        try:
            valid.append(model.model_validate(payload))
        except ValidationError as exc:
            rejected.append(Rejected(endpoint, reason(exc), payload))
    return valid, rejected


def reason(exc: ValidationError) -> str:
    parts = [f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors()]
    return "invalid record: " + "; ".join(parts)
