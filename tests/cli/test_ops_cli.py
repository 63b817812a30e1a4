"""Operator commands on the real parts: `runs`, `verify`, `healthcheck`, `bulk_sync` and `ingestion.db audit`.
Each refuses bad input with exit 2, reports counts and keys only (never a position, time or points value),
and exits 0 only when all is well."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import uuid
from datetime import datetime, timezone

import pytest

from harness import jolpica_data, recorded
from harness.recordings import REPO
from harness.tables import empty_tables
from harness.workers import broker_url, worker_nodes

pytestmark = pytest.mark.integration

SPOILER = re.compile(r"(?i)position|points|\bP\d+\b|\d+:\d\d\.\d{3}")
NOBODY = broker_url("no_worker")  # a Redis DB no worker of any test listens on (but the history tests' own)
ADMIN_URL = os.environ.get("TEST_ADMIN_URL", "postgresql://postgres@localhost:5432/postgres")


def run_cli(module: str, *args: str, env: dict[str, str] | None = None, timeout: float = 120,
            stdin: int | None = subprocess.DEVNULL) -> subprocess.CompletedProcess:
    outcome = subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, env={**os.environ, **(env or {})},
                             capture_output=True, text=True, timeout=timeout, stdin=stdin)
    assert not SPOILER.search(outcome.stdout + outcome.stderr), outcome.stdout
    return outcome


def count(db, table: str) -> int:
    return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


@pytest.fixture()
def season_2024(worker, replay_log, clean_db):
    """2024 synced into an empty database; the environment a command needs to reach the same parts."""
    def sync(results: bool) -> dict[str, str]:
        run = worker.run("sync_season", 2024, include_results=results)
        assert run["status"] == "succeeded", run
        return {"OPENF1_BASE_URL": replay_log.base_url, "REDIS_URL": worker.broker_url}
    return sync


# -- runs ------------------------------------------------------------------------------------------------------

def make_runs(db) -> dict[str, str]:
    """Three runs written through workers.db.runs: a succeeded one, a failed one, a running one (newest)."""
    from workers.db import runs

    ids = {name: str(uuid.uuid4()) for name in ("succeeded", "failed", "running")}
    runs.start_run(db, ids["succeeded"], "season", "openf1", {"year": 2024, "include_results": False})
    runs.add_run_requests(db, ids["succeeded"], 1)
    runs.plan_run(db, ids["succeeded"], [(2024, "1"), (2024, "2")], False)
    runs.add_round_counts(db, ids["succeeded"], "1", requests=2, written=10, deleted=1, quarantined=3)
    runs.add_round_counts(db, ids["succeeded"], "2", requests=2, written=5)
    for key in ("1", "2"):
        runs.mark_round(db, ids["succeeded"], key, "done")
    assert runs.finish_run_if_complete(db, ids["succeeded"]) == "succeeded"
    runs.fail_run(db, ids["failed"], "season", "openf1", {"year": 2023}, "PermanentError: " + "x" * 200)
    runs.start_run(db, ids["running"], "recent", "openf1", {"days": 7})
    runs.add_run_requests(db, ids["running"], 1)
    runs.plan_run(db, ids["running"], [(2024, "3")], False)
    for age, name in enumerate(("running", "failed", "succeeded")):
        db.execute('UPDATE "SyncRuns" SET "StartedAt" = now() - %s * interval \'1 hour\' WHERE "Id" = %s',
                   [age, ids[name]])
    return ids


def test_runs_json_lists_the_latest_runs_newest_first_with_their_meeting_totals(clean_db):
    ids = make_runs(clean_db)
    outcome = run_cli("ingestion", "runs", "--limit", "2", "--json")
    assert outcome.returncode == 0, outcome.stderr
    listed = json.loads(outcome.stdout)
    assert [r["id"] for r in listed] == [ids["running"], ids["failed"]]
    assert listed[0]["status"] == "running" and listed[0]["rounds_total"] == 1 and listed[0]["rounds_done"] == 0
    assert listed[1]["status"] == "failed" and listed[1]["error"] == "PermanentError: " + "x" * 200


def test_runs_table_shows_counts_and_a_truncated_error(clean_db):
    ids = make_runs(clean_db)
    outcome = run_cli("ingestion.runs", "--limit", "3")
    assert outcome.returncode == 0, outcome.stderr
    lines = outcome.stdout.splitlines()
    assert lines[0].split()[:5] == ["id", "kind", "source", "arguments", "status"]
    done = next(line for line in lines if line.startswith(ids["succeeded"]))
    assert re.search(r"succeeded .* 2/0/2 +5 +15/1 +3 +0/0/0$", done), done
    failed = next(line for line in lines if line.startswith(ids["failed"]))
    assert "PermanentError: xxx" in failed and failed.endswith("…") and "x" * 100 not in failed


def test_list_runs_gives_every_run_exactly_as_get_run_does(clean_db):
    from workers.db.runs import get_run, list_runs

    make_runs(clean_db)
    listed = list_runs(clean_db, 10)
    assert len(listed) == 3
    assert listed == [get_run(clean_db, r["id"]) for r in listed]
    assert listed[2]["requests"] == 5 and listed[2]["rows_written"] == 15 and listed[2]["quarantined"] == 3


@pytest.mark.parametrize("limit", ["0", "1001"])
def test_runs_refuses_a_limit_out_of_range(limit, database):
    outcome = run_cli("ingestion", "runs", "--limit", limit)
    assert (outcome.returncode, outcome.stderr) == (2, f"error: --limit must be between 1 and 1000, got {limit}\n")


@pytest.mark.parametrize("command", [["ingestion", "runs"], ["ingestion.verify"]])
def test_with_postgresql_down_a_command_says_so_at_once_without_the_password(command):
    outcome = run_cli(*command, env={"DATABASE_URL": "postgresql://parcferme:s3cretpw@127.0.0.1:1/parcferme"},
                      timeout=15)
    assert outcome.returncode == 4
    assert "cannot reach PostgreSQL at postgresql://parcferme:***@127.0.0.1:1/parcferme" in outcome.stderr
    assert "s3cretpw" not in outcome.stdout + outcome.stderr


# -- verify ----------------------------------------------------------------------------------------------------

def test_verify_reports_a_fully_synced_season_complete_and_prints_no_result(season_2024, data_dir, db):
    env = season_2024(results=True)
    expected = recorded.season(data_dir, 2024)
    outcome = run_cli("ingestion", "verify", "--year", "2024", env=env)
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert f"meetings listed by OpenF1 {expected.meetings}, present here {expected.meetings}" in outcome.stdout
    assert f"sessions listed by OpenF1 {expected.sessions}, present here {expected.sessions}" in outcome.stdout
    assert f"season 2024: {expected.meetings} rounds ({expected.championship_rounds} championship)" in outcome.stdout
    assert "RACE 24" in outcome.stdout and "season 2024: complete" in outcome.stdout
    assert f"Results {expected.results}" in outcome.stdout
    assert "latest session: 2024 round 24 Abu Dhabi Grand Prix, RACE" in outcome.stdout


def test_verify_names_a_missing_session_and_exits_1(season_2024, db):
    env = season_2024(results=False)
    db.execute('DELETE FROM "Sessions" WHERE "OpenF1SessionKey" = 9472')
    outcome = run_cli("ingestion.verify", env=env)
    assert outcome.returncode == 1, outcome.stdout + outcome.stderr
    assert "missing 1: 9472" in outcome.stdout and "season 2024: INCOMPLETE" in outcome.stdout
    report = json.loads(run_cli("ingestion.verify", "--json", env=env).stdout)
    assert report["seasons"]["2024"]["sessions"]["missing"] == ["9472"]  # as listed, like meetings
    assert report["seasons"]["2024"]["meetings"]["missing"] == [] and report["complete"] is False


def test_verify_of_a_season_absent_here_lists_every_upstream_meeting_as_missing(season_2024, data_dir):
    env = season_2024(results=False)
    outcome = run_cli("ingestion", "verify", "--year", "2023", "--json", env=env)
    assert outcome.returncode == 1
    season = json.loads(outcome.stdout)["seasons"]["2023"]
    assert season["meetings"]["present"] == 0
    assert len(season["meetings"]["missing"]) == recorded.season(data_dir, 2023).meetings


def test_verify_refuses_a_bad_year_before_asking_openf1(replay_log, database):
    outcome = run_cli("ingestion", "verify", "--year", "1949", env={"OPENF1_BASE_URL": replay_log.base_url})
    assert outcome.returncode == 2 and "year must be between 1950" in outcome.stderr
    assert replay_log.stats()["requests"] == 0


# -- history (Jolpica): verify and audit --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def jolpica():
    """The Jolpica replay serving Ergast's export (1950-2024), without a limit."""
    from jolpica_replay import JolpicaReplayServer

    with JolpicaReplayServer(data_dir=jolpica_data.DATA_DIR, rate_limit=None) as server:
        yield server


