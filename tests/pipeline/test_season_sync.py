"""A season end to end on the real parts: replay server → Redis → Celery worker → PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from urllib.parse import unquote

import pytest

from harness import recorded
from harness.tables import RACING_AND_WORKER_TABLES, RACING_TABLES, content_hash, row_versions
from harness.workers import REPO

pytestmark = pytest.mark.integration

SPOILER_ENDPOINTS = ("session_result", "starting_grid")


def count(db, table: str) -> int:
    return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingestion", *args], cwd=REPO, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


def requests_to(replay, endpoint: str) -> int:
    return sum(1 for e in replay.stats()["log"] if e["path"].rstrip("/").endswith("/" + endpoint))


@pytest.fixture(scope="module")
def two_seasons(worker, replay, database, data_dir):
    """2023 and 2024 with results, synced once into a clean database; the runs as the run table has them."""
    import psycopg

    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in RACING_AND_WORKER_TABLES) + " CASCADE")
    replay.reset()
    replay.set_rate_limit(None)
    replay.latency = 0.0
    runs = {year: worker.run("sync_season", year, include_results=True) for year in (2023, 2024)}
    return runs, replay.stats()


def test_two_seasons_with_results_give_the_rows_the_recorded_files_hold(two_seasons, db, data_dir):
    runs, _ = two_seasons
    seasons = [recorded.season(data_dir, y) for y in (2023, 2024)]
    assert all(r["status"] == "succeeded" for r in runs.values()), runs
    assert count(db, "Rounds") == sum(s.meetings for s in seasons)
    assert count(db, "Sessions") == sum(s.sessions for s in seasons)
    assert count(db, "Entrants") == sum(len(s.entrants) for s in seasons)
    assert count(db, "Drivers") == len(set().union(*(s.drivers for s in seasons)))
    assert count(db, "Teams") == len(set().union(*(s.teams for s in seasons)))
    assert count(db, "Results") == sum(s.results for s in seasons)
    assert count(db, "Seasons") == 2 and count(db, "Series") == 1


def test_round_numbers_run_one_to_n_per_season_with_testing_and_cancelled_at_zero(two_seasons, db, data_dir):
    for year in (2023, 2024):
        expected = recorded.season(data_dir, year).championship_rounds
        numbers = [n for (n,) in db.execute(
            'SELECT r."RoundNumber" FROM "Rounds" r JOIN "Seasons" s ON s."Id" = r."SeasonId" '
            'WHERE s."Year" = %s AND r."RoundNumber" > 0 ORDER BY r."DateStart"', [year]).fetchall()]
        assert numbers == list(range(1, expected + 1))
    imola = db.execute('SELECT r."RoundNumber", array_agg(DISTINCT s."Status") FROM "Rounds" r '
                       'JOIN "Sessions" s ON s."RoundId" = r."Id" WHERE r."OpenF1MeetingKey" = 1209 '
                       'GROUP BY r."RoundNumber"').fetchone()
    assert imola == (0, [3])  # cancelled: round 0, every session Cancelled


def test_2024_bahrain_race_is_won_from_pole_by_car_1_with_26_points(two_seasons, db):
    row = db.execute(
        'SELECT d."Slug", x."Position", x."GridPosition", x."Points", x."Status", x."Laps", x."Time" '
        'FROM "Results" x JOIN "Sessions" s ON s."Id" = x."SessionId" JOIN "Entrants" e ON e."Id" = x."EntrantId" '
        'JOIN "Drivers" d ON d."Id" = e."DriverId" WHERE s."OpenF1SessionKey" = 9472 AND e."CarNumber" = 1').fetchone()
    assert row[:6] == ("max-verstappen", 1, 1, 26.0, 0, 57)
    assert row[6] == timedelta(seconds=5504.742)


def test_one_person_per_driver_whatever_the_car_number(two_seasons, db):
    bearman = db.execute('SELECT count(*), array_agg(DISTINCT e."CarNumber" ORDER BY e."CarNumber") FROM "Drivers" d '
                         'JOIN "Entrants" e ON e."DriverId" = d."Id" WHERE d."LastName" ILIKE %s',
                         ["bearman"]).fetchone()
    drivers = db.execute('SELECT count(*) FROM "Drivers" WHERE "LastName" ILIKE %s', ["bearman"]).fetchone()[0]
    assert drivers == 1
    assert bearman[1] == [38, 50]


def test_f3_rows_of_2023_hungary_fp1_are_quarantined_with_a_reason(two_seasons, db, data_dir):
    invalid = recorded.season(data_dir, 2023).invalid_driver_rows
    rows = db.execute('SELECT "Reason", "Payload" FROM "QuarantinedRecords" WHERE "Endpoint" = %s',
                      ["drivers"]).fetchall()
    assert len(rows) == invalid > 0
    assert all("team_name" in reason for reason, _ in rows)
    assert all(payload["meeting_key"] == 1215 for _, payload in rows)
    runs, _ = two_seasons
    assert runs[2023]["quarantined"] == invalid


def test_a_season_with_results_costs_at_most_eight_requests_each_endpoint_asked_once(two_seasons):
    runs, stats = two_seasons
    for run in runs.values():
        assert run["requests"] <= 8 and run["fallbacks"] == []
    assert stats["by_endpoint"] == {e: 2 for e in ("meetings", "sessions", "drivers", "session_result",
                                                   "starting_grid")}  # once per season
    ranges = [unquote(e["query"]) for e in stats["log"] if "drivers" in e["path"]]
    assert all("meeting_key>=" in q and "meeting_key<=" in q for q in ranges), ranges


def test_a_resync_of_unchanged_data_rewrites_no_racing_row(two_seasons, worker, db):
    before, digest = row_versions(db), content_hash(db)
    runs = [worker.run("sync_season", year, include_results=True) for year in (2023, 2024)]
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"]
    assert [r["rows_written"] + r["rows_deleted"] for r in runs] == [0, 0]
    assert row_versions(db) == before  # same ids, same xmin: not one row version written
    assert content_hash(db) == digest


def test_every_row_is_registered_under_its_openf1_identity(two_seasons, db):
    registered = dict(db.execute('SELECT "Kind", count(*) FROM "SourceIdentities" WHERE "Source" = \'openf1\' '
                                 'GROUP BY 1').fetchall())
    tables = {"circuit": "Circuits", "round": "Rounds", "session": "Sessions", "driver": "Drivers", "team": "Teams"}
    assert registered == {kind: count(db, table) for kind, table in tables.items()}
    bahrain = db.execute('SELECT r."Slug" FROM "SourceIdentities" i JOIN "Rounds" r ON r."Id" = i."RowId" '
                         'WHERE i."Kind" = \'round\' AND i."SourceKey" = \'1229\'').fetchone()
    assert bahrain == ("2024-bahrain-grand-prix",)


def test_rebuild_from_the_landing_makes_no_request_and_gives_the_database_a_sync_gives(two_seasons, worker, replay,
                                                                                      db):
    digest = content_hash(db)
    db.execute('UPDATE "Drivers" SET "FirstName" = \'Someone\' WHERE "Slug" = \'max-verstappen\'')  # a wrong row
    db.execute('DELETE FROM "Results" '
               'WHERE "SessionId" IN (SELECT "Id" FROM "Sessions" WHERE "OpenF1SessionKey" = 9472)')
    replay.reset()
    outcome = run_cli("rebuild", "--year", "2024", env={"REDIS_URL": worker.broker_url})
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert content_hash(db) == digest  # the landing mapped again: the wrong row and the lost results are back
    db.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in RACING_TABLES) + ', "SourceIdentities" CASCADE')  # emptied
    runs = [worker.run("rebuild_season", year) for year in (2023, 2024)]
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"] and all(r["include_results"] for r in runs)
    assert replay.stats()["requests"] == 0 and [r["requests"] for r in runs] == [0, 0]
    assert content_hash(db) == digest


def test_rebuild_of_a_season_never_landed_fails_at_once_and_asks_nothing(worker, replay_log, clean_db):
    run = worker.run("rebuild_season", 2025)
    assert run["status"] == "failed"
    assert "nothing landed for meetings?year=2025 from OpenF1: sync it first" in run["error"]
    assert replay_log.stats()["requests"] == 0


def test_without_results_no_spoiler_request_is_made_and_no_result_written(worker, replay_log, clean_db, data_dir):
    run = worker.run("sync_season", 2024, include_results=False)
    assert run["status"] == "succeeded" and run["include_results"] is False
    assert count(clean_db, "Results") == 0
    assert count(clean_db, "Entrants") == len(recorded.season(data_dir, 2024).entrants)
    for endpoint in SPOILER_ENDPOINTS:
        assert requests_to(replay_log, endpoint) == 0
    assert replay_log.stats()["requests"] == run["requests"] <= 3
    landed = {e for (e,) in clean_db.execute('SELECT DISTINCT "Endpoint" FROM "LandedAnswers"').fetchall()}
    assert landed == {"meetings", "sessions", "drivers"}  # the landing holds no result either


def test_a_finished_season_includes_results_by_default(worker, replay_log, clean_db):
    run = worker.run("sync_season", 2024)
    assert run["status"] == "succeeded" and run["include_results"] is True
    assert count(clean_db, "Results") > 0


def test_celery_call_sync_season_as_the_team_types_it_fills_the_season(worker, replay_log, clean_db, data_dir):
    from harness.runs import wait_for_run

    outcome = subprocess.run([sys.executable, "-m", "celery", "-A", "tasks", "call", "sync_season", "--args=[2024]"],
                             cwd=REPO, env={**os.environ, "REDIS_URL": worker.broker_url}, capture_output=True,
                             text=True, timeout=60)
    assert outcome.returncode == 0, outcome.stderr
    run = wait_for_run(worker.database_url, outcome.stdout.strip(), 120, worker)
    expected = recorded.season(data_dir, 2024)
    assert run["status"] == "succeeded" and run["rounds_done"] == expected.meetings
    assert count(clean_db, "Sessions") == expected.sessions
    assert count(clean_db, "Results") == expected.results
