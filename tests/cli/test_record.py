"""`python -m ingestion record`: the responses a season sync needs, saved in the replay server's layout, so
that a sync from the recording ends in the same database content as a sync from the source."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import psycopg
import pytest
import redis

from harness.recordings import REPO
from harness.tables import content_hash, empty_tables
from harness.workers import broker_url, worker_nodes

pytestmark = pytest.mark.integration

SECOND_BROKER = broker_url("record_copy")  # the worker of the copy: no task of the other worker reaches it


def record(out, *args: str, openf1_url: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingestion", "record", "--out", str(out), *args], cwd=REPO,
                          env={**os.environ, "OPENF1_BASE_URL": openf1_url, **(env or {})}, capture_output=True,
                          text=True, timeout=120)


def requests_to(replay, endpoint: str) -> int:
    return sum(1 for e in replay.stats()["log"] if e["path"].rstrip("/").endswith("/" + endpoint))


@pytest.fixture(scope="module")
def recording(replay, tmp_path_factory):
    """2024 recorded from the replay server (which serves the shared recorded files)."""
    out = tmp_path_factory.mktemp("recording")
    outcome = record(out, "--year", "2024", openf1_url=replay.base_url)
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    return out, outcome


def test_record_writes_each_file_the_replay_server_was_given_with_the_same_records(recording, data_dir):
    out, outcome = recording
    saved = sorted(p.name for p in (out / "2024").iterdir())
    assert saved == sorted(p.name for p in (data_dir / "2024").glob("*.json"))
    for name in saved:
        assert json.loads((out / "2024" / name).read_text()) == json.loads((data_dir / "2024" / name).read_text()), name
    assert f"recorded 2024: 25 meetings, {len(saved)} files" in outcome.stdout
    assert [p.name for p in out.iterdir()] == ["2024"]  # no staging folder left behind


def test_a_sync_from_the_recording_gives_the_same_database_as_a_sync_from_the_source(
        recording, worker, replay, database, tmp_path):
    from openf1_replay import ReplayServer

    empty_tables(database)
    assert worker.run("sync_season", 2024, include_results=True)["status"] == "succeeded"
    with psycopg.connect(database, autocommit=True) as db:
        from_source, results = content_hash(db), db.execute('SELECT count(*) FROM "Results"').fetchone()[0]
    empty_tables(database)
    with ReplayServer(data_dir=str(recording[0]), port=0) as copy, \
            worker_nodes(SECOND_BROKER, database, tmp_path) as start:
        (second,) = start(copy.base_url)
        assert second.run("sync_season", 2024, include_results=True)["status"] == "succeeded"
        assert copy.stats()["requests"] > 0  # the copy, not the source, answered this sync
        with psycopg.connect(database, autocommit=True) as db:
            assert results > 0 and content_hash(db) == from_source


def test_record_without_results_asks_no_spoiler_endpoint_and_saves_none(replay_log, tmp_path):
    outcome = record(tmp_path, "--year", "2024", "--no-results", openf1_url=replay_log.base_url)
    assert outcome.returncode == 0, outcome.stderr
    assert requests_to(replay_log, "session_result") == requests_to(replay_log, "starting_grid") == 0
    names = {p.name for p in (tmp_path / "2024").iterdir()}
    assert {"meetings.json", "sessions.json"} <= names and any(n.startswith("drivers_session_") for n in names)
    assert not any(n.startswith(("session_result", "starting_grid")) for n in names)
    assert "without results" in outcome.stdout and "position" not in outcome.stdout.lower()


def test_record_refuses_a_bad_year_before_any_request(replay_log, tmp_path):
    outcome = record(tmp_path, "--year", "1950", openf1_url=replay_log.base_url)
    assert outcome.returncode == 2 and "record saves OpenF1 seasons, 2023 onwards" in outcome.stderr
    assert replay_log.stats()["requests"] == 0 and not any(tmp_path.iterdir())


def test_a_recording_that_fails_midway_leaves_the_previous_one_untouched(replay_log, tmp_path):
    previous = tmp_path / "2024"
    previous.mkdir()
    (previous / "meetings.json").write_text("[]")
    replay_log.set_rate_limit("6/60s")  # the seventh request (the second meeting's results) is refused: 429
    outcome = record(tmp_path, "--year", "2024", openf1_url=replay_log.base_url, env={"OPENF1_MAX_ATTEMPTS": "1"})
    assert outcome.returncode == 1 and "HTTP 429" in outcome.stderr
    assert "meeting " in outcome.stdout  # it had got past the season's own files
    assert [p.name for p in tmp_path.iterdir()] == ["2024"]  # no staging folder left behind
    assert [p.name for p in previous.iterdir()] == ["meetings.json"]
    assert previous.joinpath("meetings.json").read_text() == "[]"


def test_record_takes_its_slots_from_the_fleet_limit(replay_log, tmp_path):
    fleet = redis.Redis.from_url(SECOND_BROKER)
    fleet.flushdb()
    replay_log.set_rate_limit("20/1s")
    outcome = record(tmp_path, "--year", "2023", "--no-results", openf1_url=replay_log.base_url,
                     env={"OPENF1_RATE_LIMIT": "20/second", "REDIS_URL": SECOND_BROKER})
    assert outcome.returncode == 0, outcome.stderr
    statuses = [e["status"] for e in replay_log.stats()["log"]]
    assert len(statuses) > 20 and 429 not in statuses
    assert fleet.keys("parcferme:openf1:log:*")  # the slots were reserved in the fleet's Redis
    fleet.flushdb()