@pytest.fixture()
def history(jolpica, replay_log, database, tmp_path):
    """sync(year, results) -> the environment a command needs: seasons synced into emptied tables by a real worker
    reading the Jolpica replay (and the OpenF1 one from 2023). Its broker is NOBODY's DB, emptied and left without
    a worker at the end. The worker has no limit; a command takes its slots of Jolpica's (4/second;500/hour)."""
    from jolpica_replay import JOLPICA_RATE_LIMIT

    empty_tables(database)
    with worker_nodes(NOBODY, database, tmp_path, JOLPICA_BASE_URL=jolpica.base_url,
                      JOLPICA_RATE_LIMIT="off") as start:
        node = start(replay_log.base_url)[0]

        def sync(year: int, results: bool) -> dict[str, str]:
            run = node.run("sync_season", year, include_results=results)
            assert run["status"] == "succeeded", run
            jolpica.reset()
            replay_log.reset()
            return {"JOLPICA_BASE_URL": jolpica.base_url, "JOLPICA_RATE_LIMIT": JOLPICA_RATE_LIMIT,
                    "OPENF1_BASE_URL": replay_log.base_url, "REDIS_URL": NOBODY}
        yield sync


def schedule_of(year: int) -> list[dict[str, str]]:
    return [race for race in jolpica_data.table("races") if race["year"] == str(year)]


