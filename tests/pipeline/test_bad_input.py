"""Bad input loses nothing: bad arguments are refused at once, invalid records are quarantined and the rest
of their meeting written, a permanent error fails once, a retryable one has a finite budget."""

from __future__ import annotations

import copy
from urllib.parse import unquote

import psycopg
import pytest

from openf1_replay import ReplayServer, load_records
from replay_kit.faults import FaultPlan
from harness.recorded import load
from harness.runs import send, wait_for_run
from harness.tables import content_hash, empty_tables
from harness.workers import broker_url, worker_nodes
from harness.waiting import wait_until

pytestmark = pytest.mark.integration
BROKER = broker_url("bad_input")
BAHRAIN_2024 = 1229


@pytest.fixture()
def one_meeting(data_dir):
    """The recorded data of the 2024 Bahrain GP only (a season of one meeting)."""
    records = load_records(data_dir)
    return {endpoint: [r for r in rows if r.get("meeting_key") == BAHRAIN_2024] for endpoint, rows in records.items()}


@pytest.fixture()
def start_worker(database, tmp_path):
    """start(openf1_url, **env) -> one worker node on DB 7 with short backoffs, on empty tables."""
    empty_tables(database)
    with worker_nodes(BROKER, database, tmp_path, OPENF1_BACKOFF_SECONDS="0.05", OPENF1_READ_TIMEOUT="2") as start:
        yield lambda openf1_url, **env: start(openf1_url, **env)[0]


@pytest.mark.parametrize("task, args, message", [
    ("sync_season", ["abc"], "year must be a whole number"),
    ("sync_season", [1900], "year must be between 1950"),
    ("sync_season", [2999], "year must be between 1950"),
    ("sync_recent", [-1], "days must be a whole number between 1 and 366"),
    ("sync_season", [2024, "yes"], "include_results must be true, false or null"),
])
def test_a_bad_argument_is_refused_at_once_with_a_clear_error_and_no_retry(worker, replay_log, db, task, args, message):
    run = worker.run(task, *args, timeout=30)
    assert run["status"] == "failed" and message in run["error"] and run["error"].startswith("BadArgument")
    assert run["requests"] == 0 and replay_log.stats()["requests"] == 0  # no work started
    assert f"[{run['id']}] retry" not in worker.log()


def test_a_permanent_error_fails_its_task_once_without_a_retry_storm(worker):
    result = worker.app.send_task("sync_sessions", kwargs={"source": "openf1", "season": 2024, "round_key": "999999"})
    wait_until(result.ready, 20, "the task's result")
    assert result.failed()
    log = worker.log()
    assert log.count(f"[{result.id}] received") == 1 and f"[{result.id}] retry" not in log
    assert "meeting 999999 is not in its season's landed meetings: sync its season first" in log


def test_a_retryable_error_has_a_finite_budget_then_the_run_fails_with_the_reason(start_worker, one_meeting):
    plan = FaultPlan(rate=1.0, kinds=("503",), endpoints=("drivers",))
    with ReplayServer(records=one_meeting, port=0, faults=plan) as upstream:
        w = start_worker(upstream.base_url, TASK_MAX_RETRIES="2")
        run = wait_for_run(w.database_url, send(w.app, "sync_season", 2024, include_results=False), 90, w)
        drivers_requests = upstream.stats()["by_endpoint"].get("drivers", 0)
    # the dispatcher lands the season: it is the task that retries, then fails the run with the reason
    assert run["status"] == "failed" and run["rounds_total"] is None
    assert run["error"].startswith("UpstreamUnavailable: OpenF1 unavailable (HTTP 503)")
    assert run["retries"] == 2
    assert drivers_requests == 3 * 4  # 3 task runs (1 + 2 retries) × 4 attempts each: finite, then reported


def test_invalid_records_are_quarantined_with_reason_and_payload_and_the_rest_is_written(start_worker, one_meeting):
    records = copy.deepcopy(one_meeting)
    records["drivers"][0]["driver_number"] = "not a number"
    records["sessions"][0]["session_name"] = "Practice 4"  # an unknown session name: no silent default
    bad_driver, bad_session = records["drivers"][0], records["sessions"][0]
    with ReplayServer(records=records, port=0) as upstream:
        w = start_worker(upstream.base_url)
        run = wait_for_run(w.database_url, send(w.app, "sync_season", 2024, include_results=True), 60, w)
    orphaned = [r for r in records["session_result"] if r["session_key"] == bad_session["session_key"]]
    assert run["status"] == "succeeded" and run["quarantined"] == 2 + len(orphaned)  # its results go with it
    with psycopg.connect(w.database_url) as conn:
        rows = conn.execute('SELECT "Endpoint", "Reason", "Payload" FROM "QuarantinedRecords" WHERE "RunId" = %s '
                            'AND "Endpoint" <> %s ORDER BY "Endpoint"', [run["id"], "session_result"]).fetchall()
        sessions = conn.execute('SELECT count(*) FROM "Sessions"').fetchone()[0]
        results = conn.execute('SELECT count(*) FROM "Results"').fetchone()[0]
    (driver_endpoint, driver_reason, driver_payload), (session_endpoint, session_reason, session_payload) = rows
    assert driver_endpoint == "drivers" and "driver_number" in driver_reason and driver_payload == bad_driver
    assert session_endpoint == "sessions" and "Practice 4" in session_reason
    assert session_payload == bad_session  # as OpenF1 sent it
    assert sessions == len(records["sessions"]) - 1 and results > 0


def test_a_season_wide_answer_that_always_fails_falls_back_to_one_request_per_meeting(start_worker, data_dir,
                                                                                       database):
    """The gateway gives up on every season-wide `drivers` query (504): the run fetches drivers per meeting,
    says so, and ends with the rows a season-wide answer gives."""
    with ReplayServer(data_dir=str(data_dir), port=0) as upstream:
        w = start_worker(upstream.base_url)
        clean = wait_for_run(w.database_url, send(w.app, "sync_season", 2024, include_results=False), 90, w)
        with psycopg.connect(database) as conn:
            expected = content_hash(conn)
        empty_tables(database)
        upstream.faults.refuse_ranges = ("drivers",)
        upstream.reset()
        run = wait_for_run(w.database_url, send(w.app, "sync_season", 2024, include_results=False), 90, w)
        log = upstream.stats()["log"]
    drivers = [unquote(e["query"]) for e in log if e["path"].endswith("/drivers")]
    assert clean["status"] == run["status"] == "succeeded" and clean["fallbacks"] == []
    assert run["fallbacks"] == ["drivers"]
    assert sum(">=" in q for q in drivers) == 4  # the season-wide query, tried OPENF1_MAX_ATTEMPTS times
    keys = {m["meeting_key"] for m in load(data_dir, 2024, "meetings.json")}
    assert sorted(q for q in drivers if ">=" not in q) == sorted(f"meeting_key={k}" for k in keys)
    with psycopg.connect(database) as conn:
        assert content_hash(conn) == expected
