"""Resume what the broker lost: the sweep that keeps a run from staying `running` for ever.

Every step is an upsert, so a step sent twice is harmless, but a step never sent (a Redis that lost its data,
an outage longer than REDIS_OUTAGE_SECONDS, a message popped by a worker that died before recording it)
leaves its meeting pending for good. The run table knows better than the broker what is unfinished: a
pending meeting of a running run with no progress (a finished step, a retry, a throttle) for
`Settings.stalled_after` seconds, more than the visibility timeout after which the broker itself gives back a
dead worker's task, is sent again as a whole `sync_meeting`; a run whose dispatcher never planned its
meetings gets its dispatcher again. After RESUME_MAX_RESENDS tries the meeting (or run) is marked failed with
the reason, so every run ends.

Beat sends `resume_stalled` every BEAT_RESUME_EVERY seconds; `python -m ingestion resume` runs the same sweep
at once.
"""

from __future__ import annotations

import logging
from typing import Any

from tasks import app
from tasks.sync import sync_meeting, sync_recent, sync_season
from workers import pipeline
from workers.db import connection, runs
from workers.settings import get_settings

log = logging.getLogger("parcferme.resume")

DISPATCHERS = {"season": (sync_season, ("year", "include_results")),
               "recent": (sync_recent, ("days", "include_results"))}


def lost(stalled_after: float, max_resends: int) -> str:
    return f"lost: no progress for {stalled_after:g}s, {max_resends} time(s) sent again"


def resume_stalled(stalled_after: float | None = None, max_resends: int | None = None) -> dict[str, Any]:
    """One sweep: claim the stalled meetings and unplanned runs, send each again or fail it; counts only."""
    settings = get_settings()
    stalled_after = float(stalled_after if stalled_after is not None else settings.stalled_after)
    max_resends = settings.RESUME_MAX_RESENDS if max_resends is None else int(max_resends)
    with connection() as conn:
        meetings = runs.claim_stalled_meetings(conn, stalled_after)
        dispatches = runs.claim_stalled_dispatches(conn, stalled_after)
    outcome = {"meetings_resent": [], "meetings_failed": [], "runs_resent": [], "runs_failed": []}
    for run_id, meeting_key, include_results, resent in meetings:
        if resent > max_resends:
            pipeline.finish_meeting(run_id, meeting_key, error=lost(stalled_after, max_resends))
            outcome["meetings_failed"].append([run_id, meeting_key])
            continue
        sync_meeting.apply_async(kwargs={"meeting_key": meeting_key, "include_results": include_results,
                                         "run_id": run_id})
        outcome["meetings_resent"].append([run_id, meeting_key])
    for run_id, kind, arguments, resent in dispatches:
        task, names = DISPATCHERS[kind]
        if resent > max_resends:
            pipeline.fail_run(run_id, kind, arguments, lost(stalled_after, max_resends))
            outcome["runs_failed"].append(run_id)
            continue
        task.apply_async(kwargs={**{k: arguments.get(k) for k in names}, "run_id": run_id})
        outcome["runs_resent"].append(run_id)
    for what, items in outcome.items():
        if items:
            shown = by_run(items) if what.startswith("meetings") else items
            log.warning("resume: %s %s (no progress for %gs)", what.replace("_", " "), shown, stalled_after)
    return outcome


def by_run(meetings: list[list]) -> dict[str, list[int]]:
    """[run id, meeting key] pairs as meeting keys grouped by run, for a log line."""
    grouped: dict[str, list[int]] = {}
    for run_id, meeting_key in meetings:
        grouped.setdefault(run_id, []).append(meeting_key)
    return grouped


@app.task(name="resume_stalled", ignore_result=True)
def resume_stalled_task(stalled_after=None, max_resends=None):
    """Beat's sweep (see the module): send again, or fail, what made no progress for too long."""
    return resume_stalled(stalled_after, max_resends)