def delete_round(db, source: str, key: str) -> None:
    """The round a source holds under `key`, deleted as a careless hand would (its identity stays behind)."""
    deleted = db.execute('DELETE FROM "Rounds" r USING "SourceIdentities" i WHERE i."RowId" = r."Id" '
                         'AND i."Source" = %s AND i."Kind" = \'round\' AND i."SourceKey" = %s', [source, key])
    assert deleted.rowcount == 1


def test_verify_checks_a_history_season_against_jolpicas_schedule_in_one_request_and_names_a_missing_round(
        history, jolpica, db):
    env = history(1988, results=False)
    races = len(schedule_of(1988))
    outcome = run_cli("ingestion", "verify", "--year", "1988", env=env)
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert f"season 1988: {races} rounds ({races} championship), sessions: RACE {races}" in outcome.stdout
    assert f"races listed by Jolpica {races}, present here {races}\n" in outcome.stdout
    assert "season 1988: complete" in outcome.stdout
    asked = jolpica.stats()
    assert asked["requests"] == 1
    assert [(r["path"], r["query"]) for r in asked["log"]] == [("/ergast/f1/1988.json", "limit=100&offset=0")]

    delete_round(db, "jolpica", "1988/5")
    jolpica.reset()
    outcome = run_cli("ingestion.verify", "--year", "1988", env=env)
    assert outcome.returncode == 1, outcome.stdout
    assert f"races listed by Jolpica {races}, present here {races - 1}; missing 1: 1988/5" in outcome.stdout
    assert "season 1988: INCOMPLETE" in outcome.stdout
    report = json.loads(run_cli("ingestion.verify", "--year", "1988", "--json", env=env).stdout)
    season = report["seasons"]["1988"]
    assert (season["source"], season["compared"]) == ("jolpica", ["races"])
    assert season["races"] == {"upstream": races, "present": races - 1, "missing": ["1988/5"], "not_upstream": []}
    assert report["complete"] is False and jolpica.stats()["requests"] == 2


def test_verify_with_no_year_checks_every_season_against_its_own_source(history, jolpica, replay_log, data_dir):
    history(1988, results=False)
    env = history(2024, results=False)
    outcome = run_cli("ingestion", "verify", "--json", env=env)
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    seasons = json.loads(outcome.stdout)["seasons"]
    assert list(seasons) == ["1988", "2024"]
    assert (seasons["1988"]["source"], seasons["1988"]["compared"]) == ("jolpica", ["races"])
    assert (seasons["2024"]["source"], seasons["2024"]["compared"]) == ("openf1", ["meetings", "sessions"])
    assert seasons["2024"]["meetings"]["present"] == recorded.season(data_dir, 2024).meetings
    assert jolpica.stats()["requests"] == 1
    assert replay_log.stats()["by_endpoint"] == {"meetings": 1, "sessions": 1}


def shared_numbers(db, year: int) -> int:
    """Car numbers of the year's rounds that two entrants carry."""
    return db.execute('SELECT count(*) FROM (SELECT 1 FROM "Entrants" e JOIN "Rounds" r ON r."Id" = e."RoundId" '
                      'JOIN "Seasons" y ON y."Id" = r."SeasonId" WHERE y."Year" = %s AND e."CarNumber" IS NOT NULL '
                      'GROUP BY e."RoundId", e."CarNumber" HAVING count(*) > 1) shared', [year]).fetchone()[0]


def test_audit_of_history_with_results_finds_no_defect_in_shared_cars_numbers_and_a_weekend_without_practice(
        history, db):
    """1955: shared drives and two drivers on one car number (results are matched by driver and team there);
    2021: practice sessions that history never classifies, and sprint weekends of their own shape."""
    history(1955, results=True)
    history(2021, results=True)
    assert shared_numbers(db, 1955) > 0
    outcome = run_cli("ingestion.db", "audit")
    assert outcome.returncode == 0, outcome.stdout
    assert "defect" not in outcome.stdout.replace("0 defects", "")
    for absent in ("sharing a car number", "without a car number", "weekend shape", "without results though",
                   "fewer entrants"):
        assert absent not in outcome.stdout, absent
    assert "  2021-monaco-grand-prix QUALIFYING: 1 entrant(s) with a RACE result have none here: mick-schumacher" \
        in outcome.stdout  # he did not take part in qualifying (Ergast's 2021 qualifying has 439 rows)


