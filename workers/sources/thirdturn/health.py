"""The Third Turn's health check: whether the crawler may read the wiki. A contact and a limit for the live wiki,
and its robots.txt (the fleet's copy, else one request through the fleet's limit) allowing a hub page to our
User-Agent. A deployment that names no contact and follows no series does not crawl the live wiki at all: the
wiki is then not configured, and a Formula-1-only deployment's health check passes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import redis

from workers.errors import IngestionError
from workers.hosts import is_loopback_url
from workers.ratelimit import FleetLimiter
from workers.redaction import redact_url
from workers.sources.base import FAILED, NOT_CONFIGURED, OK, Health
from workers.sources.thirdturn.client import page_target

if TYPE_CHECKING:
    from workers.sources.thirdturn.source import ThirdTurn

HUB = "NASCAR_Cup_Series_Central"  # a hub page robots.txt must allow


def health(source: "ThirdTurn", limiter: FleetLimiter | None, timeout: float) -> Health:
    settings = source.settings
    try:
        followed = source.followed_scopes()
    except IngestionError as exc:
        return Health(FAILED, f"THIRDTURN_FOLLOWED_SERIES: {exc}")
    if not settings.CONTACT.strip() and not followed and not is_loopback_url(settings.BASE_URL):
        return Health(NOT_CONFIGURED, "no THIRDTURN_CONTACT and no THIRDTURN_FOLLOWED_SERIES: this deployment does "
                                      "not crawl the wiki")
    client = source.client(limiter)
    client.max_attempts, client.connect_timeout, client.read_timeout = 1, timeout, timeout
    try:
        client.require_manners()
        if not client.robots().can_fetch(client.agent, f"{client.base_url}/{page_target(HUB)}"):
            return Health(FAILED, f"robots.txt of {redact_url(client.base_url)} disallows its pages to "
                                  f"{client.agent!r}: nothing can be crawled")
    except redis.RedisError as exc:
        return Health(FAILED, f"cannot read the fleet's copy of robots.txt: its Redis is unreachable "
                              f"({type(exc).__name__}: {exc})")
    except IngestionError as exc:
        return Health(FAILED, str(exc))
    return Health(OK, f"{redact_url(client.base_url)} robots.txt allows its pages to {client.agent!r}; "
                      f"limit {settings.RATE_LIMIT}")
