"""The whole canvas, top to bottom: a dispatcher (a season, the recent days, or a rebuild from the landing) lands
what its rounds need, then one sync_meeting per round chains sessions → entrants → [results] → finish, each
step reading the landing only. Tasks are thin: keys in, one `workers` call, a small JSON summary out (counts
only, never a result value). Registered names stay as operators know them (`sync_season`, `sync_meeting`, …)."""

from __future__ import annotations

import logging
import random
import time
from typing import Any

from celery import Task, chain, group
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init, worker_process_shutdown

from tasks import app
from workers import routing, sources
from workers.db import close_pool, get_pool
from workers.errors import IngestionError, LockedOut, RetryableError, Throttled, UpstreamUnavailable
from workers.pipeline import ledger, resources, steps
from workers.pipeline.arguments import (LATEST, validate_championship, validate_days, validate_include_results,
                                        validate_refresh, validate_series_season, validate_source_name, validate_year)
from workers.pipeline.dispatch import Plan, Selection, dispatch, recent_window
from workers.ratelimit import current_owner
from workers.settings import get_settings

log = logging.getLogger("parcferme.tasks")


def retry_countdown(exc: RetryableError, retries: int) -> float:
    """Retry-After (or the source's own wait, e.g. a live-session lock-out) when given; else exponential backoff
    with full jitter (capped at 10 minutes)."""
    if exc.retry_after is not None:
        return exc.retry_after
    return random.uniform(0.5, 1.0) * min(600.0, 2.0 ** (retries + 1))


def bounded(countdown: float) -> float:
    """A countdown past the Redis visibility timeout would be delivered again and again: stay well inside it
    (a throttled task that comes back early finds its slot still reserved and waits again)."""
    return min(countdown, 0.8 * get_settings().REDIS_VISIBILITY_TIMEOUT)


def comeback_lead(source: sources.Source | None, started: float) -> float:
    """How long before its slot a throttled task comes back: THROTTLE_LEAD, plus the time this execution took to
    reach its first request (the next one goes over the same ground first)."""
    first = resources.first_slot_at(source)
    replay = 0.0 if first is None else min(max(0.0, first - started), REPLAY_LEAD_MAX)
    return THROTTLE_LEAD + replay


def describe(exc: BaseException) -> str:
    """An error as the run table and logs show it: our own messages carry no secret and no result value."""
    if isinstance(exc, IngestionError):
        return f"{type(exc).__name__}: {exc}"
    return f"{type(exc).__name__}"


# A throttled task comes back this much before its slot, plus as long as it took to reach its first request this
# time (a re-scheduled dispatcher goes over what it landed again before it asks for the next one), at most
# REPLAY_LEAD_MAX: so it asks on time and sleeps the last moments in-process instead of losing the slot.
THROTTLE_LEAD = 0.2
REPLAY_LEAD_MAX = 0.8


class SyncTask(Task):
    """Retryable errors come back later with a finite budget; waits for a source's slot come back at the slot
    without spending that budget; anything else fails once, reported."""

    max_retries = get_settings().TASK_MAX_RETRIES

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        owner = current_owner.set(self.request.id)
        source = self.source_of(args, kwargs)
        resources.begin_task(source)
        try:
            outcome = super().__call__(*args, **kwargs)
        except (Throttled, LockedOut) as exc:  # a wait for a slot, or for a lock-out's end: no error spent
            wait = exc.wait - comeback_lead(source, started) if isinstance(exc, Throttled) \
                else float(exc.retry_after or 0.0)
            throttles = resources.note_throttle(source, self.request.id)
            log.info("%s %s %s: again in %.1fs (wait %d)", self.name,
                     "throttled" if isinstance(exc, Throttled) else "locked out", kwargs, wait, throttles)
            ledger.count_retry(self.run_id(kwargs), kwargs.get("round_key"), throttle=True,
                               reason=describe(exc) if isinstance(exc, LockedOut) else None)
            # self.retry raises Celery's Retry, which carries exc: no `raise … from` (B904)
            raise self.retry(exc=exc, countdown=bounded(max(0.0, wait)),  # noqa: B904
                             max_retries=self.request.retries + 1)
        except (RetryableError, SoftTimeLimitExceeded) as caught:
            exc = caught if isinstance(caught, RetryableError) else UpstreamUnavailable(
                "ran past its soft time limit (a hung request?): tried again, from what it landed")
            budget = get_settings().TASK_MAX_RETRIES + resources.throttles_of(source, self.request.id)
            if self.request.retries < budget:
                ledger.count_retry(self.run_id(kwargs), kwargs.get("round_key"), throttle=False, reason=describe(exc))
            raise self.retry(exc=exc, countdown=bounded(retry_countdown(exc, self.request.retries)),  # noqa: B904
                             max_retries=budget)  # as above: Celery's Retry carries exc
        finally:
            current_owner.reset(owner)
        log.info("%s ok %s in %.2fs", self.name, outcome, time.monotonic() - started)
        return outcome

    def source_of(self, args: tuple, kwargs: dict) -> sources.Source | None:
        return sources.find(kwargs.get("source"))

    def run_id(self, kwargs: dict) -> str | None:
        return kwargs.get("run_id")

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        log.error("%s failed for %s: %s", self.name, dict(kwargs), describe(exc))
        try:
            self.record_failure(exc, task_id, args, kwargs)
        except Exception as err:  # noqa: BLE001  (the database itself may be the failure)
            log.error("%s could not record its failure: %s", self.name, describe(err))

    def record_failure(self, exc, task_id, args, kwargs) -> None:
        steps.finish(kwargs.get("run_id"), kwargs.get("round_key"), error=describe(exc))


