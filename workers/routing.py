"""Which queue each task goes to, declared once: urgent work never waits behind bulk work.

    live      following the season in motion (beat's follow tick, its calendar and results reads and their
              rounds), beat's recent sync and its rounds, beat's other ticks and the resume sweep
    dispatch  the dispatchers of season, rebuild and series runs: they hold slots of a source's fleet limit and
              come back for each one (a throttled dispatcher must never queue behind thousands of round steps)
    celery    the round steps of those runs (a backfill's thousand rounds, a series crawl's): bulk work. It is
              Celery's default queue, so anything sent without a route lands here, never ahead of the rest

A plain `celery -A tasks worker` consumes all three and, with kombu's `queue_order_strategy="priority"`
(celeryconfig.py), always takes from the first non-empty one in this order; `-Q live` or `-Q dispatch,celery`
dedicates a worker. The command line and tests send through the same routes (`route`)."""

from __future__ import annotations

from typing import Any

from workers.pipeline.kinds import KINDS

LIVE, DISPATCH, BULK = "live", "dispatch", "celery"
QUEUES = (LIVE, DISPATCH, BULK)  # the order every worker serves them in

# Beat's tasks, then every dispatcher by its kind of run (workers/pipeline/kinds.py): a live kind's dispatcher is
# live work, any other's holds rate-limit slots. Every other task (the round steps) goes by its run.
TASK_QUEUES = {"follow_tick": LIVE, "scheduled_sync_recent": LIVE, "scheduled_sync_series": LIVE,
               "resume_stalled": LIVE, **{kind.task: LIVE if kind.live else DISPATCH for kind in KINDS.values()}}


def queue_of_task(name: str) -> str:
    return TASK_QUEUES.get(name, BULK)


def queue_of_run(kind: str) -> str:
    """The queue of a run's round steps: live for a live kind of run, else bulk."""
    return LIVE if kind in KINDS and KINDS[kind].live else BULK


def route(name: str, args: Any = None, kwargs: Any = None, options: Any = None, task: Any = None,
          **_: Any) -> dict[str, str] | None:
    """Celery's router (`task_routes`): a dispatcher or beat's task by its name; a round step keeps the queue it
    was sent to (its run decided it, see `queue_of_run`)."""
    return {"queue": TASK_QUEUES[name]} if name in TASK_QUEUES else None


def client_routes(conf: Any) -> None:
    """Give a bare client app (the command line's, the tests') the workers' routes and queues."""
    conf.task_routes = (route,)
    conf.task_default_queue = BULK
