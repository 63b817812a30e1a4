"""Every change of a session is announced (SPEC §8), on the real database: statuses that follow the clock, a
session moved or cancelled, results published or corrected; one "SessionChanges" row each, sent on
`parcferme_sessions`; none for a first write or for a write of unchanged data; counts only for results."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import psycopg
import pytest

from workers.db import changes, racing
from workers.rows import SESSION_END, SOURCE_KEY, NaturalKey, NaturalKeys, RoundRows, SessionStatus, SessionType

pytestmark = pytest.mark.integration
SOURCE = "test-live"
KEYS = NaturalKeys(round=NaturalKey("OpenF1MeetingKey", "OpenF1 meeting key", "meeting"),
                   session=NaturalKey("OpenF1SessionKey", "OpenF1 session key", "session"))
SCHEDULED, IN_PROGRESS, COMPLETED, CANCELLED = (int(s) for s in (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS,
                                                                 SessionStatus.COMPLETED, SessionStatus.CANCELLED))
ALLOWED_KEYS = {"status", "start", "end", "results", "changed"}  # never a position, time, points, gap, laps …


def now() -> datetime:
    return datetime.now(timezone.utc)


def session(key: str, kind: SessionType, start: datetime, length: timedelta, status: int) -> dict:
    return {"Type": int(kind), "StartTimeUtc": start, "Status": status, "OpenF1SessionKey": int(key),
            SOURCE_KEY: key, SESSION_END: start + length}


def weekend(start: datetime, race_status: int = SCHEDULED, race_start: datetime | None = None) -> RoundRows:
    race_start = race_start or start + timedelta(hours=2)
    sessions = [session("9001", SessionType.QUALIFYING, start, timedelta(hours=1), SCHEDULED),
                session("9002", SessionType.RACE, race_start, timedelta(hours=2), race_status)]
    return RoundRows(series={"Name": "Formula 1", "Slug": "formula-1"}, year=start.year,
                     circuit={"Name": "Spa", "Slug": "spa-test", "Location": "Spa", "Country": "Belgium",
                              SOURCE_KEY: "spa"},
                     round={"Name": "Test Grand Prix", "Slug": f"{start.year}-test-grand-prix", "RoundNumber": 1,
                            "DateStart": start.date(), "DateEnd": (start + timedelta(hours=4)).date(),
                            "OpenF1MeetingKey": 9000, SOURCE_KEY: "9000"},
                     sessions=sessions)


def write(db, rows: RoundRows) -> racing.WriteCounts:
    """As OpenF1's rounds are written: on its meeting and session keys (the source's natural keys)."""
    with db.transaction():
        return racing.write_round(db, SOURCE, rows, keys=KEYS)[1]


def change_rows(db) -> list[tuple]:
    return db.execute('SELECT s."OpenF1SessionKey", c."Kind", c."Before", c."After" FROM "SessionChanges" c '
                      'JOIN "Sessions" s ON s."Id" = c."SessionId" ORDER BY c."Id"').fetchall()


def statuses(db) -> dict[int, int]:
    return dict(db.execute('SELECT "OpenF1SessionKey", "Status" FROM "Sessions"').fetchall())


def move_clock_past(db, key: int, start: bool = True, end: bool = False) -> None:
    """The clock passes a session's start (and end): its times are moved into the past, as time would."""
    past = now() - timedelta(minutes=1)
    if start:
        db.execute('UPDATE "Sessions" SET "StartTimeUtc" = %s WHERE "OpenF1SessionKey" = %s', [past, key])
    if end:
        db.execute('UPDATE "SessionTimes" t SET "EndTimeUtc" = %s FROM "Sessions" s WHERE s."Id" = t."SessionId" '
                   'AND s."OpenF1SessionKey" = %s', [past, key])


def test_the_first_write_of_a_weekend_is_its_initial_state_and_an_unchanged_one_changes_nothing(clean_db):
    start = now() + timedelta(days=2)
    first = write(clean_db, weekend(start))
    again = write(clean_db, weekend(start))
    assert first.written > 0 and first.changes == 0 and again.written == 0 and again.changes == 0
    assert change_rows(clean_db) == []
    assert clean_db.execute('SELECT count(*) FROM "SessionTimes"').fetchone()[0] == 2


def test_the_clock_moves_each_status_with_no_request_and_each_move_is_one_change(clean_db):
    write(clean_db, weekend(now() + timedelta(days=2)))
    move_clock_past(clean_db, 9001)
    with clean_db.transaction():
        assert changes.follow_the_clock(clean_db) == 1
    assert statuses(clean_db) == {9001: IN_PROGRESS, 9002: SCHEDULED}
    move_clock_past(clean_db, 9001, start=False, end=True)
    with clean_db.transaction():
        assert changes.follow_the_clock(clean_db) == 1
        assert changes.follow_the_clock(clean_db) == 0  # nothing more until the clock moves again
    assert statuses(clean_db)[9001] == COMPLETED
    assert [(k, kind, b, a) for k, kind, b, a in change_rows(clean_db)] == [
        (9001, "status", {"status": "Scheduled"}, {"status": "InProgress"}),
        (9001, "status", {"status": "InProgress"}, {"status": "Completed"})]