def hold(db, source: str, kind: str, table: str, key: str, **row: str) -> None:
    """A row written with the identity a source gives it, as that source writes one it has no bridge for."""
    columns = ", ".join(f'"{c}"' for c in row)
    row_id = db.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join(["%s"] * len(row))}) RETURNING "Id"',
                        list(row.values())).fetchone()[0]
    db.execute('INSERT INTO "SourceIdentities" ("Source", "Kind", "SourceKey", "RowId") VALUES (%s, %s, %s, %s)',
               [source, kind, key, row_id])


def test_audit_notices_what_two_sources_hold_as_two_rows_and_circuits_at_one_location(season_2024, db):
    """OpenF1's 2024 beside history's rows of the same team, circuits and a driver, as Ergast names them (Jolpica
    slugs a circuit by its circuitId), each a row of its own: what two sources leave without a bridge."""
    season_2024(results=False)
    circuits = jolpica_data.by_id("circuits", "circuitRef")
    for ref in ("bahrain", "yas_marina", "americas"):
        circuit = circuits[ref]
        hold(db, "jolpica", "circuit", "Circuits", ref, Name=circuit["name"], Slug=jolpica_data.slug(ref),
             Location=circuit["location"], Country=circuit["country"])
    constructors = jolpica_data.by_id("constructors", "constructorRef")
    for ref in ("red_bull", "sauber"):
        name = constructors[ref]["name"]
        hold(db, "jolpica", "team", "Teams", ref, Name=name, Slug=jolpica_data.slug(name))
    hold(db, "jolpica", "driver", "Drivers", "zhou", FirstName="Zhou", LastName="Guanyu", Slug="zhou-guanyu")
    location, country = db.execute('INSERT INTO "Circuits" ("Name", "Slug", "Location", "Country") SELECT '
                                   '\'Silverstone Grand Prix Circuit\', \'silverstone-gp\', "Location", "Country" '
                                   'FROM "Circuits" WHERE "Slug" = \'silverstone\' RETURNING "Location", "Country"'
                                   ).fetchone()  # a copy by a careless hand, held by no source
    outcome = run_cli("ingestion.db", "audit")
    assert outcome.returncode == 0, outcome.stdout
    assert "defect" not in outcome.stdout.replace("0 defects", "")
    for finding in ("notice: duplicates: drivers that two sources hold as two rows, their names of the same words: 1",
                    "  Guanyu Zhou: guanyu-zhou (openf1), zhou-guanyu (jolpica)",
                    "notice: duplicates: teams that two sources hold as two rows, their names of the same words "
                    "(racing, team and f1 aside): 1",
                    "  Red Bull: red-bull (jolpica), red-bull-racing (openf1)",
                    "notice: duplicates: circuits that two sources hold as two rows under one name: 1",
                    "  Yas Marina Circuit: yas-marina (jolpica), yas-marina-circuit (openf1)",
                    "notice: duplicates: circuits at one location (Location and Country alike): 3",
                    "  Sakhir, Bahrain: bahrain (jolpica), sakhir (openf1)",
                    "  Austin, USA: americas (jolpica), austin (openf1)",
                    f"  {location}, {country}: silverstone (openf1), silverstone-gp (no source)"):
        assert finding in outcome.stdout, finding
    assert "sauber (jolpica)" not in outcome.stdout  # OpenF1's Kick Sauber is a rebrand: a team of its own
    assert outcome.stdout.rstrip().endswith("20 checks, 0 defects, 6 notices")


# -- healthcheck -----------------------------------------------------------------------------------------------

def test_healthcheck_passes_when_every_part_is_up(worker, replay_log, history_replay, wiki_replay, database):
    import redis

    redis.Redis.from_url(worker.broker_url).delete(f"parcferme:thirdturn:robots:{wiki_replay.base_url}")
    wiki_replay.reset()
    history_replay.reset()
    outcome = run_cli("ingestion", "healthcheck", env={"OPENF1_BASE_URL": replay_log.base_url,
                                                       "JOLPICA_BASE_URL": history_replay.base_url,
                                                       "THIRDTURN_BASE_URL": wiki_replay.base_url,
                                                       "REDIS_URL": worker.broker_url})
    assert outcome.returncode == 0, outcome.stdout
    assert [line.split()[:2] for line in outcome.stdout.splitlines()] == [
        ["OK", "postgres"], ["OK", "indexes"], ["OK", "redis"], ["OK", "openf1"], ["OK", "jolpica"],
        ["OK", "thirdturn"], ["OK", "workers"]]
    assert replay_log.stats()["requests"] == 1 and history_replay.stats()["requests"] == 1
    assert [e["path"] for e in wiki_replay.stats()["log"]] == ["/robots.txt"]  # no page: robots.txt alone
    sources = [line for line in outcome.stdout.splitlines() if line.split()[1] in ("openf1", "jolpica", "thirdturn")]
    assert all(line.endswith("[data: CC BY-NC-SA 4.0]") for line in sources), sources


