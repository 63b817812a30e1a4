"""Pydantic models of OpenF1 payloads, one per endpoint, tolerant of the drift docs/sources/openf1.md lists.

Unknown fields are ignored; fields that change type (`points` int or float, `duration` a number or a
list of three, `gap_to_leader` number / "+1 LAP" / list / null) get shared annotated types.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


Number = Annotated[float | None, BeforeValidator(_blank_to_none)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]
# `duration` is a number, null, or (qualifying) a list of up to three segment times (null: not set). Elements are
# left to pydantic's float parsing, so a time sent as text is kept and anything else rejects the record.
NumberOrSegments = Union[float, list[float | None], None]
Gap = Union[float, str, list[Any], None]


class OpenF1Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Meeting(OpenF1Record):
    meeting_key: int
    year: int
    meeting_name: str
    meeting_official_name: OptionalText = None
    circuit_short_name: str
    location: OptionalText = None
    country_name: OptionalText = None
    country_code: OptionalText = None
    circuit_image: OptionalText = None
    date_start: datetime
    date_end: datetime | None = None
    is_cancelled: bool | None = None


class Session(OpenF1Record):
    session_key: int
    meeting_key: int
    session_name: str
    session_type: OptionalText = None
    date_start: datetime
    date_end: datetime
    year: int | None = None
    circuit_short_name: OptionalText = None
    location: OptionalText = None
    country_name: OptionalText = None
    country_code: OptionalText = None
    is_cancelled: bool | None = None


class Driver(OpenF1Record):
    """A `/drivers` row: one driver in one session. Rows without a name or team are not entrants."""

    session_key: int
    meeting_key: int
    driver_number: int
    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    team_name: str = Field(min_length=1)
    name_acronym: OptionalText = None
    country_code: OptionalText = None
    headshot_url: OptionalText = None
    team_colour: OptionalText = None

    @field_validator("first_name", "last_name", "team_name", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


class SessionResult(OpenF1Record):
    session_key: int
    meeting_key: int
    driver_number: int
    position: int | None = None
    number_of_laps: int | None = None
    points: Number = None
    duration: NumberOrSegments = None
    gap_to_leader: Gap = None
    dnf: bool | None = False
    dns: bool | None = False
    dsq: bool | None = False


class StartingGrid(OpenF1Record):
    session_key: int
    meeting_key: int
    driver_number: int
    position: int | None = None