class DispatchTask(SyncTask):
    """A dispatcher's failure marks its run failed (the run id is the dispatcher's task id)."""

    kind = "season"

    def source_of(self, args: tuple, kwargs: dict) -> sources.Source | None:
        year, championship = kwargs.get("year", args[0] if args else None), kwargs.get("championship")
        try:
            return sources.for_season(validate_year(year, championship=championship), championship)
        except IngestionError:
            return None  # the task itself refuses the argument

    def run_id(self, kwargs: dict) -> str | None:
        return kwargs.get("run_id") or self.request.id

    def record_failure(self, exc, task_id, args, kwargs) -> None:
        arguments = {"args": list(args), **{k: v for k, v in kwargs.items() if k != "run_id"}}
        source = self.source_of(args, kwargs)
        ledger.fail_run(kwargs.get("run_id") or task_id, self.kind, source.name if source else "", arguments,
                        describe(exc))


@worker_process_init.connect
def _open_resources(**_: Any) -> None:
    get_pool()


@worker_process_shutdown.connect
def _close_resources(**_: Any) -> None:
    close_pool()


def round_chain(run_id: str | None, source: str, season: int, round_key: str, include_results: bool,
                queue: str = routing.BULK) -> chain:
    """The round's steps, each on `queue` (its run's: workers/routing.py)."""
    keys = {"run_id": run_id, "source": source, "season": season, "round_key": round_key}
    chained = [sync_sessions.si(**keys), sync_entrants.si(**keys)]
    if include_results:
        chained.append(sync_results.si(**keys))
    chained.append(finish_meeting.si(**keys))
    return chain(*(step.set(queue=queue) for step in chained))


def results_summary(plan: Plan) -> bool | list[int]:
    """Whether the run's rounds are synced with results: true or false for them all, else the seasons that are."""
    seasons = {season for season, _ in plan.rounds}
    with_results = sorted(season for season in seasons if plan.include_results[season])
    return bool(with_results) if len(with_results) in (0, len(seasons)) else with_results


def fan_out(plan: Plan) -> dict[str, Any]:
    """One sync_meeting per round of the plan, on its run's queue (live work first, bulk work last)."""
    if plan.rounds:
        group(sync_meeting.si(source=plan.source, season=season, round_key=key,
                              include_results=plan.include_results[season], run_id=plan.run_id)
              for season, key in plan.rounds).apply_async(queue=routing.queue_of_run(plan.kind))
    return {"run_id": plan.run_id, "source": plan.source, "rounds": len(plan.rounds),
            "include_results": results_summary(plan), "requests": plan.requests, "quarantined": plan.quarantined,
            "fallbacks": plan.fallbacks}


def season_selection(kind: str, year: Any, include_results: Any, refresh: Any = False, championship: Any = None,
                     **extra: Any) -> Selection:
    """A season of a championship (by default the registry's default: Formula 1), from the source that has it."""
    championship = validate_championship(championship)
    year = validate_year(year, championship=championship)
    include_results = validate_include_results(include_results)
    arguments = {"year": year, "include_results": include_results, **({"refresh": True} if refresh else {}),
                 **({"championship": championship} if championship is not None else {})}
    return Selection(kind, sources.for_season(year, championship), (year,), include_results,
                     refresh=validate_refresh(refresh), arguments=arguments, **extra)


@app.task(name="sync_season", bind=True, base=DispatchTask)
def sync_season(self, year, include_results=None, run_id=None, refresh=False, championship=None):
    """Sync one season (of `championship`, by its series slug; by default Formula 1's): land it (a handful of
    season-wide requests, none the landing holds young enough unless `refresh`), then one sync_meeting per round."""
    selection = season_selection("season", year, include_results, refresh, championship)
    return fan_out(dispatch(run_id or self.request.id, selection, resources.utcnow()))