def test_healthcheck_of_a_formula_1_only_deployment_passes_with_the_wiki_off(worker, replay_log, history_replay,
                                                                             database):
    """Default settings but the two Formula 1 sources' addresses: no THIRDTURN_CONTACT and no followed series,
    so The Third Turn is not in use (OFF, not FAIL) and nothing is asked of it; the check exits 0."""
    outcome = run_cli("ingestion", "healthcheck", "--json", env={
        "OPENF1_BASE_URL": replay_log.base_url, "JOLPICA_BASE_URL": history_replay.base_url,
        "THIRDTURN_BASE_URL": "https://www.thethirdturn.com/wiki", "THIRDTURN_CONTACT": "",
        "THIRDTURN_FOLLOWED_SERIES": "", "REDIS_URL": worker.broker_url})
    assert outcome.returncode == 0, outcome.stdout
    report = json.loads(outcome.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert report["ok"] is True and checks["thirdturn"]["state"] == "not configured"
    assert checks["thirdturn"]["ok"] is None and "THIRDTURN_CONTACT" in checks["thirdturn"]["detail"]
    assert {checks[n]["state"] for n in ("postgres", "indexes", "redis", "openf1", "jolpica", "workers")} == {"ok"}
    declared = {n: checks[n]["data"] for n in ("openf1", "jolpica", "thirdturn")}
    from workers import sources
    assert declared == {n: {"licence": a.licence.name, "licence_url": a.licence.url,
                           "commercial_use": a.licence.commercial_use, "credit": a.credit}
                       for n, a in sources.attributions().items()}
    text = run_cli("ingestion", "healthcheck", "--skip", "openf1,jolpica,workers",
                   env={"THIRDTURN_BASE_URL": "https://www.thethirdturn.com/wiki", "THIRDTURN_CONTACT": "",
                        "THIRDTURN_FOLLOWED_SERIES": "", "REDIS_URL": worker.broker_url})
    assert text.returncode == 0 and "OFF   thirdturn" in text.stdout, text.stdout


def test_healthcheck_fails_the_wiki_when_the_live_one_would_be_crawled_without_a_contact(database):
    outcome = run_cli("ingestion.healthcheck", "--skip", "openf1,jolpica,workers", "--timeout", "1",
                      env={"THIRDTURN_BASE_URL": "https://www.thethirdturn.com", "THIRDTURN_CONTACT": "",
                           "THIRDTURN_FOLLOWED_SERIES": "Wisconsin_Challenge_Series",
                           "THIRDTURN_RATE_LIMIT": "1/5second"})
    assert outcome.returncode == 1 and "FAIL  thirdturn" in outcome.stdout and "THIRDTURN_CONTACT" in outcome.stdout


def test_healthcheck_reports_every_part_down_with_a_reason_and_no_password(database):
    env = {"DATABASE_URL": "postgresql://parcferme:s3cretpw@127.0.0.1:1/parcferme_test",
           "REDIS_URL": "redis://:r3dispw@127.0.0.1:1/0", "OPENF1_BASE_URL": "http://127.0.0.1:9/v1",
           "JOLPICA_BASE_URL": "http://127.0.0.1:9/ergast/f1", "THIRDTURN_CONTACT": "ops@example.org"}
    outcome = run_cli("ingestion.healthcheck", "--timeout", "1", env=env)
    assert outcome.returncode == 4  # PostgreSQL and Redis unreachable
    assert [line.split()[:2] for line in outcome.stdout.splitlines()] == [
        ["FAIL", "postgres"], ["FAIL", "indexes"], ["FAIL", "redis"], ["FAIL", "openf1"], ["FAIL", "jolpica"],
        ["FAIL", "thirdturn"], ["FAIL", "workers"]]
    assert "s3cretpw" not in outcome.stdout + outcome.stderr and "r3dispw" not in outcome.stdout + outcome.stderr


def test_healthcheck_skip_checks_one_component_for_a_container(database):
    env = {"OPENF1_BASE_URL": "http://127.0.0.1:9/v1", "JOLPICA_BASE_URL": "http://127.0.0.1:9/ergast/f1",
           "REDIS_URL": NOBODY}
    everything = run_cli("ingestion.healthcheck", "--timeout", "1", env=env)
    assert everything.returncode == 1 and "FAIL  openf1" in everything.stdout and "FAIL  workers" in everything.stdout
    outcome = run_cli("ingestion.healthcheck", "--skip", "openf1,jolpica,thirdturn,workers", "--json", env=env)
    assert outcome.returncode == 0, outcome.stdout
    report = json.loads(outcome.stdout)
    assert report["ok"] is True
    assert {c["name"]: c["ok"] for c in report["checks"]} == {
        "postgres": True, "indexes": True, "redis": True, "openf1": None, "jolpica": None, "thirdturn": None,
        "workers": None}


def test_healthcheck_refuses_an_unknown_check_name(database):
    outcome = run_cli("ingestion.healthcheck", "--skip", "openf1,kafka")
    assert outcome.returncode == 2 and "unknown: kafka" in outcome.stderr


def test_healthcheck_fails_the_indexes_check_when_the_migrations_are_missing(scratch_database):
    outcome = run_cli("ingestion.healthcheck", "--skip", "openf1,jolpica,workers",
                      env={"DATABASE_URL": scratch_database})
    assert outcome.returncode == 1
    assert "OK    postgres" in outcome.stdout and "FAIL  indexes" in outcome.stdout
    assert "python -m ingestion.db migrate" in outcome.stdout


@pytest.fixture()
def scratch_database(database):
    """An empty database next to the test one (no migration applied); dropped afterwards."""
    import psycopg

    name = f"parcferme_ops_{uuid.uuid4().hex[:8]}_test"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield database.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- bulk_sync -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--start-year", "1949"], "--start-year must be between 1950"),
    (["--start-year", "2024", "--end-year", str(datetime.now(timezone.utc).year + 1)], "--end-year must be between"),
    (["--start-year", "2024", "--end-year", "2023"], "is before --start-year"),
    (["--start-year", "twenty"], "--start-year must be a whole number"),
    (["--all", "--end-year", "2024"], "--end-year goes with --start-year"),
])
def test_bulk_sync_refuses_years_outside_1950_to_now_before_any_work(args, message, clean_db):
    outcome = run_cli("ingestion.bulk_sync", *args)
    assert outcome.returncode == 2 and message in outcome.stderr
    assert count(clean_db, "SyncRuns") == 0


