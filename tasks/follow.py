"""Following the season in motion (workers/pipeline/follow.py): beat's tick and the two reads it sends, each a
dispatcher of its own run on the live queue, whose rounds chain their steps as any run's do.

    follow_tick      statuses from the clock (no request), then the reads due now
    follow_calendar  a source's rounds under way and starting within FOLLOW_LOOKAHEAD_DAYS, read again (OpenF1:
                     its index and one interval of sessions, 2 requests); their sessions written, changes recorded
    follow_results   one round's entrants and results (OpenF1: 3 requests by its meeting key), its index as landed;
                     a look while results are wanted, or a correction read after the round ended"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from tasks import app
from tasks.sync import DispatchTask, fan_out
from workers import sources
from workers.errors import BadArgument, IngestionError
from workers.pipeline import follow, resources
from workers.pipeline.arguments import validate_year
from workers.pipeline.dispatch import Selection, dispatch
from workers.settings import get_settings
from workers.sources.base import ENTRANTS, RESULTS, SESSIONS

log = logging.getLogger("parcferme.follow")


def following_source(name: Any) -> sources.Source:
    """The source a read names; refused unless its season is followed live."""
    source = sources.get(name) if isinstance(name, str) else None
    if source is None or not source.follows_live:
        raise BadArgument(f"source must name a source whose season is followed live "
                          f"({', '.join(s.name for s in follow.following())}), got {name!r}")
    return source


class FollowReadTask(DispatchTask):
    """A follow read's failure marks its run failed, as a dispatcher's does; its source is its first argument."""

    def source_of(self, args: tuple, kwargs: dict) -> sources.Source | None:
        try:
            return following_source(kwargs.get("source", args[0] if args else None))
        except IngestionError:
            return None


class CalendarTask(FollowReadTask):
    kind = follow.CALENDAR


class ResultsTask(FollowReadTask):
    kind = follow.RESULTS


@app.task(name="follow_calendar", bind=True, base=CalendarTask)
def follow_calendar(self, source, run_id=None):
    """Read again the source's rounds under way and those starting within FOLLOW_LOOKAHEAD_DAYS: their sessions
    (moved, added, cancelled) and the season's index (cancelled meetings), whatever the landing holds."""
    source = following_source(source)
    now = resources.utcnow()
    window = (now, now + timedelta(days=get_settings().FOLLOW_LOOKAHEAD_DAYS))
    years = tuple(sorted({y for y in (now.year, window[1].year) if source.covers(y)}))
    selection = Selection(follow.CALENDAR, source, years, False, window=window, refresh=True,
                          wanted=frozenset({SESSIONS}), arguments={"source": source.name, **follow.MARKER})
    return fan_out(dispatch(run_id or self.request.id, selection, now))


@app.task(name="follow_results", bind=True, base=ResultsTask)
def follow_results(self, source, season, round_key, correction=None, run_id=None):
    """Read one round's entrants and results again (a look for results just published, or a correction read),
    its season's index as landed; a changed answer replaces the rows, an unchanged one writes nothing."""
    source = following_source(source)
    season = validate_year(season)
    if not isinstance(round_key, str) or not round_key:
        raise BadArgument(f"round_key must be a source's round key, got {round_key!r}")
    selection = Selection(follow.RESULTS, source, (season,), True, round_keys=(round_key,), refresh=True,
                          wanted=frozenset({ENTRANTS, RESULTS}), reuse_index=True,
                          arguments={"source": source.name, "season": season, "round": round_key,
                                     "correction": correction, **follow.MARKER})
    return fan_out(dispatch(run_id or self.request.id, selection, resources.utcnow()))


def send_read(read: follow.Read, run_id: str) -> None:
    if read.what == follow.CALENDAR:
        follow_calendar.apply_async(kwargs={"source": read.source, "run_id": run_id}, task_id=run_id)
    else:
        follow_results.apply_async(kwargs={"source": read.source, "season": read.season, "round_key": read.round_key,
                                           "correction": read.correction, "run_id": run_id}, task_id=run_id)


@app.task(name="follow_tick", ignore_result=True)
def follow_tick():
    """Beat's follow tick (FOLLOW_TICK): statuses from the clock, then the calendar, results and correction reads
    due now. Returns counts and run ids only."""
    outcome = follow.tick(send_read)
    if outcome.statuses or outcome.sent:
        log.info("follow: %d status change(s), %d read(s) sent", outcome.statuses, len(outcome.sent))
    return {"statuses": outcome.statuses, "sent": outcome.sent, "skipped": outcome.skipped}
