"""Progress you can trust: the time left from the rates seen, never below what the sources' limits allow; a series
crawl's rounds known as soon as its season pages have landed; a source that cannot be reached shows in the
progress at once (retrying, and why); --json on sync, bulk-sync, follow (one event per line) and db audit;
`runs show RUN_ID`. Counts only, never a position, time or points value."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from harness.recordings import REPO
from harness.workers import broker_url, worker_nodes

SPOILER = re.compile(r"(?i)position|points|\bP\d+\b|\d+:\d\d\.\d{3}")
NOBODY = broker_url("no_worker")  # the retry test's own worker listens there, stopped (and the DB emptied) at its end


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    outcome = subprocess.run([sys.executable, "-m", "ingestion", *args], cwd=REPO, env={**os.environ, **(env or {})},
                             capture_output=True, text=True, timeout=timeout)
    assert not SPOILER.search(outcome.stdout + outcome.stderr), outcome.stdout
    return outcome


def events(outcome: subprocess.CompletedProcess) -> list[dict]:
    """Every line of stdout, each one JSON event."""
    return [json.loads(line) for line in outcome.stdout.splitlines()]


def a_run(status: str = "running", **counts) -> dict:
    """A run as workers.db.runs.get_run gives it (for the pure tests)."""
    now = datetime.now(timezone.utc)
    run = {"id": str(uuid.uuid4()), "kind": "series", "source": "thirdturn", "status": status, "started_at": now,
           "finished_at": None if status == "running" else now, "rounds_total": None, "rounds_known": None,
           "requests_expected": None, "rounds_done": 0, "rounds_failed": 0, "requests": 0, "throttles": 0,
           "retries": 0, "resent": 0, "rows_written": 0, "rows_deleted": 0, "quarantined": 0, "error": None,
           "last_retry": None, "last_retry_at": None}
    return {**run, **counts}


# -- the time left (pure) -----------------------------------------------------------------------------------------

def wiki_rates(_: str) -> list:
    from workers.ratelimit import parse_rates

    return parse_rates("1/5second")


def test_before_any_rate_is_seen_the_time_left_is_the_limits_least_time_for_the_requests_left():
    from ingestion.progress import Estimator
    from workers.ratelimit import least_time, parse_rates

    crawl = a_run(requests=14, requests_expected=95, rounds_known=81)
    estimate = Estimator(wiki_rates).estimate([crawl], now=100.0)
    assert estimate.at_least and estimate.seconds == least_time(81, parse_rates("1/5second")) == 400.0
    assert estimate.text("the wiki's limit") == "at least 6min 40s left at the wiki's limit"


def test_the_observed_rate_gives_the_time_left_but_never_below_the_limits_bound():
    from ingestion.progress import Estimator

    estimator = Estimator(wiki_rates)
    estimator.estimate([a_run(requests=14, requests_expected=95, rounds_known=81)], now=0.0)
    slow = estimator.estimate([a_run(requests=24, requests_expected=95, rounds_known=81)], now=100.0)  # 1 per 10 s
    assert not slow.at_least and slow.seconds == pytest.approx(71 * 10.0)  # slower than the limit: the rate says
    fast = Estimator(wiki_rates)
    fast.estimate([a_run(requests=14, requests_expected=95, rounds_known=81)], now=0.0)
    quick = fast.estimate([a_run(requests=54, requests_expected=95, rounds_known=81)], now=10.0)  # 4 a second?
    assert quick.seconds == 200.0  # 41 requests left take 200 s at one page per 5 s, whatever the rate seemed


def test_once_the_requests_are_made_the_rounds_written_a_second_give_the_time_left():
    from ingestion.progress import Estimator

    estimator = Estimator(wiki_rates)
    estimator.estimate([a_run(requests=95, requests_expected=95, rounds_total=81, rounds_done=1)], now=0.0)
    estimate = estimator.estimate([a_run(requests=95, requests_expected=95, rounds_total=81, rounds_done=21)],
                                  now=10.0)
    assert not estimate.at_least and estimate.seconds == pytest.approx(60 / 2.0)


def test_runs_not_started_yet_are_taken_to_cost_what_the_others_of_their_source_cost():
    from ingestion.progress import Estimator

    done = a_run("succeeded", requests=95, requests_expected=95, rounds_total=81, rounds_done=81)
    waiting = a_run(requests=0)
    estimate = Estimator(wiki_rates).estimate([done, waiting], now=0.0)
    assert estimate.at_least and estimate.seconds == 94 * 5.0


def test_a_crawls_rounds_show_as_soon_as_its_season_pages_have_landed():
    from ingestion.progress import progress_line, rounds_text

    assert rounds_text(a_run()) == "0/?"
    assert rounds_text(a_run(rounds_known=14)) == "0/14+"  # some season pages read, more to come
    assert rounds_text(a_run(rounds_known=81, requests_expected=95)) == "0/81"  # every index read
    assert rounds_text(a_run(rounds_known=81, requests_expected=95, rounds_total=81, rounds_done=3)) == "3/81"
    line = progress_line(a_run(rounds_known=81, requests_expected=95, requests=40), retrying="UpstreamUnavailable: x")
    assert line == ("[running] rounds 0/81, 0 failed, 40/95 requests, 0 rate-limit waits, 0 rows written, "
                    "0 quarantined — retrying: UpstreamUnavailable: x")


def test_a_retry_shows_until_the_run_makes_another_request_and_not_when_old():
    from ingestion.progress import retry_reason

    recent = a_run(requests=3, retries=1, last_retry="UpstreamUnavailable: OpenF1 meetings unreachable (ConnectError)",
                   last_retry_at=datetime.now(timezone.utc) - timedelta(seconds=5))
    assert retry_reason(recent, requests_then=3) == ("UpstreamUnavailable: OpenF1 meetings unreachable (ConnectError) "
                                                     "(1 retry so far)")
    assert retry_reason({**recent, "requests": 4}, requests_then=3) is None
    old = {**recent, "last_retry_at": datetime.now(timezone.utc) - timedelta(hours=1)}
    assert retry_reason(old, requests_then=3) is None


@pytest.mark.parametrize("seconds, text", [(0, "0s"), (45.4, "45s"), (89, "89s"), (400, "6min 40s"),
                                           (3725, "1h 02min")])
def test_durations_read_as_an_operator_says_them(seconds, text):
    from ingestion.progress import duration

    assert duration(seconds) == text


# -- --json ------------------------------------------------------------------------------------------------------

@pytest.mark.integration
def test_sync_json_is_one_event_per_line_from_queued_to_ended(worker, replay_log, clean_db, data_dir):
    from harness import recorded

    meetings = recorded.season(data_dir, 2024).meetings
    outcome = cli("sync", "--year", "2024", "--no-results", "--json")
    assert outcome.returncode == 0, outcome.stderr
    sent = events(outcome)
    assert sent[0]["event"] == "queued" and sent[0]["task"] == "sync_season"
    assert sent[0]["arguments"] == {"argument": 2024, "include_results": False}
    assert {e["event"] for e in sent[1:-1]} <= {"progress"}
    last = sent[-1]
    assert last["event"] == "ended" and last["run_id"] == sent[0]["run_id"]
    assert (last["status"], last["rounds_done"], last["rounds_total"], last["rounds_failed"]) == (
        "succeeded", meetings, meetings, 0)
    assert last["requests"] == 3 and last["rows_written"] > 0

    again = cli("follow", last["run_id"], "--json")
    assert again.returncode == 0
    assert [e["event"] for e in events(again)] == ["ended"]
    assert events(again)[0]["rounds_done"] == meetings


@pytest.mark.integration
def test_bulk_sync_json_ends_each_run_and_sums_them_up(worker, replay_log, clean_db):
    outcome = cli("bulk-sync", "--start-year", "2023", "--end-year", "2024", "--no-results", "--json")
    assert outcome.returncode == 0, outcome.stderr
    sent = events(outcome)
    assert [e["label"] for e in sent if e["event"] == "queued"] == ["2023", "2024"]
    assert sorted(e["label"] for e in sent if e["event"] == "ended") == ["2023", "2024"]
    summary = [e for e in sent if e["event"] == "summary"][-1]
    assert (summary["noun"], summary["runs"], summary["done"], summary["succeeded"]) == ("seasons", 2, 2, 2)
    assert sent[-1] == {"event": "note", "message": "2 of 2 runs succeeded"}


@pytest.mark.integration
def test_json_failures_are_an_error_event_too(database):
    outcome = cli("sync", "--year", "2024", "--json", env={"REDIS_URL": NOBODY}, timeout=30)
    assert outcome.returncode == 3
    (event,) = events(outcome)
    assert event["event"] == "error" and event["exit_code"] == 3 and "celery -A tasks worker" in event["message"]


@pytest.mark.integration
def test_db_audit_json_gives_the_findings_and_their_counts(clean_db):
    clean_db.execute('INSERT INTO "Series" ("Name", "Slug") VALUES (\'Formula 1\', \'formula-1\')')
    clean_db.execute('INSERT INTO "Seasons" ("SeriesId", "Year") SELECT "Id", 2030 FROM "Series"')
    outcome = cli("db", "audit", "--json")
    assert outcome.returncode == 1, outcome.stdout + outcome.stderr
    report = json.loads(outcome.stdout)
    assert (report["defects"], report["notices"], report["ok"], report["checks"]) == (1, 0, False, 20)
    (finding,) = report["findings"]
    assert finding == {"severity": "defect", "category": "empty parents", "check": "seasons without rounds",
                       "count": 1, "items": ["formula-1 2030"]}


# -- runs show ---------------------------------------------------------------------------------------------------

def a_run_with_rounds(db) -> str:
    """A failed run of three rounds: one done, one failed, one retried then done; two quarantined records."""
    from workers.db import runs
    from workers.rows import Rejected

    run_id = str(uuid.uuid4())
    runs.start_run(db, run_id, "season", "jolpica", {"year": 1955, "include_results": True})
    runs.add_run_requests(db, run_id, 4)
    runs.plan_run(db, run_id, [(1955, "1955/1"), (1955, "1955/2"), (1955, "1955/10")], True)
    runs.add_round_counts(db, run_id, "1955/1", written=40, quarantined=2)
    runs.quarantine(db, run_id, "jolpica", "1955/1", [
        Rejected("results", "shared drive: fangio drove more than one mercedes car in this session (this is car 2)",
                 {"number": "2"}),
        Rejected("results", "invalid record: grid: Input should be a valid integer", {"grid": "x"})])
    runs.count_retry(db, run_id, "1955/10", throttle=False,
                     reason="round 1955/10: DatabaseUnavailable: database busy or restarting (AdminShutdown)")
    runs.add_round_counts(db, run_id, "1955/10", written=12)
    for key in ("1955/1", "1955/10"):
        runs.mark_round(db, run_id, key, "done")
    runs.mark_round(db, run_id, "1955/2", "failed", "PermanentError: nothing landed for 1955/results.json")
    runs.finish_run_if_complete(db, run_id)
    return run_id


@pytest.mark.integration
def test_runs_show_gives_a_runs_rounds_errors_retries_and_quarantined_records(clean_db):
    run_id = a_run_with_rounds(clean_db)
    outcome = cli("runs", "show", run_id)
    assert outcome.returncode == 0, outcome.stderr
    lines = outcome.stdout.splitlines()
    assert lines[0].startswith(f"run {run_id}: season of jolpica (year=1955 include_results=true), failed, started ")
    assert lines[1] == ("rounds 2 done, 1 failed of 3; 4 requests; 52 rows written, 0 deleted; 2 quarantined; "
                        "1 retries, 0 rate-limit waits, 0 resent")
    assert "error: 1 round(s) failed, first 1955/2: PermanentError: nothing landed for 1955/results.json" in lines
    assert any(re.match(r"last retry \(.*Z\): round 1955/10: DatabaseUnavailable: database busy", line)
               for line in lines)
    table = lines[lines.index("") + 1: lines.index("") + 5]
    assert table[0].split() == ["season", "round", "status", "requests", "rows", "w/d", "quarantined",
                                "retries/throttles/resent", "error"]
    assert [row.split()[:3] for row in table[1:]] == [["1955", "1955/1", "done"], ["1955", "1955/2", "failed"],
                                                     ["1955", "1955/10", "done"]]
    assert "  1955/2: PermanentError: nothing landed for 1955/results.json" in lines
    assert "quarantined records (2):" in lines
    assert "  1955/1 results: invalid record: grid: Input should be a valid integer" in lines

    shown = json.loads(cli("runs", "show", run_id, "--json").stdout)
    assert shown["id"] == run_id and shown["status"] == "failed" and shown["retries"] == 1
    assert [(r["round"], r["status"], r["retries"]) for r in shown["rounds"]] == [
        ("1955/1", "done", 0), ("1955/2", "failed", 0), ("1955/10", "done", 1)]
    assert [q["reason"][:14] for q in shown["quarantined"]] == ["shared drive: ", "invalid record"]
    assert all("payload" not in q for q in shown["quarantined"])


# -- the progress of real runs -------------------------------------------------------------------------------------

@pytest.mark.integration
def test_a_series_crawl_knows_its_rounds_and_requests_before_its_race_pages_land(worker, wiki_replay, clean_db):
    wiki_replay.latency = 0.4  # a crawl slow enough to be seen under way
    try:
        outcome = cli("sync", "--series", "Wisconsin_Challenge_Series", "--season", "2007", "--no-results", "--json",
                      env={"THIRDTURN_BASE_URL": wiki_replay.base_url})
    finally:
        wiki_replay.latency = 0.0
    assert outcome.returncode == 0, outcome.stderr
    sent = events(outcome)
    ended = sent[-1]
    assert ended["event"] == "ended" and ended["status"] == "succeeded" and ended["rounds_total"] > 0
    early = [e for e in sent if e["event"] == "progress" and e["rounds_total"] is None
             and e["rounds_known"] is not None and e["requests"] < ended["requests"]]
    assert early, sent  # under way: its race pages still landing, its rounds already known
    assert {e["rounds_known"] for e in early} == {ended["rounds_total"]}
    assert {e["requests_expected"] for e in early} == {ended["requests"]}
    assert any(e["eta_seconds"] is not None for e in early)


@pytest.mark.integration
def test_a_source_that_cannot_be_reached_shows_in_the_progress_at_once_with_the_reason(database, clean_db, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with worker_nodes(NOBODY, database, tmp_path, OPENF1_MAX_ATTEMPTS="1") as start:
        start(f"http://127.0.0.1:{closed}/v1")
        outcome = cli("sync", "--year", "2024", "--no-results", "--timeout", "8", env={"REDIS_URL": NOBODY})
    assert outcome.returncode == 5, outcome.stdout + outcome.stderr
    retrying = [line for line in outcome.stdout.splitlines() if " — retrying: " in line]
    assert retrying, outcome.stdout
    assert re.search(r"^\[running\] rounds 0/\?, 0 failed, \d+ requests, .* — retrying: UpstreamUnavailable: OpenF1 "
                     r"meetings unreachable \(ConnectionError\) \(\d+ retr(y|ies) so far\)$", retrying[0]), retrying
    assert outcome.stderr.startswith("error: gave up following after 8 s (--timeout); the run goes on")