def test_a_moved_session_and_a_cancelled_one_are_changes_of_schedule_and_of_status(clean_db):
    start = now() + timedelta(days=2)
    write(clean_db, weekend(start))
    moved = start + timedelta(hours=5)
    counts = write(clean_db, weekend(start, race_start=moved))
    assert counts.changes == 1
    (key, kind, before, after), = change_rows(clean_db)
    assert (key, kind) == (9002, "schedule")
    assert before == {"start": (start + timedelta(hours=2)).isoformat(),
                      "end": (start + timedelta(hours=4)).isoformat()}
    assert after == {"start": moved.isoformat(), "end": (moved + timedelta(hours=2)).isoformat()}
    write(clean_db, weekend(start, race_status=CANCELLED, race_start=moved))
    assert change_rows(clean_db)[-1][1:] == ("status", {"status": "Scheduled"}, {"status": "Cancelled"})
    move_clock_past(clean_db, 9002, end=True)
    with clean_db.transaction():
        changes.follow_the_clock(clean_db)
    assert statuses(clean_db)[9002] == CANCELLED  # upstream's word: the clock never overrides it


def test_each_change_is_announced_on_parcferme_sessions_with_its_id(clean_db, database):
    write(clean_db, weekend(now() + timedelta(days=2)))
    with psycopg.connect(database, autocommit=True) as listener:
        listener.execute("LISTEN parcferme_sessions")
        move_clock_past(clean_db, 9001)
        with clean_db.transaction():
            changes.follow_the_clock(clean_db)
        heard = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
    ids = [str(i) for (i,) in clean_db.execute('SELECT "Id" FROM "SessionChanges"').fetchall()]
    assert heard == ids and len(ids) == 1


def result_rows(db, key: int, entrants: list, changed: bool = False) -> list[dict]:
    session_id = db.execute('SELECT "Id" FROM "Sessions" WHERE "OpenF1SessionKey" = %s', [key]).fetchone()[0]
    return [{"SessionId": session_id, "EntrantId": e, "Position": None if changed and i == 0 else i + 1,
             "GridPosition": None, "Status": int(changed and i == 0) * 3, "Points": None, "Time": None, "Laps": None,
             "FastestLap": False} for i, e in enumerate(entrants)]


def entrants(db, count: int) -> list:
    round_id = db.execute('SELECT "Id" FROM "Rounds"').fetchone()[0]
    ids = []
    for i in range(count):
        driver = db.execute('INSERT INTO "Drivers" ("FirstName", "LastName", "Slug") VALUES (%s, %s, %s) '
                            'RETURNING "Id"', ["Test", f"Driver {i}", f"test-driver-{i}"]).fetchone()[0]
        team = db.execute('INSERT INTO "Teams" ("Name", "Slug") VALUES (%s, %s) ON CONFLICT ("Slug") DO UPDATE SET '
                          '"Name" = EXCLUDED."Name" RETURNING "Id"', ["Team", "test-team"]).fetchone()[0]
        ids.append(db.execute('INSERT INTO "Entrants" ("RoundId", "DriverId", "TeamId", "CarNumber") VALUES '
                              '(%s, %s, %s, %s) RETURNING "Id"', [round_id, driver, team, i + 1]).fetchone()[0])
    return ids


def test_results_published_then_corrected_are_two_changes_with_counts_only(clean_db):
    write(clean_db, weekend(now() - timedelta(days=1)))
    ids = entrants(clean_db, 3)
    later_run = now() + timedelta(seconds=1)  # a run that began after the session was written
    with clean_db.transaction():
        published = racing.replace_results(clean_db, result_rows(clean_db, 9002, ids), later_run)
        unchanged = racing.replace_results(clean_db, result_rows(clean_db, 9002, ids), later_run)
        corrected = racing.replace_results(clean_db, result_rows(clean_db, 9002, ids, changed=True), later_run)
    assert (published.changes, unchanged.changes, corrected.changes) == (1, 0, 1)
    assert [row[1:] for row in change_rows(clean_db)] == [
        ("results", {"results": 0}, {"results": 3, "changed": 3}),
        ("results", {"results": 3}, {"results": 3, "changed": 1})]
    for _, _, before, after in change_rows(clean_db):
        assert set(before) | set(after) <= ALLOWED_KEYS


def test_results_written_by_the_run_that_created_their_session_are_no_change(clean_db):
    run_started = now() - timedelta(seconds=5)  # the season's first sync: it created the session
    write(clean_db, weekend(now() - timedelta(days=1)))
    ids = entrants(clean_db, 2)
    with clean_db.transaction():
        counts = racing.replace_results(clean_db, result_rows(clean_db, 9002, ids), run_started)
    assert counts.written == 2 and counts.changes == 0 and change_rows(clean_db) == []
