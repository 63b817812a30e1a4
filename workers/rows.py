"""What every source maps its records to: the API's enums (docs/data-model.md), slugs, and the containers of rows and
rejected records that the pipeline writes. Pure: no I/O."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Iterable


class SessionType(IntEnum):
    FP1 = 0
    FP2 = 1
    FP3 = 2
    QUALIFYING = 3
    SPRINT_QUALIFYING = 4
    SPRINT = 5
    RACE = 6
    TESTING = 7


class SessionStatus(IntEnum):
    SCHEDULED = 0
    IN_PROGRESS = 1
    COMPLETED = 2
    CANCELLED = 3
    DELAYED = 4


# A session status as the API names it (its C# enum), for what the app reads: "SessionChanges" rows.
STATUS_NAMES = {SessionStatus.SCHEDULED: "Scheduled", SessionStatus.IN_PROGRESS: "InProgress",
                SessionStatus.COMPLETED: "Completed", SessionStatus.CANCELLED: "Cancelled",
                SessionStatus.DELAYED: "Delayed"}


class ResultStatus(IntEnum):
    FINISHED = 0
    DNF = 1
    DNS = 2
    DSQ = 3
    NC = 4


# A row may carry the identity its source gives it (docs/identity.md) under this key; the upserts ignore it and the
# writer registers it in "SourceIdentities" against the row's id.
SOURCE_KEY = "_source_key"
# A session row may carry when it ends, as its source publishes it, under this key: the writer keeps it in
# "SessionTimes", and the session's status then follows the clock (docs/season-in-motion.md).
SESSION_END = "_end"


@dataclass(frozen=True)
class NaturalKey:
    """A column of the API's schema (docs/data-model.md) that holds a source's own key of a row, unique in its table:
    the writer upserts the source's rows on it, and the audit names rows by it."""

    column: str  # "OpenF1SessionKey"
    name: str  # what a finding calls it: "OpenF1 meeting key"
    noun: str  # the word before its value in a finding's line: "meeting", "session"


@dataclass(frozen=True)
class NaturalKeys:
    """The natural-key columns a source fills in its rounds and sessions. None by default: such a source's rows are
    found by their identity ("SourceIdentities", docs/identity.md), and the columns stay NULL."""

    round: NaturalKey | None = None
    session: NaturalKey | None = None


class MappingError(ValueError):
    """A record that cannot become a row; it is quarantined with this message as the reason."""


@dataclass(frozen=True)
class Rejected:
    """A record set aside with the reason, as received."""

    endpoint: str
    reason: str
    payload: dict[str, Any]


@dataclass
class Mapped:
    """Rows for one table group plus the records that were rejected on the way."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


@dataclass
class RoundRows:
    """A round with its series, season, circuit and sessions, as one step writes them."""

    series: dict[str, Any]
    year: int
    circuit: dict[str, Any]
    round: dict[str, Any]
    sessions: list[dict[str, Any]]
    rejected: list[Rejected] = field(default_factory=list)
    season_key: str | None = None  # the season's identity in its source (a wiki's season page), if it has one


@dataclass
class EntrantRows:
    drivers: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    entrants: list[dict[str, Any]]  # DriverSlug, TeamSlug, CarNumber
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class SessionInfo:
    """A session of the round as the results step sees it: its row, its source key, type and status."""

    id: Any
    source_key: str | None
    type: SessionType
    status: SessionStatus


@dataclass(frozen=True)
class EntrantInfo:
    """An entrant of the round as the results step sees it: its row, its car number, and the keys this source
    gave its driver and its team (None where the source registered none), so a source can match a result by
    number or by its own identities."""

    id: Any
    car_number: int | None
    driver_key: str | None = None
    team_key: str | None = None


def entrants_by_car_number(entrants: Iterable[EntrantInfo]) -> dict[int, Any]:
    """Car number → entrant; a number shared by two entrants maps to none (ambiguous)."""
    ids: dict[int, set[Any]] = {}
    for entrant in entrants:
        if entrant.car_number is not None:
            ids.setdefault(entrant.car_number, set()).add(entrant.id)
    return {number: next(iter(found)) for number, found in ids.items() if len(found) == 1}


def slugify(text: str) -> str:
    """Lower-case ASCII, accents stripped, every run of other characters one hyphen."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
