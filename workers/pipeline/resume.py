"""Resume what the broker lost: the sweep that keeps a run from staying `running` for ever.

Every step is an upsert, so a step sent twice is harmless, but a step never sent (a Redis that lost its data,
an outage longer than REDIS_OUTAGE_SECONDS, a message popped by a worker that died before recording it)
leaves its round pending for good. The run table knows better than the broker what is unfinished: a pending
round of a running run with no progress (a finished step, a retry, a throttle) for `Settings.stalled_after`
seconds, more than the visibility timeout after which the broker itself gives back a dead worker's task, is
claimed to be sent again as a whole; a run whose dispatcher never planned its rounds gets its dispatcher
again. After RESUME_MAX_RESENDS tries the round (or run) is marked failed with the reason, so every run ends.
The sending itself is the Celery surface's (tasks/resume.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workers.db import connection, runs
from workers.pipeline.ledger import fail_run, finish_round
from workers.settings import get_settings


@dataclass(frozen=True)
class LostRound:
    run_id: str
    source: str
    season: int | None
    round_key: str
    include_results: bool
    kind: str = "season"  # its run's (the queue it goes back to: workers/routing.py)


@dataclass(frozen=True)
class LostDispatch:
    run_id: str
    kind: str
    source: str
    arguments: dict[str, Any]


@dataclass
class Sweep:
    stalled_after: float
    resend_rounds: list[LostRound] = field(default_factory=list)
    failed_rounds: list[LostRound] = field(default_factory=list)
    resend_runs: list[LostDispatch] = field(default_factory=list)
    failed_runs: list[LostDispatch] = field(default_factory=list)


def lost(stalled_after: float, max_resends: int) -> str:
    return f"lost: no progress for {stalled_after:g}s, {max_resends} time(s) sent again"


def sweep(stalled_after: float | None = None, max_resends: int | None = None) -> Sweep:
    """Claim the stalled rounds and unplanned runs; fail those sent too often, return the rest to send again."""
    settings = get_settings()
    stalled_after = float(stalled_after if stalled_after is not None else settings.stalled_after)
    max_resends = settings.RESUME_MAX_RESENDS if max_resends is None else int(max_resends)
    with connection() as conn:
        rounds = runs.claim_stalled_rounds(conn, stalled_after)
        dispatches = runs.claim_stalled_dispatches(conn, stalled_after)
    found = Sweep(stalled_after)
    for run_id, source, season, key, include_results, resent, kind in rounds:
        lost_round = LostRound(run_id, source, season, key, include_results, kind)
        if resent > max_resends:
            finish_round(run_id, key, error=lost(stalled_after, max_resends))
        (found.failed_rounds if resent > max_resends else found.resend_rounds).append(lost_round)
    for run_id, kind, source, arguments, resent in dispatches:
        dispatch = LostDispatch(run_id, kind, source, arguments)
        if resent > max_resends:
            fail_run(run_id, kind, source, arguments, lost(stalled_after, max_resends))
        (found.failed_runs if resent > max_resends else found.resend_runs).append(dispatch)
    return found
