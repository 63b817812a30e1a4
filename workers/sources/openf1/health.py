"""OpenF1's health check: one `/meetings?year=<this year>` request, a single attempt, through the fleet's limit.
"No results", a 429 and the live-session 401 are answers: OpenF1 is reachable."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import redis

from workers.errors import IngestionError, RateLimited, Throttled
from workers.ratelimit import FleetLimiter
from workers.redaction import redact_url
from workers.sources.base import FAILED, OK, Health
from workers.sources.openf1.client import SessionInProgress

if TYPE_CHECKING:
    from workers.sources.openf1.source import OpenF1


def health(source: "OpenF1", limiter: FleetLimiter | None, timeout: float) -> Health:
    client = source.client(limiter)
    client.max_attempts, client.connect_timeout, client.read_timeout = 1, timeout, timeout
    base, year, started = redact_url(source.settings.BASE_URL), datetime.now(timezone.utc).year, time.monotonic()
    try:
        meetings = client.get("meetings", year=year)
    except Throttled as exc:
        return Health(OK, f"not asked: the fleet's OpenF1 limit is in use (next slot in {exc.wait:.1f}s)")
    except (RateLimited, SessionInProgress) as exc:
        return Health(OK, f"{base} answers ({exc})")
    except redis.RedisError as exc:
        return Health(FAILED, f"cannot take a slot of the fleet's OpenF1 limit: its Redis is unreachable "
                              f"({type(exc).__name__}: {exc})")
    except IngestionError as exc:
        return Health(FAILED, str(exc))
    return Health(OK, f"{base} answered /meetings?year={year} with {len(meetings)} meetings "
                      f"in {time.monotonic() - started:.2f}s")
