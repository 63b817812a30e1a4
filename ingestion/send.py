"""Sending runs to the workers: what to send (a Call: a kind of run of `workers.pipeline.kinds`, its argument, the
source it reads), the checks before anything is sent (preflight.py: the schema, Redis, a worker), recording the
run and sending its dispatcher by its registered name, then following it (follow.py).

A run is recorded before its dispatcher is sent (as beat's are), so a message the broker loses before a worker
starts it is sent again by the resume sweep; its id is the dispatcher's task id."""

from __future__ import annotations

import argparse
import uuid
from dataclasses import dataclass, field
from typing import Any

from ingestion.follow import follow_runs
from ingestion.progress import PlainView, View, view_for


@dataclass(frozen=True)
class Call:
    """One run to send: its kind (the registry names its dispatcher task), the dispatcher's first argument, its
    other keyword arguments, the source the run reads, and its label among several runs."""

    kind: str
    argument: Any
    options: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    label: str = ""

    @property
    def task(self) -> str:
        from workers.pipeline import kinds

        return kinds.of(self.kind).task

    def text(self) -> str:
        return f"{self.task}({self.argument!r},)"


def season_call(kind: str, year: int, label: str = "", **options: Any) -> Call:
    """A season's run (`season` or `rebuild`): the year picks its source."""
    from workers import sources

    return Call(kind, year, options, sources.name_for_season(year), label)


def recent_call(days: int) -> Call:
    """The rounds of the last `days` days: the current season's source."""
    from datetime import datetime, timezone

    from workers import sources

    return Call("recent", days, {}, sources.name_for_season(datetime.now(timezone.utc).year))


def series_call(title: str, label: str = "", **options: Any) -> Call:
    """A series by its hub page's title: the series source's run."""
    from workers import sources

    return Call("series", title, options, sources.scope_source_name(), label)


def client_app() -> Any:
    """A client of the broker that sends by registered name, as `celery call` does: it needs neither the task
    modules nor the workers' configuration (which load every source), so a command starts sooner."""
    from celery import Celery

    from workers.routing import client_routes
    from workers.settings import get_settings

    url = get_settings().REDIS_URL
    app = Celery("parcferme-cli", broker=url, backend=url, set_as_current=False)
    client_routes(app.conf)  # a dispatcher goes to the workers' queue for it (workers/routing.py)
    return app


def preflight() -> Any:
    """Before anything is sent: the schema the workers need (else: run the migrations), Redis answering, and a
    worker answering its ping; each failure one clear error (exit 1, 4, 3). Returns the broker's client."""
    from ingestion.preflight import database, require_broker, require_worker

    with database():
        pass
    require_broker()
    app = client_app()
    require_worker(app)
    return app


def send_and_follow(calls: list[Call], args: argparse.Namespace, noun: str | None = None,
                    limits: str = "the sources' limits") -> int:
    """Send each call's run once the checks pass, then follow them all to their end (`args`: include_results,
    timeout, poll, json); with several, `noun` names them in the summary ("seasons")."""
    app = preflight()
    view = view_for(args.json, noun, limits)
    try:
        runs = {call.label: enqueue(app, call, args.include_results, view) for call in calls}
        return follow_runs(runs, args.timeout, args.poll, view)
    finally:
        view.close()


def enqueue(app: Any, call: Call, include_results: bool | None, view: View | None = None) -> str:
    """Record the call's run, then send its dispatcher by its registered name; returns the run's id."""
    run_id = str(uuid.uuid4())
    kwargs = {"include_results": include_results, **call.options}
    record_run(run_id, call, kwargs)
    app.send_task(call.task, args=[call.argument], kwargs=kwargs, task_id=run_id)
    (view or PlainView()).queued(call.label, run_id, call.text(), {"argument": call.argument, **kwargs})
    return run_id


def record_run(run_id: str, call: Call, kwargs: dict[str, Any]) -> None:
    """The run's row, running and not yet planned, with the arguments its dispatcher is sent (the dispatcher's own
    start keeps them)."""
    from workers.db.runs import start_run
    from workers.pipeline import kinds
    from workers.settings import get_settings

    from ingestion.preflight import connect

    kind = kinds.of(call.kind)
    with connect(get_settings().DATABASE_URL, autocommit=True) as conn:
        start_run(conn, run_id, kind.name, call.source, kind.recorded(call.argument, kwargs))
