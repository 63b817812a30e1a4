"""The beat schedule, in one place, and the task it sends.

`celery -A tasks beat` (RedBeat: the schedule and a lock live in Redis, so a second beat started by mistake
waits instead of sending everything twice) sends `scheduled_sync_recent` every BEAT_SYNC_RECENT_EVERY
seconds, and `resume_stalled` (tasks/resume.py) every BEAT_RESUME_EVERY seconds. The first starts one
`sync_recent` run unless the previous scheduled run is still running, so a slow run and the next tick never
overlap. Scheduled runs carry `"scheduled": true` in their "SyncRuns" arguments; a running one older than
BEAT_STALE_AFTER (a crashed run) no longer blocks the schedule.
"""

from __future__ import annotations

import logging
import uuid
from functools import lru_cache
from typing import Any

import redis

from tasks import app
from tasks.sync import describe, sync_recent
from workers import pipeline
from workers.db import connection, runs
from workers.settings import Settings, get_settings

log = logging.getLogger("parcferme.schedule")

MARKER = {"scheduled": True}
START_LOCK = "parcferme:beat:sync_recent:start"
START_LOCK_TIMEOUT = 60  # seconds; the check-and-start takes milliseconds, a crashed holder frees it by then


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Every periodic task, each with the reason it exists and an expiry."""
    every = settings.BEAT_SYNC_RECENT_EVERY
    return {
        # Upstream corrects a weekend after it ends (penalties, disqualifications): re-sync the last few days.
        "sync-recent": {
            "task": "scheduled_sync_recent",
            "schedule": every,
            # auto = SPEC §3's default: results only when every selected meeting has ended, so none while a
            # weekend is under way, and its results (with later penalties) for BEAT_RECENT_DAYS after it ends.
            "kwargs": {"days": settings.BEAT_RECENT_DAYS,
                       "include_results": None if settings.BEAT_RESULTS == "auto" else False,
                       "stale_after": settings.BEAT_STALE_AFTER},
            "options": {"expires": every},  # a tick still queued when the next one is due is superseded by it
        },
        # A step the broker lost (tasks/resume.py) is sent again once its meeting made no progress for
        # `stalled_after` seconds, so no run stays `running` for ever.
        "resume-stalled": {
            "task": "resume_stalled",
            "schedule": settings.BEAT_RESUME_EVERY,
            "options": {"expires": settings.BEAT_RESUME_EVERY},
        },
    }


@lru_cache(maxsize=1)
def _redis() -> redis.Redis:
    return redis.Redis.from_url(get_settings().REDIS_URL)  # per process, on first use


def running_scheduled_run(kind: str, stale_after: float) -> tuple[str, float] | None:
    """(run id, age in seconds) of the newest scheduled run of `kind` still running, ignoring stale ones."""
    with connection() as conn:
        return runs.running_scheduled_run(conn, kind, stale_after)


def start_scheduled_recent(days: int, include_results: bool | None, stale_after: float) -> dict[str, Any]:
    """Under a Redis lock: skip while a scheduled recent run is running, else record and send a new one."""
    days = pipeline.validate_days(days)
    include_results = pipeline.validate_include_results(include_results)
    lock = _redis().lock(START_LOCK, timeout=START_LOCK_TIMEOUT)
    if not lock.acquire(blocking=False):
        return {"started": None, "skipped": "another tick is starting a run"}
    try:
        running = running_scheduled_run("recent", stale_after)
        if running:
            return {"started": None, "skipped": "previous scheduled run still running",
                    "running": running[0], "running_for": round(running[1], 1)}
        return {"started": _start(days, include_results)}
    finally:
        lock.release()


def _start(days: int, include_results: bool | None) -> str:
    """Record the run first (sync_recent's own start_run then keeps these arguments), then send it."""
    run_id = str(uuid.uuid4())
    arguments = {"days": days, "include_results": include_results, **MARKER}
    with connection() as conn:
        runs.start_run(conn, run_id, "recent", arguments)
    try:
        sync_recent.apply_async(kwargs={"days": days, "include_results": include_results, "run_id": run_id},
                                task_id=run_id)
    except Exception as exc:  # the row must not block the schedule until it goes stale
        pipeline.fail_run(run_id, "recent", arguments, f"not sent: {describe(exc)}")
        raise
    return run_id


@app.task(name="scheduled_sync_recent", ignore_result=True)
def scheduled_sync_recent(days=3, include_results=None, stale_after=6 * 3600.0):
    """Beat's tick: start sync_recent unless the previous scheduled run is still running (then say why)."""
    outcome = start_scheduled_recent(days, include_results, stale_after)
    if outcome["started"]:
        log.info("scheduled sync_recent started as run %s (days=%s, include_results=%s)",
                 outcome["started"], days, include_results)
    else:
        log.info("scheduled sync_recent skipped: %s %s", outcome["skipped"],
                 {k: v for k, v in outcome.items() if k in ("running", "running_for")})
    return outcome


app.conf.beat_schedule = beat_schedule(get_settings())
