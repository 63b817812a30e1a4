"""`python -m ingestion sync`: refuses bad input before any work, waits for the run, never prints a spoiler."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.support import broker_url

pytestmark = pytest.mark.integration


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingestion", *args], cwd=REPO, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def runs_in(db) -> int:
    return db.execute('SELECT count(*) FROM "SyncRuns"').fetchone()[0]


@pytest.mark.parametrize("args, message", [
    (["sync", "--year", "1900"], "year must be between 2023"),
    (["sync", "--year", "2999"], "year must be between 2023"),
    (["sync", "--year", "abc"], "year must be a whole number"),
    (["sync", "--recent", "-1"], "days must be a whole number between 1 and 366"),
])
def test_a_bad_argument_is_refused_before_any_work(args, message, clean_db):
    outcome = run_cli(*args)
    assert outcome.returncode == 2
    assert message in outcome.stderr
    assert runs_in(clean_db) == 0


def test_a_malformed_setting_is_reported_by_name_without_its_value():
    outcome = run_cli("sync", "--year", "2024", env={"DATABASE_URL": "mysql://root:s3cret@db/parcferme"})
    assert outcome.returncode == 2
    assert "DATABASE_URL" in outcome.stderr
    assert "s3cret" not in outcome.stderr + outcome.stdout


def test_with_no_worker_answering_it_says_so_and_how_to_start_one(database):
    outcome = run_cli("sync", "--year", "2024", env={"REDIS_URL": broker_url("cli_no_worker")}, timeout=30)
    assert outcome.returncode == 3
    assert "celery -A tasks worker" in outcome.stderr


def test_sync_no_results_waits_for_the_run_and_prints_counts_but_no_result(worker, replay_log, clean_db, data_dir):
    from tests import recorded

    meetings = recorded.season(data_dir, 2024).meetings
    outcome = run_cli("sync", "--year", "2024", "--no-results")
    assert outcome.returncode == 0, outcome.stderr
    assert f"[succeeded] rounds {meetings}/{meetings}" in outcome.stdout
    assert not re.search(r"(?i)position|points|\bP\d+\b|\d+:\d\d\.\d{3}", outcome.stdout)
    assert clean_db.execute('SELECT count(*) FROM "Results"').fetchone()[0] == 0
    assert clean_db.execute('SELECT count(*) FROM "Sessions"').fetchone()[0] > 0