def test_bulk_sync_follows_one_run_per_season_until_all_succeed(worker, replay_log, clean_db, data_dir):
    outcome = run_cli("ingestion.bulk_sync", "--start-year", "2023", "--end-year", "2024", "--no-results")
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    for year in (2023, 2024):
        meetings = recorded.season(data_dir, year).meetings
        assert f"{year}: [succeeded] rounds {meetings}/{meetings}" in outcome.stdout
    assert "2 of 2 runs succeeded" in outcome.stdout
    assert count(clean_db, "SyncRuns") == 2 and count(clean_db, "Seasons") == 2 and count(clean_db, "Results") == 0


def test_bulk_sync_says_when_no_worker_answers(database):
    outcome = run_cli("ingestion.bulk_sync", "--start-year", "2024", env={"REDIS_URL": NOBODY}, timeout=30)
    assert outcome.returncode == 3 and "celery -A tasks worker" in outcome.stderr


def test_following_several_runs_exits_1_when_one_of_them_failed(clean_db, capsys):
    from ingestion.follow import follow_runs
    from workers.db import runs

    ok, bad = str(uuid.uuid4()), str(uuid.uuid4())
    runs.start_run(clean_db, ok, "season", "openf1", {"year": 2024})
    runs.plan_run(clean_db, ok, [], False)
    runs.finish_run_if_complete(clean_db, ok)
    runs.fail_run(clean_db, bad, "season", "openf1", {"year": 2023}, "PermanentError: upstream refused")
    assert follow_runs({"2024": ok, "2023": bad}, timeout=10, poll=0.1) == 1
    out = capsys.readouterr().out
    assert "2024: [succeeded]" in out and "2023: [failed]" in out and "1 of 2 runs succeeded; failed: 2023" in out


# -- ingestion.db audit ----------------------------------------------------------------------------------------

def test_audit_of_a_freshly_synced_season_finds_nothing(season_2024):
    season_2024(results=False)
    outcome = run_cli("ingestion.db", "audit")
    assert outcome.returncode == 0, outcome.stdout
    assert "no finding" in outcome.stdout


MISSING_ENTRANT = ("completed qualifying, sprint and race sessions lacking a result for an entrant of the round's race "
                   "(the race: of its qualifying)")


def test_audit_of_a_2024_sync_with_results_passes_with_one_notice_that_only_strict_counts(season_2024):
    """Sargeant crashed in FP3 of the 2024 Dutch GP and took no part in qualifying, then raced: a fact, not a defect."""
    season_2024(results=True)
    relaxed, strict = run_cli("ingestion.db", "audit"), run_cli("ingestion.db", "audit", "--strict")
    assert (relaxed.returncode, strict.returncode) == (0, 1), relaxed.stdout + strict.stdout
    for outcome in (relaxed, strict):
        assert outcome.stdout.splitlines()[:2] == [
            f"notice: completeness: {MISSING_ENTRANT}: 1",
            "  2024-dutch-grand-prix QUALIFYING (session 9578): 1 entrant(s) with a RACE result have none here: "
            "logan-sargeant"]
        assert "defect" not in outcome.stdout.replace("0 defects", "")
    assert relaxed.stdout.rstrip().endswith("20 checks, 0 defects, 1 notice")
    assert strict.stdout.rstrip().endswith("20 checks, 0 defects, 1 notice (--strict: notices count)")


