"""OpenF1's health check: one `/meetings?year=<this year>` request, a single attempt, through the fleet's limit.
"No results", a 429 and the live-session 401 are answers: OpenF1 is reachable."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from workers.errors import RateLimited
from workers.ratelimit import FleetLimiter
from workers.sources.base import Health
from workers.sources.openf1.client import SessionInProgress
from workers.sources.probe import one_request

if TYPE_CHECKING:
    from workers.sources.openf1.source import OpenF1


def health(source: "OpenF1", limiter: FleetLimiter | None, timeout: float) -> Health:
    year = datetime.now(timezone.utc).year

    def ask(client) -> str:
        meetings = client.get("meetings", year=year)
        return f"/meetings?year={year} with {len(meetings)} meetings"
    return one_request(source, limiter, timeout, ask, answers=(RateLimited, SessionInProgress))
