"""Per-process resources of the pipeline, created on first use (never at import): one HTTP client and one fleet
limiter per source, and the schema check."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from functools import lru_cache

import redis

from workers.db import connection
from workers.db.schema import check_schema
from workers.http import SourceClient
from workers.ratelimit import FleetLimiter, parse_rates
from workers.settings import get_settings
from workers.sources.base import Source

_clients: dict[str, SourceClient] = {}
_schema_checked = False
_lock = threading.Lock()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def client(source: Source) -> SourceClient:
    with _lock:
        if source.name not in _clients:
            _clients[source.name] = source.client(fleet_limiter(source))
        return _clients[source.name]


@lru_cache(maxsize=1)
def shared_redis() -> redis.Redis:
    """The broker's Redis, where the fleet keeps what it shares (limits, locks)."""
    return redis.Redis.from_url(get_settings().REDIS_URL)


def fleet_limiter(source: Source) -> FleetLimiter | None:
    """The source's fleet-wide limit (in the broker's Redis), or None when its RATE_LIMIT is off."""
    settings = source.settings
    rates = parse_rates(settings.RATE_LIMIT, f"{settings.model_config.get('env_prefix', '')}RATE_LIMIT")
    if not rates:
        return None
    return FleetLimiter(shared_redis(), rates, source=source.name, grace=settings.RATE_GRACE,
                        spacing=settings.RATE_SPACING, max_sleep=settings.RATE_MAX_SLEEP)


def begin_task(source: Source | None) -> None:
    """Start of a task execution: its client numbers its slots from one again."""
    if source is not None:
        client(source).begin()


def note_throttle(source: Source | None, task_id: str) -> int:
    """Count a wait of this task for a slot of its source, or for its source's lock-out to end (kept a day in the
    fleet's Redis, whatever worker runs it next): such waits never spend the error-retry budget."""
    if source is None:
        return 0
    key = _waits_key(source, task_id)
    count = shared_redis().incr(key)
    shared_redis().expire(key, 86400)
    return int(count)


def first_slot_at(source: Source | None) -> float | None:
    """When (time.monotonic()) the running task execution first asked its source for a slot, if it did."""
    return client(source).first_slot_at if source is not None else None


def throttles_of(source: Source | None, task_id: str) -> int:
    return int(shared_redis().get(_waits_key(source, task_id)) or 0) if source is not None else 0


def _waits_key(source: Source, task_id: str) -> str:
    return f"parcferme:{source.name}:throttles:{task_id}"


def ensure_schema() -> None:
    """Check the required indexes once per process; SchemaMissing tells the operator to run the migrations."""
    global _schema_checked
    if not _schema_checked:
        with connection() as conn:
            check_schema(conn)
        _schema_checked = True