def round_id(db, slug: str):
    return db.execute('SELECT "Id" FROM "Rounds" WHERE "Slug" = %s', [slug]).fetchone()[0]


def write_defects(db) -> None:
    """One defect of each kind, written as a careless hand or a buggy writer would."""
    db.execute('INSERT INTO "Rounds" ("SeasonId", "CircuitId", "Name", "Slug", "RoundNumber", "DateStart", "DateEnd", '
               '"OpenF1MeetingKey") SELECT "SeasonId", "CircuitId", "Name", \'2024-bahrain-gp-copy\', 0, "DateStart", '
               '"DateEnd", "OpenF1MeetingKey" FROM "Rounds" WHERE "Slug" = \'2024-bahrain-grand-prix\'')
    db.execute('INSERT INTO "Drivers" ("FirstName", "LastName", "Slug") VALUES (\'Sergio\', \'Pérez\', \'checo\')')
    db.execute('INSERT INTO "Seasons" ("SeriesId", "Year") SELECT "Id", 2030 FROM "Series"')
    db.execute('INSERT INTO "Sessions" ("RoundId", "Type", "StartTimeUtc", "Status") VALUES (%s, 6, now(), 0)',
               [round_id(db, "2024-italian-grand-prix")])
    db.execute('UPDATE "Entrants" SET "CarNumber" = 1 WHERE "RoundId" = %s AND "CarNumber" = 11',
               [round_id(db, "2024-bahrain-grand-prix")])
    db.execute('UPDATE "Entrants" SET "CarNumber" = NULL WHERE "RoundId" = %s AND "CarNumber" = 4',
               [round_id(db, "2024-japanese-grand-prix")])


def write_gaps_the_sport_has(db) -> None:
    """A weekend without one of its sessions and a round with half its cars: what the audit only notices."""
    db.execute('DELETE FROM "Sessions" WHERE "OpenF1SessionKey" = 9584')  # Monza FP2
    db.execute('DELETE FROM "Entrants" WHERE "RoundId" = %s AND "CarNumber" > 20',
               [round_id(db, "2024-monaco-grand-prix")])


def test_audit_fails_on_duplicates_empty_parents_and_contradicting_rows_and_notices_the_rest(season_2024, db):
    season_2024(results=False)
    write_defects(db)
    write_gaps_the_sport_has(db)
    outcome = run_cli("ingestion.db", "audit")
    assert outcome.returncode == 1, outcome.stdout
    for finding in ("defect: duplicates: rounds sharing one OpenF1 meeting key: 1",
                    "  meeting 1229: 2024-bahrain-gp-copy, 2024-bahrain-grand-prix",
                    "defect: duplicates: drivers whose names slug the same: 1",
                    "  sergio-perez: checo (no source), sergio-perez (openf1)",
                    "defect: duplicates: sessions of one round with the same type (testing excepted): 1",
                    "  2024-italian-grand-prix RACE: sessions 9590, ",
                    "defect: duplicates: entrants of one round sharing a car number", "  2024-bahrain-grand-prix #1: ",
                    "defect: empty parents: seasons without rounds: 1", "  formula-1 2030",
                    "defect: empty parents: rounds without sessions: 1", "  2024-bahrain-gp-copy",
                    "defect: completeness: entrants without a car number", "  2024-japanese-grand-prix: lando-norris",
                    "notice: completeness: championship rounds whose sessions differ from the usual weekend shape: 1",
                    "  2024-italian-grand-prix (conventional weekend): missing FP2",
                    "notice: completeness: championship rounds with a completed session and fewer entrants than two",
                    "  2024-monaco-grand-prix: 10 entrants, expected at least 20"):
        assert finding in outcome.stdout, finding
    assert outcome.stdout.rstrip().endswith("20 checks, 7 defects, 2 notices")


def test_audit_passes_a_weekend_short_of_a_session_and_of_cars_unless_strict(season_2024, db):
    season_2024(results=False)
    write_gaps_the_sport_has(db)
    outcome = run_cli("ingestion.db", "audit")
    assert outcome.returncode == 0, outcome.stdout
    assert "  2024-monaco-grand-prix: 10 entrants, expected at least 20" in outcome.stdout
    assert outcome.stdout.rstrip().endswith("20 checks, 0 defects, 2 notices")
    assert run_cli("ingestion.db", "audit", "--strict").returncode == 1


