"""`python -m ingestion sync`: refuses bad input before any work, syncs the current season by default (results
as SPEC §3 allows), says at once whether a worker answers, waits for the run, never prints a spoiler."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest

from harness.recordings import REPO
from harness.workers import broker_url

pytestmark = pytest.mark.integration

NOBODY = broker_url("no_worker")  # a Redis DB no worker listens on


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingestion", *args], cwd=REPO, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def runs_in(db) -> int:
    return db.execute('SELECT count(*) FROM "SyncRuns"').fetchone()[0]


@pytest.mark.parametrize("args, message", [
    (["sync", "--year", "1900"], "year must be between 1950"),
    (["sync", "--year", "2999"], "year must be between 1950"),
    (["sync", "--year", "abc"], "year must be a whole number"),
    (["sync", "--recent", "-1"], "days must be a whole number between 1 and 366"),
])
def test_a_bad_argument_is_refused_before_any_work(args, message, clean_db):
    outcome = run_cli(*args)
    assert outcome.returncode == 2
    assert message in outcome.stderr
    assert runs_in(clean_db) == 0


def test_sync_help_answers_without_loading_psycopg_pydantic_or_celery():
    outcome = subprocess.run([sys.executable, "-X", "importtime", "-m", "ingestion", "sync", "--help"], cwd=REPO,
                             capture_output=True, text=True, timeout=60)
    assert outcome.returncode == 0 and "--recent DAYS" in outcome.stdout
    loaded = {line.rsplit("|", 1)[-1].strip() for line in outcome.stderr.splitlines()}
    assert not {"psycopg", "pydantic", "celery"} & loaded


def test_a_malformed_setting_is_reported_by_name_without_its_value():
    outcome = run_cli("sync", "--year", "2024", env={"DATABASE_URL": "mysql://root:s3cret@db/parcferme"})
    assert outcome.returncode == 2
    assert "DATABASE_URL" in outcome.stderr
    assert "s3cret" not in outcome.stderr + outcome.stdout


def test_with_no_worker_answering_it_says_so_and_how_to_start_one(database):
    outcome = run_cli("sync", "--year", "2024", env={"REDIS_URL": NOBODY}, timeout=30)
    assert outcome.returncode == 3
    assert "celery -A tasks worker" in outcome.stderr


def test_sync_no_results_waits_for_the_run_and_prints_counts_but_no_result(worker, replay_log, clean_db, data_dir):
    from harness import recorded

    meetings = recorded.season(data_dir, 2024).meetings
    outcome = run_cli("sync", "--year", "2024", "--no-results")
    assert outcome.returncode == 0, outcome.stderr
    assert f"[succeeded] rounds {meetings}/{meetings}" in outcome.stdout
    assert not re.search(r"(?i)position|points|\bP\d+\b|\d+:\d\d\.\d{3}", outcome.stdout)
    assert clean_db.execute('SELECT count(*) FROM "Results"').fetchone()[0] == 0
    assert clean_db.execute('SELECT count(*) FROM "Sessions"').fetchone()[0] > 0


def test_sync_without_an_argument_means_the_current_season_with_results_left_to_spoiler_rules():
    from ingestion.__main__ import build_parser
    from ingestion.sync import dispatcher_call

    args = build_parser().parse_args(["sync"])
    call = dispatcher_call(args)
    assert (call.task, call.argument, call.options) == ("sync_season", datetime.now(timezone.utc).year, {})
    assert args.include_results is None  # SPEC §3: the dispatcher includes results only once every meeting ended


def test_sync_takes_a_year_or_recent_days_but_not_both(capsys):
    from ingestion.__main__ import build_parser

    with pytest.raises(SystemExit) as refused:
        build_parser().parse_args(["sync", "--year", "2024", "--recent", "3"])
    assert refused.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_sync_without_an_argument_sends_sync_season_of_the_current_year_with_include_results_none(worker, replay_log,
                                                                                                   clean_db):
    year = datetime.now(timezone.utc).year
    outcome = run_cli("sync")
    assert outcome.returncode == 0 and f"sync_season({year},) queued as run" in outcome.stdout, outcome.stderr
    sent = clean_db.execute('SELECT "Kind", "Arguments" FROM "SyncRuns"').fetchall()
    assert sent == [("season", {"year": year, "include_results": None})]


def test_the_worker_ping_returns_as_soon_as_a_worker_answers(worker):
    from ingestion.preflight import worker_answers
    from harness.runs import client_app

    worker_answers(client_app(worker.broker_url))  # a worker that has only just started answers late once
    app = client_app(worker.broker_url)  # a new client, as each command has (after a ping it waited out, a
    started = time.monotonic()           # client waits out the rest of that wait first)
    assert worker_answers(app)
    assert time.monotonic() - started < 0.5  # the ping's timeout is 2 s: it must not be waited out


def test_with_no_worker_the_ping_gives_up_after_two_seconds_and_says_how_to_start_one():
    from ingestion.exits import NoWorker
    from ingestion.preflight import require_worker
    from harness.runs import client_app

    started = time.monotonic()
    with pytest.raises(NoWorker, match="celery -A tasks worker"):
        require_worker(client_app(NOBODY))
    assert 1.9 <= time.monotonic() - started < 3.0


def test_a_sent_run_is_recorded_before_a_worker_takes_it_so_the_resume_sweep_sees_it_if_lost(clean_db):
    import redis
    from celery import Celery

    from ingestion.send import enqueue, season_call
    from workers.db.runs import get_run

    app = Celery("test-client", broker=NOBODY, backend=NOBODY, set_as_current=False)
    try:
        run_id = enqueue(app, season_call("season", 1988, refresh=True), True)  # no worker listens there
        run = get_run(clean_db, run_id)
    finally:
        redis.Redis.from_url(NOBODY).flushdb()  # the message goes, as a Redis that lost its data would lose it
    assert (run["kind"], run["source"], run["status"], run["rounds_total"]) == ("season", "jolpica", "running", None)
    assert run["arguments"] == {"year": 1988, "include_results": True, "refresh": True}


def test_sync_series_sends_sync_series_with_its_title_normalised_and_season():
    from ingestion.__main__ import build_parser
    from ingestion.sync import dispatcher_call

    args = build_parser("sync").parse_args(["sync", "--series", "wisconsin Challenge_Series", "--season", "2007"])
    call = dispatcher_call(args)
    assert (call.task, call.argument, call.options, call.source) == (
        "sync_series", "Wisconsin_Challenge_Series", {"season": 2007}, "thirdturn")
    latest = build_parser("sync").parse_args(["sync", "--series", "NASCAR_Cup_Series_Central", "--season", "latest"])
    call = dispatcher_call(latest)
    assert (call.task, call.argument, call.options) == ("sync_series", "NASCAR_Cup_Series_Central",
                                                        {"season": "latest"})


def test_bulk_sync_takes_several_series_each_once(monkeypatch):
    import argparse

    from ingestion.bulk_sync import selected_series
    from workers import sources
    from workers.errors import BadArgument

    def asked(**kw):
        return argparse.Namespace(**{"followed": False, "series": None, "end_year": None, **kw})

    spelled = "Wisconsin_Challenge_Series, wisconsin Challenge Series,NASCAR_Cup_Series_Central"
    assert selected_series(asked(series=spelled)) == ["Wisconsin_Challenge_Series", "NASCAR_Cup_Series_Central"]
    with pytest.raises(BadArgument, match="not a wiki page title"):
        selected_series(asked(series="A|B"))
    monkeypatch.setattr(sources.get("thirdturn").settings, "FOLLOWED_SERIES", "")
    with pytest.raises(BadArgument, match="THIRDTURN_FOLLOWED_SERIES is empty"):
        selected_series(asked(followed=True))
