"""Jolpica's health check: the first page of its first season's schedule (`/{FIRST_YEAR}.json`), a single attempt,
through the fleet's limit (one request of the 500 an hour). A 429 is an answer: Jolpica is reachable."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import redis

from workers.errors import IngestionError, RateLimited, Throttled
from workers.ratelimit import FleetLimiter
from workers.redaction import redact_url
from workers.sources.base import FAILED, OK, Health
from workers.sources.jolpica import endpoints as ep

if TYPE_CHECKING:
    from workers.sources.jolpica.source import Jolpica


def health(source: "Jolpica", limiter: FleetLimiter | None, timeout: float) -> Health:
    client = source.client(limiter)
    client.max_attempts, client.connect_timeout, client.read_timeout = 1, timeout, timeout
    request = ep.page_request(ep.SCHEDULE, source.first_year(), 0)
    base, started = redact_url(source.settings.BASE_URL), time.monotonic()
    try:
        page = ep.decode_page(request.endpoint, client.fetch(request.key))
    except Throttled as exc:
        return Health(OK, f"not asked: the fleet's Jolpica limit is in use (next slot in {exc.wait:.1f}s)")
    except RateLimited as exc:
        return Health(OK, f"{base} answers ({exc})")
    except redis.RedisError as exc:
        return Health(FAILED, f"cannot take a slot of the fleet's Jolpica limit: its Redis is unreachable "
                              f"({type(exc).__name__}: {exc})")
    except IngestionError as exc:
        return Health(FAILED, str(exc))
    return Health(OK, f"{base} answered /{request.key} with {len(page.races)} races "
                      f"in {time.monotonic() - started:.2f}s")
