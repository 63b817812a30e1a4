"""The schema migrations: SPEC §1's tables exactly, safe twice and from two processes, and the start-up
check that stops a sync with "run the migrations" when an index is missing."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import psycopg
import pytest

from harness.recordings import REPO
from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.integration
ADMIN_URL = os.environ.get("TEST_ADMIN_URL", "postgresql://postgres@localhost:5432/postgres")


@pytest.fixture()
def scratch_url():
    """A database name that does not exist yet; dropped afterwards."""
    name = f"parcferme_scratch_{uuid.uuid4().hex[:8]}_test"
    yield TEST_DATABASE_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def test_two_migrators_at_once_create_the_database_and_the_schema_once(scratch_url):
    env = {**os.environ, "DATABASE_URL": scratch_url}
    procs = [subprocess.Popen([sys.executable, "-m", "ingestion.db", "migrate"], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
    assert [code for *_, code in outcomes] == [0, 0], outcomes
    assert "localdev" not in "".join(out + err for out, err, _ in outcomes)  # the password is never printed
    again = run_cli("ingestion.db", "migrate", env={"DATABASE_URL": scratch_url})
    assert again.returncode == 0 and "none pending" in again.stdout
    with psycopg.connect(scratch_url) as conn:
        versions = conn.execute('SELECT count(*) FROM "SchemaMigrations"').fetchone()[0]
    assert versions == len(list((REPO / "workers" / "db" / "migrations").glob("*.sql")))


def columns(conn, table: str) -> dict[str, tuple[str, str]]:
    rows = conn.execute("SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                        "WHERE table_schema = 'public' AND table_name = %s", [table]).fetchall()
    return {name: (kind, nullable) for name, kind, nullable in rows}


@pytest.mark.parametrize("table, expected", [
    ("Sessions", {"Id": ("uuid", "NO"), "RoundId": ("uuid", "NO"), "Type": ("integer", "NO"),
                  "StartTimeUtc": ("timestamp with time zone", "NO"), "Status": ("integer", "NO"),
                  "OpenF1SessionKey": ("integer", "YES")}),
    ("Results", {"Id": ("uuid", "NO"), "SessionId": ("uuid", "NO"), "EntrantId": ("uuid", "NO"),
                 "Position": ("integer", "YES"), "GridPosition": ("integer", "YES"), "Status": ("integer", "NO"),
                 "Points": ("double precision", "YES"), "Time": ("interval", "YES"), "Laps": ("integer", "YES"),
                 "FastestLap": ("boolean", "NO")}),
    ("Circuits", {"Id": ("uuid", "NO"), "Name": ("text", "NO"), "Slug": ("text", "NO"), "Location": ("text", "NO"),
                  "Country": ("text", "NO"), "CountryCode": ("text", "YES"), "LayoutMapUrl": ("text", "YES"),
                  "Latitude": ("double precision", "YES"), "Longitude": ("double precision", "YES"),
                  "LengthMeters": ("integer", "YES")}),
    ("Rounds", {"Id": ("uuid", "NO"), "SeasonId": ("uuid", "NO"), "CircuitId": ("uuid", "NO"), "Name": ("text", "NO"),
                "Slug": ("text", "NO"), "RoundNumber": ("integer", "NO"), "DateStart": ("date", "NO"),
                "DateEnd": ("date", "NO"), "OpenF1MeetingKey": ("integer", "YES")}),
    ("Entrants", {"Id": ("uuid", "NO"), "RoundId": ("uuid", "NO"), "DriverId": ("uuid", "NO"),
                  "TeamId": ("uuid", "NO"), "CarNumber": ("integer", "YES")}),
])
def test_racing_tables_have_the_api_columns_exactly(db, table, expected):
    assert columns(db, table) == expected


@pytest.mark.parametrize("child, parent", [
    ("Logs", "Sessions"), ("Reviews", "Logs"), ("ListItems", "Sessions"), ("Grandstands", "Circuits"),
])
def test_user_tables_cascade_from_racing_rows_as_in_the_api(db, child, parent):
    rule = db.execute("SELECT c.confdeltype FROM pg_constraint c WHERE c.contype = 'f' "
                      "AND c.conrelid = %s::regclass AND c.confrelid = %s::regclass",
                      [f'"{child}"', f'"{parent}"']).fetchone()
    assert rule == ("c",)


def test_a_missing_unique_index_stops_the_sync_with_run_the_migrations(scratch_url):
    assert run_cli("ingestion.db", "migrate", env={"DATABASE_URL": scratch_url}).returncode == 0
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        conn.execute('DROP INDEX "IX_Sessions_OpenF1SessionKey"')
    check = run_cli("ingestion.db", "check", env={"DATABASE_URL": scratch_url})
    sync = run_cli("ingestion", "sync", "--year", "2024", env={"DATABASE_URL": scratch_url})
    for outcome in (check, sync):
        assert outcome.returncode != 0
        assert "Sessions(OpenF1SessionKey)" in outcome.stderr and "run the migrations" in outcome.stderr
