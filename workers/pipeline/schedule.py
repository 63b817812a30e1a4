"""Beat's recent sync, never two at once: under a Redis lock, skip while a scheduled recent run is still running,
else record a new run and send it. Scheduled runs carry `"scheduled": true` in their "SyncRuns" arguments; a
running one older than BEAT_STALE_AFTER (a crashed run) no longer blocks the schedule."""

from __future__ import annotations

import uuid
from typing import Any, Callable

from workers.db import connection, runs
from workers.pipeline.arguments import validate_days, validate_include_results
from workers.pipeline.ledger import fail_run
from workers.pipeline.resources import shared_redis

MARKER = {"scheduled": True}
START_LOCK = "parcferme:beat:sync_recent:start"
START_LOCK_TIMEOUT = 60  # seconds; the check-and-start takes milliseconds, a crashed holder frees it by then


def running_scheduled_run(kind: str, stale_after: float, matching: dict[str, Any] | None = None
                          ) -> tuple[str, float] | None:
    """(run id, age in seconds) of the newest scheduled run of `kind` still running, ignoring stale ones."""
    with connection() as conn:
        return runs.running_scheduled_run(conn, kind, stale_after, matching)


def start_scheduled_recent(days: int, include_results: bool | None, stale_after: float, source: str,
                           send: Callable[[str, dict[str, Any]], None]) -> dict[str, Any]:
    """Under a Redis lock: skip while a scheduled recent run is running, else record one and `send(run_id, kwargs)`."""
    days = validate_days(days)
    include_results = validate_include_results(include_results)
    lock = shared_redis().lock(START_LOCK, timeout=START_LOCK_TIMEOUT)
    if not lock.acquire(blocking=False):
        return {"started": None, "skipped": "another tick is starting a run"}
    try:
        running = running_scheduled_run("recent", stale_after)
        if running:
            return {"started": None, "skipped": "previous scheduled run still running",
                    "running": running[0], "running_for": round(running[1], 1)}
        return {"started": _start(days, include_results, source, send)}
    finally:
        lock.release()


def _start(days: int, include_results: bool | None, source: str, send: Callable[[str, dict[str, Any]], None]) -> str:
    return _start_run("recent", source, {"days": days, "include_results": include_results, **MARKER},
                      {"days": days, "include_results": include_results}, send)


SERIES_START_LOCK = "parcferme:beat:sync_series:start"


def start_scheduled_series(series: list[str], stale_after: float, source: str,
                           send: Callable[[str, dict[str, Any]], None]) -> dict[str, Any]:
    """Under a Redis lock: for each series `source` follows (its titles, normalised), start a sync of its newest
    season unless a scheduled one of that series is still running. Returns what was started and what was skipped."""
    lock = shared_redis().lock(SERIES_START_LOCK, timeout=START_LOCK_TIMEOUT)
    if not lock.acquire(blocking=False):
        return {"started": {}, "skipped": {"*": "another tick is starting runs"}}
    started, skipped = {}, {}
    try:
        for title in series:
            running = running_scheduled_run("series", stale_after, {"series": title})
            if running:
                skipped[title] = f"previous scheduled run {running[0]} still running"
                continue
            arguments = {"series": title, "season": "latest", "include_results": None, "source": source, **MARKER}
            started[title] = _start_run("series", source, arguments,
                                        {"title": title, "season": "latest", "include_results": None,
                                         "source": source}, send)
        return {"started": started, "skipped": skipped}
    finally:
        lock.release()


def _start_run(kind: str, source: str, arguments: dict[str, Any], kwargs: dict[str, Any],
               send: Callable[[str, dict[str, Any]], None]) -> str:
    """Record the run first (the dispatcher's own start_run then keeps these arguments), then send it."""
    run_id = str(uuid.uuid4())
    with connection() as conn:
        runs.start_run(conn, run_id, kind, source, arguments)
    try:
        send(run_id, {**kwargs, "run_id": run_id})
    except Exception as exc:  # the row must not block the schedule until it goes stale
        fail_run(run_id, kind, source, arguments, f"not sent: {type(exc).__name__}")
        raise
    return run_id