def test_audit_notices_completed_sessions_whose_results_are_missing(season_2024, db):
    """Upstream has such gaps (2023 Belgian GP qualifying), so they are notices: exit 1 only with --strict."""
    season_2024(results=True)
    db.execute('DELETE FROM "Results" '
               'WHERE "SessionId" = (SELECT "Id" FROM "Sessions" WHERE "OpenF1SessionKey" = 9472)')
    db.execute('DELETE FROM "Results" x USING "Sessions" s, "Entrants" e WHERE s."Id" = x."SessionId" '
               'AND e."Id" = x."EntrantId" AND s."OpenF1SessionKey" = 9586 AND e."CarNumber" = 1')
    outcome = run_cli("ingestion.db", "audit")
    assert outcome.returncode == 0, outcome.stdout
    assert "notice: completeness: completed sessions without results though their meeting was last synced with " \
           "results: 1\n  2024-bahrain-grand-prix RACE (session 9472)\n" in outcome.stdout
    assert "  2024-italian-grand-prix QUALIFYING (session 9586): 1 entrant(s) with a RACE result have none here: " \
           "max-verstappen" in outcome.stdout
    assert outcome.stdout.rstrip().endswith("20 checks, 0 defects, 3 notices")
    assert run_cli("ingestion.db", "audit", "--strict").returncode == 1


def test_resume_refuses_a_threshold_inside_the_visibility_timeout_before_any_work(clean_db):
    run_id = str(uuid.uuid4())
    clean_db.execute('INSERT INTO "SyncRuns" ("Id", "Kind", "Source", "Arguments", "RoundsTotal") '
                     'VALUES (%s, \'season\', \'openf1\', \'{"year": 2024}\', 1)', [run_id])
    clean_db.execute('INSERT INTO "SyncRunRounds" ("RunId", "Season", "RoundKey", "UpdatedAt") '
                     'VALUES (%s, 2024, \'1229\', now() - interval \'1 day\')', [run_id])
    outcome = run_cli("ingestion", "resume", "--stalled-after", "60", env={"REDIS_URL": NOBODY})
    assert outcome.returncode == 2 and "--stalled-after must exceed REDIS_VISIBILITY_TIMEOUT" in outcome.stderr
    assert clean_db.execute('SELECT "Resent" FROM "SyncRunRounds"').fetchone() == (0,)


def test_resume_publishes_the_stalled_meeting_again_on_the_broker_and_says_so(clean_db):
    import redis

    broker = redis.Redis.from_url(NOBODY)
    broker.flushdb()
    run_id = str(uuid.uuid4())
    clean_db.execute('INSERT INTO "SyncRuns" ("Id", "Kind", "Source", "Arguments", "RoundsTotal", "IncludeResults") '
                     'VALUES (%s, \'season\', \'openf1\', \'{"year": 2024}\', 2, false)', [run_id])
    clean_db.execute('INSERT INTO "SyncRunRounds" ("RunId", "Season", "RoundKey", "Status", "UpdatedAt") VALUES '
                     '(%s, 2024, \'1229\', \'pending\', now() - interval \'3 hours\'), '
                     '(%s, 2024, \'1230\', \'done\', now() - interval \'3 hours\')', [run_id, run_id])
    try:
        outcome = run_cli("ingestion", "resume", "--json", env={"REDIS_URL": NOBODY})
        assert outcome.returncode == 0, outcome.stderr
        assert json.loads(outcome.stdout)["rounds_resent"] == [[run_id, "1229"]]
        messages = [json.loads(m) for m in broker.lrange("celery", 0, -1)]
        assert [m["headers"]["task"] for m in messages] == ["sync_meeting"]
        body = json.loads(base64.b64decode(messages[0]["body"]))
        assert body[1] == {"source": "openf1", "season": 2024, "round_key": "1229", "include_results": False,
                           "run_id": run_id}
        again = run_cli("ingestion", "resume", env={"REDIS_URL": NOBODY})
        assert again.returncode == 0 and again.stdout.strip() == "nothing stalled"
    finally:
        broker.flushdb()


def test_resume_with_redis_unreachable_claims_nothing_and_says_so_without_the_password(clean_db):
    run_id = str(uuid.uuid4())
    clean_db.execute('INSERT INTO "SyncRuns" ("Id", "Kind", "Source", "Arguments", "RoundsTotal") '
                     'VALUES (%s, \'season\', \'openf1\', \'{"year": 2024}\', 1)', [run_id])
    clean_db.execute('INSERT INTO "SyncRunRounds" ("RunId", "Season", "RoundKey", "UpdatedAt") '
                     'VALUES (%s, 2024, \'1229\', now() - interval \'1 day\')', [run_id])
    outcome = run_cli("ingestion", "resume", env={"REDIS_URL": "redis://:hunter2@127.0.0.1:9/0"})
    assert outcome.returncode == 4, outcome.stderr
    assert outcome.stderr == ("error: cannot reach Redis at redis://:***@127.0.0.1:9/0: connection refused (is it "
                              "running there?): start it (scripts/setup.sh starts a local one) or set REDIS_URL; "
                              "nothing was claimed or sent\n")
    assert "hunter2" not in outcome.stdout + outcome.stderr
    assert clean_db.execute('SELECT "Resent" FROM "SyncRunRounds"').fetchone() == (0,)
