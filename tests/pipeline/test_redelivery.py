"""A worker child killed with SIGKILL in the middle of a task: the task comes back and the end state is
the same as a clean run's (late acks + reject on worker lost)."""

from __future__ import annotations

import os
import signal

import pytest

from harness.runs import send, wait_for_run
from harness.tables import content_hash, empty_tables
from harness.workers import Worker, broker_url, worker_nodes
from harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]
# The dispatcher is the task that makes requests now (it lands the season); the round steps read the landing.
REQUESTING = {"sync_season"}


@pytest.fixture()
def lone_worker(database, replay_log, tmp_path):
    """A worker of its own on its own Redis DB, so no other worker can pick up the redelivered task."""
    with worker_nodes(broker_url("redelivery"), database, tmp_path) as start:
        (w,) = start(replay_log.base_url, concurrency=2)
        yield w


def test_a_task_killed_mid_run_is_redelivered_and_the_season_ends_as_a_clean_run(lone_worker, replay_log, db):
    empty_tables(lone_worker.database_url)
    clean = lone_worker.run("sync_season", 2024, include_results=True)
    assert clean["status"] == "succeeded"
    expected = content_hash(db)
    empty_tables(lone_worker.database_url)

    replay_log.reset()
    replay_log.latency = 2.0  # every request is slow: a dispatcher seen active is still inside a request when killed
    run_id = send(lone_worker.app, "sync_season", 2024, include_results=True)
    killed = kill_a_busy_child(lone_worker)
    replay_log.latency = 0.0
    run = wait_for_run(lone_worker.database_url, run_id, 180, lone_worker)

    log = lone_worker.log()
    assert "WorkerLostError" in log
    assert log.count(f"[{killed['id']}] received") == 2, "the killed task was not delivered again"
    assert run["status"] == "succeeded", run
    assert run["rounds_done"] == run["rounds_total"] == clean["rounds_total"]
    assert content_hash(db) == expected
    # the redelivered dispatcher repeats no request it had landed: only the one it was killed inside
    assert replay_log.stats()["requests"] <= clean["requests"] + 1


def kill_a_busy_child(worker: Worker, timeout: float = 60) -> dict:
    """SIGKILL the pool child that is executing the dispatcher, as `inspect active` reports it."""
    def busy() -> list[dict]:
        active = worker.app.control.inspect(timeout=0.5).active() or {}
        return [t for tasks in active.values() for t in tasks if t["name"] in REQUESTING]

    (task, *_) = wait_until(busy, timeout, "a dispatcher running (inspect active)")
    os.kill(task["worker_pid"], signal.SIGKILL)
    return task
