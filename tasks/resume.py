"""Beat's resume sweep (workers/pipeline/resume.py decides what is lost; this sends it again): a lost round is
sent again as a whole `sync_meeting`, a run whose dispatcher never planned its rounds gets its dispatcher again.
`python -m ingestion resume` runs the same sweep at once."""

from __future__ import annotations

import logging
from typing import Any

from tasks import app
from tasks.sync import sync_meeting
from workers import routing
from workers.pipeline import kinds, resume

log = logging.getLogger("parcferme.resume")


def resume_stalled(stalled_after: float | None = None, max_resends: int | None = None) -> dict[str, Any]:
    """One sweep: send again what made no progress for too long, or fail it; returns keys only."""
    found = resume.sweep(stalled_after, max_resends)
    for lost in found.resend_rounds:
        sync_meeting.apply_async(kwargs={"source": lost.source, "season": lost.season, "round_key": lost.round_key,
                                         "include_results": lost.include_results, "run_id": lost.run_id},
                                 queue=routing.queue_of_run(lost.kind))
    for lost in found.resend_runs:
        kind = kinds.of(lost.kind)
        app.tasks[kind.task].apply_async(kwargs={**kind.task_kwargs(lost.arguments), "run_id": lost.run_id})
    outcome = {"rounds_resent": [[r.run_id, r.round_key] for r in found.resend_rounds],
               "rounds_failed": [[r.run_id, r.round_key] for r in found.failed_rounds],
               "runs_resent": [r.run_id for r in found.resend_runs],
               "runs_failed": [r.run_id for r in found.failed_runs]}
    for what, items in outcome.items():
        if items:
            shown = by_run(items) if what.startswith("rounds") else items
            log.warning("resume: %s %s (no progress for %gs)", what.replace("_", " "), shown, found.stalled_after)
    return outcome


def by_run(rounds: list[list]) -> dict[str, list[str]]:
    """[run id, round key] pairs as round keys grouped by run, for a log line."""
    grouped: dict[str, list[str]] = {}
    for run_id, round_key in rounds:
        grouped.setdefault(run_id, []).append(round_key)
    return grouped


@app.task(name="resume_stalled", ignore_result=True)
def resume_stalled_task(stalled_after=None, max_resends=None):
    """Beat's sweep (see the module): send again, or fail, what made no progress for too long."""
    return resume_stalled(stalled_after, max_resends)
