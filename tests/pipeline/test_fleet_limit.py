"""The OpenF1 limit is the fleet's: several worker nodes share it, a burst of 429s slows everyone and the
sync still completes, and a task waiting for a slot leaves its worker free for other work."""

from __future__ import annotations

import time

import psycopg
import pytest
import redis

from openf1_replay import max_in_window
from harness import recorded
from harness.runs import send, wait_for_run
from harness.workers import broker_url, worker_nodes
from harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]
BROKER = broker_url("fleet_limit")


@pytest.fixture()
def fleet(database, replay_log, tmp_path, clean_db):
    """start(count, limit, concurrency=1): worker nodes on DB 10 sharing the OPENF1_RATE_LIMIT `limit`."""
    with worker_nodes(BROKER, database, tmp_path) as start:
        yield lambda count, limit, concurrency=1: start(replay_log.base_url, count, concurrency=concurrency,
                                                        OPENF1_RATE_LIMIT=limit)


def accepted_times(replay) -> list[float]:
    return [e["t"] for e in replay.stats()["log"] if e["status"] != 429]


def test_two_worker_nodes_share_one_limit_and_never_exceed_it(fleet, replay_log, data_dir):
    replay_log.set_rate_limit("3/2s")
    workers = fleet(2, "3/2 seconds")
    run_ids = {year: send(workers[0].app, "sync_season", year, include_results=True) for year in (2023, 2024)}
    for year, run_id in run_ids.items():  # two dispatchers at once, 10 requests: they must wait for each other
        run = wait_for_run(workers[0].database_url, run_id, 120, workers[0])
        assert run["status"] == "succeeded" and run["rounds_done"] == recorded.season(data_dir, year).meetings
    assert replay_log.stats()["requests"] == 10 and replay_log.stats()["rejected"] == 0
    assert max_in_window(accepted_times(replay_log), 2.0) <= 3
    assert any(" throttled " in w.log() for w in workers), "the limit never made a dispatcher wait"
    assert all(" sync_sessions ok " in w.log() for w in workers), "both nodes did work"


def test_a_burst_of_429s_slows_every_worker_and_the_sync_still_completes(fleet, replay_log, data_dir, clean_db):
    workers = fleet(2, "50/1 second")
    run_id = send(workers[0].app, "sync_season", 2024, include_results=True)
    wait_until(lambda: replay_log.stats()["requests"] >= 2, 60, "the sync's first two requests", interval=0.01)
    replay_log.storm(2.0)  # mid-landing, every request refused for two seconds: plain `Rate exceeded`, no Retry-After
    run = wait_for_run(workers[0].database_url, run_id, 120, workers[0])
    expected = recorded.season(data_dir, 2024)
    assert replay_log.stats()["rejected"] > 0
    assert run["status"] == "succeeded", run
    assert clean_db.execute('SELECT count(*) FROM "Results"').fetchone()[0] == expected.results
    assert int(redis.Redis.from_url(BROKER).get("parcferme:openf1:stats:429") or 0) > 0


def test_a_task_waiting_for_a_slot_does_not_hold_up_another_tasks_database_work(fleet, replay_log):
    (worker,) = fleet(1, "2/30 seconds", concurrency=1)  # one process: a sleeping task would block it
    run_id = send(worker.app, "sync_season", 2024, include_results=False)
    wait_until(lambda: " throttled " in worker.log(), 30, "the sync to wait for a slot (' throttled ' in the log)")

    sent = time.monotonic()
    other = worker.app.send_task("finish_meeting", kwargs={"run_id": run_id, "source": "openf1", "season": 2024,
                                                           "round_key": "0"})
    wait_until(other.ready, 10, "finish_meeting's result")
    assert other.successful() and time.monotonic() - sent < 2.0
    with psycopg.connect(worker.database_url) as conn:
        status = conn.execute('SELECT "Status" FROM "SyncRuns" WHERE "Id" = %s', [run_id]).fetchone()[0]
    assert status == "running"  # the sync is still waiting for its slots
