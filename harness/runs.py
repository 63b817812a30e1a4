"""Runs, as the command line sends them: a bare Celery client sending a task by its registered name, and a wait on
the run table until the run has ended."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

import psycopg
from celery import Celery

if TYPE_CHECKING:
    from harness.workers import Worker


def client_app(broker_url: str) -> Celery:
    """A bare client of the broker: sends by registered name to the workers' queues, as `celery call` does."""
    from workers.routing import client_routes

    app = Celery("pytest-client", broker=broker_url, backend=broker_url, set_as_current=False)
    client_routes(app.conf)
    return app


def send(app: Celery, task: str, *args: Any, **kwargs: Any) -> str:
    run_id = str(uuid.uuid4())
    app.send_task(task, args=list(args), kwargs=kwargs, task_id=run_id)
    return run_id


def wait_for_run(database_url: str, run_id: str, timeout: float, worker: Worker | None = None) -> dict[str, Any]:
    from workers.db.runs import get_run

    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            run = get_run(conn, run_id)
            if run and run["status"] != "running":
                return run
            time.sleep(0.2)  # how often the run table is read: the deadline decides, not this
    tail = worker.log()[-4000:] if worker else ""
    with psycopg.connect(database_url, autocommit=True) as conn:
        pending = conn.execute('SELECT "RoundKey", "Status", "Requests", "Error" FROM "SyncRunRounds" '
                               'WHERE "RunId" = %s AND "Status" <> \'done\'', [run_id]).fetchall()
    raise AssertionError(f"run {run_id} did not finish within {timeout}s: {run}\nnot done: {pending}\n{tail}")
