"""What following the season reads and records: the rounds of a source near now with their sessions' times,
statuses and result counts (counts only: no result value is read), and when each calendar and results read was
last sent ("FollowedSources", "FollowedRounds")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

# The rounds of a source whose sessions (those with a known end) span a moment between `since` and `until`, each
# session with its result count, and the round's last results read and whether the run of it still runs.
_ROUNDS = '''
WITH rounds AS (
    SELECT i."SourceKey" AS key, r."Id", y."Year", r."Name" FROM "SourceIdentities" i
    JOIN "Rounds" r ON r."Id" = i."RowId" JOIN "Seasons" y ON y."Id" = r."SeasonId"
    WHERE i."Source" = %(source)s AND i."Kind" = 'round' AND EXISTS (
        SELECT 1 FROM "Sessions" s JOIN "SessionTimes" t ON t."SessionId" = s."Id"
        WHERE s."RoundId" = r."Id" AND t."EndTimeUtc" >= %(since)s AND s."StartTimeUtc" <= %(until)s))
SELECT rounds.key, rounds."Year", s."Id", s."Type", s."StartTimeUtc", t."EndTimeUtc", s."Status",
       (SELECT count(*) FROM "Results" x WHERE x."SessionId" = s."Id"),
       f."ResultsReadAt", coalesce(f."CorrectionsDone", 0),
       coalesce(u."Status" = 'running' AND u."StartedAt" > now() - make_interval(secs => %(stale)s), false),
       rounds."Name"
FROM rounds JOIN "Sessions" s ON s."RoundId" = rounds."Id" JOIN "SessionTimes" t ON t."SessionId" = s."Id"
LEFT JOIN "FollowedRounds" f ON f."Source" = %(source)s AND f."RoundKey" = rounds.key
LEFT JOIN "SyncRuns" u ON u."Id" = f."RunId"
ORDER BY rounds.key, s."StartTimeUtc", s."Id"
'''


def rounds_near(conn: psycopg.Connection, source: str, since: datetime, until: datetime,
                stale_after: float) -> list[tuple[Any, ...]]:
    """(round key, season, session id, type, start, end, status, results, results read at, corrections done, a
    read running, round name) per session of the source's rounds that span a moment between `since` and `until`. A read
    running for longer than `stale_after` seconds (a crashed run) no longer counts as running."""
    return conn.execute(_ROUNDS, {"source": source, "since": since, "until": until, "stale": stale_after}).fetchall()


def calendar_state(conn: psycopg.Connection, source: str, stale_after: float) -> tuple[datetime | None, bool]:
    """When the source's calendar was last read (sent), and whether that read still runs."""
    row = conn.execute(
        'SELECT f."CalendarReadAt", coalesce(u."Status" = \'running\' AND u."StartedAt" > now() - '
        'make_interval(secs => %s), false) FROM "FollowedSources" f '
        'LEFT JOIN "SyncRuns" u ON u."Id" = f."CalendarRunId" '
        'WHERE f."Source" = %s', [stale_after, source]).fetchone()
    return (row[0], row[1]) if row else (None, False)


def calendar_sent(conn: psycopg.Connection, source: str, run_id: str) -> None:
    conn.execute('INSERT INTO "FollowedSources" ("Source", "CalendarReadAt", "CalendarRunId") VALUES (%s, now(), %s) '
                 'ON CONFLICT ("Source") DO UPDATE SET "CalendarReadAt" = now(), '
                 '"CalendarRunId" = EXCLUDED."CalendarRunId", '
                 '"UpdatedAt" = now()', [source, run_id])


def results_sent(conn: psycopg.Connection, source: str, season: int, round_key: str, run_id: str,
                 corrections_done: int) -> None:
    """A read of the round's results was sent: a look, or a correction (then `corrections_done` of them are)."""
    conn.execute(
        'INSERT INTO "FollowedRounds" ("Source", "RoundKey", "Season", "ResultsReadAt", "ResultsReads", '
        '"CorrectionsDone", "RunId") VALUES (%(source)s, %(key)s, %(season)s, now(), 1, %(done)s, %(run)s) '
        'ON CONFLICT ("Source", "RoundKey") DO UPDATE SET "ResultsReadAt" = now(), '
        '"ResultsReads" = "FollowedRounds"."ResultsReads" + 1, '
        '"CorrectionsDone" = greatest("FollowedRounds"."CorrectionsDone", EXCLUDED."CorrectionsDone"), '
        '"RunId" = EXCLUDED."RunId", "Season" = EXCLUDED."Season", "UpdatedAt" = now()',
        {"source": source, "key": round_key, "season": season, "done": corrections_done, "run": run_id})


def last_landed(conn: psycopg.Connection, source: str) -> datetime | None:
    """When the source last answered a request the workers kept (its last successful read)."""
    return conn.execute('SELECT max("FetchedAt") FROM "LandedAnswers" WHERE "Source" = %s', [source]).fetchone()[0]