class RebuildTask(DispatchTask):
    kind = "rebuild"


@app.task(name="rebuild_season", bind=True, base=RebuildTask)
def rebuild_season(self, year, include_results=None, run_id=None, championship=None):
    """Map a season again from the landing alone (0 requests): after a mapping fix, or into an emptied database."""
    selection = season_selection("rebuild", year, include_results, championship=championship, from_landing=True)
    return fan_out(dispatch(run_id or self.request.id, selection, resources.utcnow()))


class RecentDispatchTask(DispatchTask):
    kind = "recent"

    def source_of(self, args: tuple, kwargs: dict) -> sources.Source | None:
        return sources.for_season(resources.utcnow().year)


@app.task(name="sync_recent", bind=True, base=RecentDispatchTask)
def sync_recent(self, days=7, include_results=None, run_id=None):
    """Sync the rounds of the last `days` days (results only as the spoiler rule allows), by the fewest requests."""
    days = validate_days(days)
    include_results = validate_include_results(include_results)
    now = resources.utcnow()
    source = sources.for_season(now.year)
    window = recent_window(days, now)
    years = tuple(sorted({y for y in (window[0].year, now.year) if source.covers(y)}))
    selection = Selection("recent", source, years, include_results, window=window,
                          arguments={"days": days, "include_results": include_results})
    return fan_out(dispatch(run_id or self.request.id, selection, now))


class SeriesDispatchTask(DispatchTask):
    kind = "series"

    def source_of(self, args: tuple, kwargs: dict) -> sources.Source | None:
        try:
            return sources.scope_source(kwargs.get("source"))
        except IngestionError:
            return None  # the task itself refuses the argument


def series_selection(title: Any, season: Any, include_results: Any, refresh: Any = False,
                     source: Any = None) -> Selection:
    """A scope of a source of scopes (by default the first registered: a series of The Third Turn, by its hub
    page's title), every season it lists or one. The source is recorded, so the resume sweep sends it again."""
    season = None if season is None else validate_series_season(season)
    of_scopes = sources.scope_source(validate_source_name(source))
    scoped = of_scopes.scoped(title, latest=season == LATEST)
    include_results = validate_include_results(include_results)
    arguments = {"series": scoped.scope, "season": season, "include_results": include_results,
                 **({"refresh": True} if refresh else {}), "source": of_scopes.name}
    return Selection("series", scoped, (season,) if isinstance(season, int) else (), include_results,
                     refresh=validate_refresh(refresh), arguments=arguments)


@app.task(name="sync_series", bind=True, base=SeriesDispatchTask)
def sync_series(self, title, season=None, include_results=None, run_id=None, refresh=False, source=None):
    """Sync a series by its title (The Third Turn's by its hub page, `Wisconsin_Challenge_Series`, unless `source`
    names another source of scopes): every season the hub lists, or `season` alone (a year, or "latest": the newest
    the hub lists); its pages crawled at the source's fleet limit, then one sync_meeting per race."""
    selection = series_selection(title, season, include_results, refresh, source)
    return fan_out(dispatch(run_id or self.request.id, selection, resources.utcnow()))


@app.task(name="sync_meeting", bind=True, base=SyncTask)
def sync_meeting(self, source, season, round_key, include_results=False, run_id=None):
    """Chain the round's steps (on the queue this task came from: its run's); the results step exists only when
    results are included."""
    queue = (self.request.delivery_info or {}).get("routing_key") or routing.BULK
    round_chain(run_id, sources.get(source).name, int(season), str(round_key), bool(include_results),
                queue).apply_async()
    return {"source": source, "round_key": round_key, "include_results": bool(include_results)}


@app.task(name="sync_sessions", bind=True, base=SyncTask)
def sync_sessions(self, source, season, round_key, run_id=None):
    return steps.sync_sessions(run_id, source, season, round_key, resources.utcnow()).as_dict()


@app.task(name="sync_entrants", bind=True, base=SyncTask)
def sync_entrants(self, source, season, round_key, run_id=None):
    return steps.sync_entrants(run_id, source, season, round_key).as_dict()


@app.task(name="sync_results", bind=True, base=SyncTask)
def sync_results(self, source, season, round_key, run_id=None):
    return steps.sync_results(run_id, source, season, round_key).as_dict()


@app.task(name="finish_meeting", bind=True, base=SyncTask)
def finish_meeting(self, source, season, round_key, run_id=None):
    return {"round_key": round_key, "run_status": steps.finish(run_id, round_key)}
