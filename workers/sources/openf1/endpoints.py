"""OpenF1 endpoints as data: one frozen spec each, and one validation path that quarantines bad records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from pydantic import ValidationError

from workers.rows import Rejected
from workers.sources.openf1.models import Driver, Meeting, OpenF1Record, Session, SessionResult, StartingGrid


@dataclass(frozen=True)
class Endpoint:
    path: str
    model: type[OpenF1Record]
    spoiler: bool = False  # True: never requested when results are excluded (the spoiler rule)


MEETINGS = Endpoint("meetings", Meeting)
SESSIONS = Endpoint("sessions", Session)
DRIVERS = Endpoint("drivers", Driver)
SESSION_RESULT = Endpoint("session_result", SessionResult, spoiler=True)
STARTING_GRID = Endpoint("starting_grid", StartingGrid, spoiler=True)


def validate(endpoint: Endpoint, records: Iterable[Any]) -> tuple[list[Any], list[Rejected]]:
    """Valid records as models; each invalid one rejected with the fields at fault (never the whole response)."""
    valid: list[Any] = []
    rejected: list[Rejected] = []
    for record in records:
        payload = record if isinstance(record, dict) else {"value": record}
        try:
            valid.append(endpoint.model.model_validate(payload))
        except ValidationError as exc:
            rejected.append(Rejected(endpoint.path, _reason(exc), payload))
    return valid, rejected


def _reason(exc: ValidationError) -> str:
    parts = [f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors()]
    return "invalid record: " + "; ".join(parts)
