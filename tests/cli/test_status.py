"""`python -m ingestion status`: per source its last successful read, and for the season followed live the rounds
under way, the lock-out and what is due next, read from the database only (no request, no broker)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from harness.workers import REPO
from workers import sources
from workers.db import racing
from workers.rows import SESSION_END, SOURCE_KEY, RoundRows, SessionStatus, SessionType

pytestmark = pytest.mark.integration
OPENF1_KEYS = sources.get("openf1").natural_keys  # written as OpenF1's rounds are: on its meeting and session keys


def weekend(start: datetime) -> RoundRows:
    """A weekend of OpenF1's whose qualifying runs now and whose race is tomorrow."""
    sessions = [{"Type": int(kind), "StartTimeUtc": at, "Status": int(SessionStatus.SCHEDULED),
                 "OpenF1SessionKey": key, SOURCE_KEY: str(key), SESSION_END: at + timedelta(hours=1)}
                for key, kind, at in ((9901, SessionType.QUALIFYING, start),
                                      (9902, SessionType.RACE, start + timedelta(days=1)))]
    return RoundRows(series={"Name": "Formula 1", "Slug": "formula-1"}, year=start.year,
                     circuit={"Name": "Spa", "Slug": "spa-status", "Location": "Spa", "Country": "Belgium",
                              SOURCE_KEY: "spa-status"},
                     round={"Name": "Status Grand Prix", "Slug": f"{start.year}-status-grand-prix", "RoundNumber": 1,
                            "DateStart": start.date(), "DateEnd": (start + timedelta(days=1)).date(),
                            "OpenF1MeetingKey": 9900, SOURCE_KEY: "9900"}, sessions=sessions)


def status(database: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingestion", "status", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "DATABASE_URL": database,
                                                      "REDIS_URL": "redis://127.0.0.1:9/0"})


def test_status_shows_the_rounds_under_way_the_lock_out_and_what_is_due_next_with_no_broker(clean_db, database):
    now = datetime.now(timezone.utc)
    with clean_db.transaction():
        racing.write_round(clean_db, "openf1", weekend(now - timedelta(minutes=10)), keys=OPENF1_KEYS)
    outcome = status(database, "--json")  # Redis is not reachable: status needs none
    assert outcome.returncode == 0, outcome.stderr
    report = json.loads(outcome.stdout)
    openf1 = report["sources"]["openf1"]
    assert openf1["follows_live"] and openf1["locked_out"]
    assert [r["round"] for r in openf1["under_way"]] == ["9900"]
    events = [(e["event"], e.get("session")) for e in openf1["next"]]
    assert events[0] == ("session end", "QUALIFYING")  # the running session's end comes first
    assert ("session start", "RACE") in events and ("results look", None) in events
    calendar = next(e for e in openf1["next"] if e["event"] == "calendar read")
    assert datetime.fromisoformat(calendar["at"]) >= datetime.fromisoformat(openf1["next"][0]["at"])  # locked
    assert not report["sources"]["jolpica"]["follows_live"] and "last_read" in report["sources"]["jolpica"]


def test_status_in_text_says_each_source_and_never_a_result(clean_db, database):
    now = datetime.now(timezone.utc)
    with clean_db.transaction():
        racing.write_round(clean_db, "openf1", weekend(now + timedelta(days=2)), keys=OPENF1_KEYS)
    outcome = status(database)
    assert outcome.returncode == 0, outcome.stderr
    lines = outcome.stdout.splitlines()
    assert any(line.startswith("openf1 (OpenF1): last successful read never") for line in lines)
    assert "  locked out now (a session runs): no" in lines and "  rounds under way: none" in lines
    assert any("session start" in line and "9900 Status Grand Prix QUALIFYING" in line for line in lines)


def test_a_bad_limit_is_refused_before_anything_is_read(database):
    outcome = status(database, "--limit", "0")
    assert outcome.returncode == 2 and "--limit must be between 1 and 1000" in outcome.stderr
