"""The beat schedule, in one place, and the task it sends.

`celery -A tasks beat` (RedBeat: the schedule and a lock live in Redis, so a second beat started by mistake
waits instead of sending everything twice) sends `follow_tick` (tasks/follow.py) every FOLLOW_TICK seconds,
`scheduled_sync_recent` every BEAT_SYNC_RECENT_EVERY seconds, `scheduled_sync_series` every
BEAT_SYNC_SERIES_EVERY seconds and `resume_stalled` (tasks/resume.py) every BEAT_RESUME_EVERY seconds. The recent
sync starts one `sync_recent` run unless the previous scheduled run is still running (a slow run and the next tick
never overlap) or a session runs that locks its source out (OpenF1's free tier: the request would be refused).
Scheduled runs carry `"scheduled": true` in their "SyncRuns" arguments; a running one older than
BEAT_STALE_AFTER (a crashed run) no longer blocks the schedule.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from tasks import app
from tasks.sync import sync_recent, sync_series
from workers import sources
from workers.pipeline import follow, schedule
from workers.settings import Settings, get_settings

log = logging.getLogger("parcferme.schedule")


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Every periodic task, each with the reason it exists and an expiry."""
    every = settings.BEAT_SYNC_RECENT_EVERY
    following = {
        # The season in motion (workers/pipeline/follow.py): statuses from the clock with no request, then the
        # calendar ahead, results once wanted and corrections, each read when due. FOLLOW_TICK=0 turns it off.
        "follow": {
            "task": "follow_tick",
            "schedule": settings.FOLLOW_TICK,
            "options": {"expires": settings.FOLLOW_TICK},  # a tick still queued when the next is due is stale
        },
    } if settings.FOLLOW_TICK > 0 else {}
    return {
        **following,
        # Upstream corrects a weekend after it ends (penalties, disqualifications): re-sync the last few days.
        "sync-recent": {
            "task": "scheduled_sync_recent",
            "schedule": every,
            # auto (and always) = the spoiler rule's default: results only when every selected meeting has ended, so
            # none while a weekend is under way, and its results (with later penalties) for BEAT_RECENT_DAYS after it
            # ends; the follow tick brings each session's sooner with `always`.
            "kwargs": {"days": settings.BEAT_RECENT_DAYS,
                       "include_results": False if settings.BEAT_RESULTS == "never" else None,
                       "stale_after": settings.BEAT_STALE_AFTER},
            "options": {"expires": every},  # a tick still queued when the next one is due is superseded by it
        },
        # The series of The Third Turn the team follows (THIRDTURN_FOLLOWED_SERIES): the newest season each hub
        # lists, at most its hub and season page read again a day (INDEX_REFRESH_AFTER) plus the race pages
        # not landed yet, at the wiki's fleet limit.
        "sync-followed-series": {
            "task": "scheduled_sync_series",
            "schedule": settings.BEAT_SYNC_SERIES_EVERY,
            "kwargs": {"stale_after": settings.BEAT_STALE_AFTER},
            "options": {"expires": settings.BEAT_SYNC_SERIES_EVERY},
        },
        # A step the broker lost (tasks/resume.py) is sent again once its meeting made no progress for
        # `stalled_after` seconds, so no run stays `running` for ever.
        "resume-stalled": {
            "task": "resume_stalled",
            "schedule": settings.BEAT_RESUME_EVERY,
            "options": {"expires": settings.BEAT_RESUME_EVERY},
        },
    }


def start_scheduled_recent(days: int, include_results: bool | None, stale_after: float) -> dict[str, Any]:
    """Under the start lock: skip while a scheduled recent run is running, or while a session runs that locks the
    source out (by its landed schedule), else record one and send it."""
    source = sources.for_season(datetime.now(timezone.utc).year).name
    if source in follow.locked_now():
        return {"started": None, "skipped": f"a session is running: {source} refuses reads until it ends"}
    return schedule.start_scheduled_recent(days, include_results, stale_after, source, _send)


def _send(run_id: str, kwargs: dict[str, Any]) -> None:
    sync_recent.apply_async(kwargs=kwargs, task_id=run_id)


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


def followed_scopes() -> dict[str, list[str]]:
    """The scopes each source of scopes follows (The Third Turn: THIRDTURN_FOLLOWED_SERIES, hub titles), normalised;
    a malformed one is refused by name."""
    return sources.followed_scopes()


def _send_series(run_id: str, kwargs: dict[str, Any]) -> None:
    sync_series.apply_async(kwargs=kwargs, task_id=run_id)


@app.task(name="scheduled_sync_series", ignore_result=True)
def scheduled_sync_series(stale_after=6 * 3600.0):
    """Beat's tick: the newest season of each followed scope (series), unless its previous scheduled run still runs.
    Returns what was started and skipped, by title."""
    outcome: dict[str, dict[str, str]] = {"started": {}, "skipped": {}}
    followed = {source: titles for source, titles in followed_scopes().items() if titles}
    if not followed:
        log.info("scheduled sync_series: no series followed (every source's followed setting is empty)")
    for source, titles in followed.items():
        found = schedule.start_scheduled_series(titles, stale_after, source, _send_series)
        outcome["started"].update(found["started"])
        outcome["skipped"].update(found["skipped"])
    for title, run_id in outcome["started"].items():
        log.info("scheduled sync_series started %s as run %s", title, run_id)
    for title, why in outcome["skipped"].items():
        log.info("scheduled sync_series skipped %s: %s", title, why)
    return outcome
