"""The whole canvas, top to bottom: season (or recent days) → one sync_meeting per meeting →
chain(sessions, entrants, [results], finish). Tasks are thin: keys in, one `workers` call, a small
JSON summary out (counts only, never a result value)."""

from __future__ import annotations

import logging
import random
import time
from typing import Any

from celery import Task, chain, group
from celery.signals import worker_process_init, worker_process_shutdown

from tasks import app
from workers import pipeline
from workers.db import close_pool, get_pool
from workers.errors import IngestionError, RetryableError, SessionInProgress
from workers.ratelimit import Throttled, current_owner
from workers.settings import get_settings

log = logging.getLogger("parcferme.tasks")


def retry_countdown(exc: RetryableError, retries: int) -> float:
    """Retry-After when upstream gave one; a live-session lock-out waits OPENF1_LIVE_RETRY_SECONDS;
    else exponential backoff with full jitter (capped at 10 minutes)."""
    if exc.retry_after is not None:
        return exc.retry_after
    if isinstance(exc, SessionInProgress):
        return get_settings().OPENF1_LIVE_RETRY_SECONDS
    return random.uniform(0.5, 1.0) * min(600.0, 2.0 ** (retries + 1))


def bounded(countdown: float) -> float:
    """A countdown past the Redis visibility timeout would be delivered again and again: stay well inside it
    (a throttled task that comes back early finds its slot still reserved and waits again)."""
    return min(countdown, 0.8 * get_settings().REDIS_VISIBILITY_TIMEOUT)


def describe(exc: BaseException) -> str:
    """An error as the run table and logs show it: our own messages carry no secret and no result value."""
    if isinstance(exc, IngestionError):
        return f"{type(exc).__name__}: {exc}"
    return f"{type(exc).__name__}"


# A throttled task comes back this much before its slot, so it starts on time.
THROTTLE_LEAD = 0.2


class SyncTask(Task):
    """Retryable errors come back later with a finite budget; waits for an OpenF1 slot come back at the
    slot without spending that budget; anything else fails once, reported."""

    max_retries = get_settings().TASK_MAX_RETRIES

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        owner = current_owner.set(self.request.id)
        pipeline.client().begin()
        try:
            outcome = super().__call__(*args, **kwargs)
        except Throttled as exc:
            throttles = pipeline.note_throttle(self.request.id)
            log.info("%s throttled %s: again in %.1fs (throttle %d)", self.name, kwargs, exc.wait, throttles)
            pipeline.count_retry(self.run_id(kwargs), kwargs.get("meeting_key"), throttle=True)
            raise self.retry(exc=exc, countdown=bounded(max(0.0, exc.wait - THROTTLE_LEAD)),
                             max_retries=self.request.retries + 1)
        except RetryableError as exc:
            budget = get_settings().TASK_MAX_RETRIES + pipeline.throttles_of(self.request.id)
            if self.request.retries < budget:
                pipeline.count_retry(self.run_id(kwargs), kwargs.get("meeting_key"), throttle=False)
            raise self.retry(exc=exc, countdown=bounded(retry_countdown(exc, self.request.retries)), max_retries=budget)
        finally:
            current_owner.reset(owner)
        log.info("%s ok %s in %.2fs", self.name, outcome, time.monotonic() - started)
        return outcome

    def run_id(self, kwargs: dict) -> str | None:
        return kwargs.get("run_id")

    def on_failure(self, exc, task_id, args, kwargs, einfo):  # noqa: D102
        log.error("%s failed for %s: %s", self.name, {k: v for k, v in kwargs.items()}, describe(exc))
        try:
            self.record_failure(exc, task_id, args, kwargs)
        except Exception as err:  # the database itself may be the failure
            log.error("%s could not record its failure: %s", self.name, describe(err))

    def record_failure(self, exc, task_id, args, kwargs) -> None:
        pipeline.finish_meeting(kwargs.get("run_id"), kwargs.get("meeting_key"), error=describe(exc))


class DispatchTask(SyncTask):
    """A dispatcher's failure marks its run failed (the run id is the dispatcher's task id)."""

    kind = "season"

    def run_id(self, kwargs: dict) -> str | None:
        return kwargs.get("run_id") or self.request.id

    def record_failure(self, exc, task_id, args, kwargs) -> None:
        arguments = {"args": list(args), **{k: v for k, v in kwargs.items() if k != "run_id"}}
        pipeline.fail_run(kwargs.get("run_id") or task_id, self.kind, arguments, describe(exc))


@worker_process_init.connect
def _open_resources(**_: Any) -> None:
    get_pool()


@worker_process_shutdown.connect
def _close_resources(**_: Any) -> None:
    close_pool()


def meeting_chain(run_id: str | None, meeting_key: int, include_results: bool) -> chain:
    keys = {"run_id": run_id, "meeting_key": meeting_key}
    steps = [sync_sessions.si(**keys), sync_entrants.si(**keys)]
    if include_results:
        steps.append(sync_results.si(**keys))
    steps.append(finish_meeting.si(**keys))
    return chain(*steps)


def fan_out(plan: pipeline.Plan) -> dict[str, Any]:
    if plan.meeting_keys:
        group(sync_meeting.si(meeting_key=k, include_results=plan.include_results, run_id=plan.run_id)
              for k in plan.meeting_keys).apply_async()
    return {"run_id": plan.run_id, "meetings": len(plan.meeting_keys), "include_results": plan.include_results,
            "requests": plan.requests, "quarantined": plan.quarantined}


@app.task(name="sync_season", bind=True, base=DispatchTask)
def sync_season(self, year, include_results=None, run_id=None):
    """Sync one season: read its meetings, then one sync_meeting per meeting."""
    year = pipeline.validate_year(year)
    include_results = pipeline.validate_include_results(include_results)
    plan = pipeline.plan_season(run_id or self.request.id, year, include_results, pipeline.utcnow())
    return fan_out(plan)


class RecentDispatchTask(DispatchTask):
    kind = "recent"


@app.task(name="sync_recent", bind=True, base=RecentDispatchTask)
def sync_recent(self, days=7, include_results=None, run_id=None):
    """Sync the meetings of the last `days` days (results only as SPEC §3 allows)."""
    days = pipeline.validate_days(days)
    include_results = pipeline.validate_include_results(include_results)
    plan = pipeline.plan_recent(run_id or self.request.id, days, include_results, pipeline.utcnow())
    return fan_out(plan)


@app.task(name="sync_meeting", bind=True, base=SyncTask)
def sync_meeting(self, meeting_key, include_results=False, run_id=None):
    """Chain the meeting's steps; the results step exists only when results are included."""
    meeting_chain(run_id, int(meeting_key), bool(include_results)).apply_async()
    return {"meeting_key": meeting_key, "include_results": bool(include_results)}


@app.task(name="sync_sessions", bind=True, base=SyncTask)
def sync_sessions(self, meeting_key, run_id=None):
    return pipeline.sync_sessions(run_id, meeting_key, pipeline.utcnow()).as_dict()


@app.task(name="sync_entrants", bind=True, base=SyncTask)
def sync_entrants(self, meeting_key, run_id=None):
    return pipeline.sync_entrants(run_id, meeting_key).as_dict()


@app.task(name="sync_results", bind=True, base=SyncTask)
def sync_results(self, meeting_key, run_id=None):
    return pipeline.sync_results(run_id, meeting_key).as_dict()


@app.task(name="finish_meeting", bind=True, base=SyncTask)
def finish_meeting(self, meeting_key, run_id=None):
    return {"meeting_key": meeting_key, "run_status": pipeline.finish_meeting(run_id, meeting_key)}
