"""A source's health from one cheap request (`Source.health` of OpenF1 and Jolpica): a single attempt, within
`timeout` seconds, through the fleet's limit. A wait for the fleet's next slot is not asked (the limit is in use:
the source is not at fault); a 429, and whatever else the source names, is an answer: it is reachable."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

import redis

from workers.errors import IngestionError, RateLimited, Throttled
from workers.redaction import redact_url
from workers.sources.base import FAILED, OK, Health

if TYPE_CHECKING:
    from workers.http import SourceClient
    from workers.ratelimit import FleetLimiter
    from workers.sources.base import Source


def one_request(source: "Source", limiter: "FleetLimiter | None", timeout: float,
                ask: Callable[["SourceClient"], str],
                answers: tuple[type[Exception], ...] = (RateLimited,)) -> Health:
    """`ask(client)` sends the request and says what came back ("/meetings?year=2026 with 24 meetings")."""
    client = source.client(limiter)
    client.max_attempts, client.connect_timeout, client.read_timeout = 1, timeout, timeout
    base, started = redact_url(source.settings.BASE_URL), time.monotonic()
    try:
        answered = ask(client)
    except Throttled as exc:
        return Health(OK, f"not asked: the fleet's {source.label} limit is in use (next slot in {exc.wait:.1f}s)")
    except answers as exc:
        return Health(OK, f"{base} answers ({exc})")
    except redis.RedisError as exc:
        return Health(FAILED, f"cannot take a slot of the fleet's {source.label} limit: its Redis is unreachable "
                              f"({type(exc).__name__}: {exc})")
    except IngestionError as exc:
        return Health(FAILED, str(exc))
    return Health(OK, f"{base} answered {answered} in {time.monotonic() - started:.2f}s")
