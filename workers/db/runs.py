"""The workers' own tables: runs, per-meeting progress, quarantined records, meetings read by a dispatcher."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable, Sequence

import psycopg
from psycopg.types.json import Jsonb

from workers.mapping import Rejected


def start_run(conn: psycopg.Connection, run_id: str, kind: str, arguments: dict[str, Any]) -> None:
    conn.execute('INSERT INTO "SyncRuns" ("Id", "Kind", "Arguments") VALUES (%s, %s, %s) ON CONFLICT ("Id") DO NOTHING',
                 [run_id, kind, Jsonb(arguments)])


def plan_run(conn: psycopg.Connection, run_id: str, meeting_keys: Sequence[int], include_results: bool,
             requests: int) -> None:
    conn.execute('UPDATE "SyncRuns" SET "MeetingsTotal" = %s, "IncludeResults" = %s, "Requests" = "Requests" + %s '
                 'WHERE "Id" = %s', [len(meeting_keys), include_results, requests, run_id])
    with conn.cursor() as cur:
        cur.executemany('INSERT INTO "SyncRunMeetings" ("RunId", "MeetingKey") VALUES (%s, %s) '
                        'ON CONFLICT DO NOTHING', [(run_id, k) for k in meeting_keys])


def add_meeting_counts(conn: psycopg.Connection, run_id: str, meeting_key: int, *, requests: int = 0,
                       written: int = 0, deleted: int = 0, quarantined: int = 0) -> None:
    conn.execute(
        'UPDATE "SyncRunMeetings" SET "Requests" = "Requests" + %s, "RowsWritten" = "RowsWritten" + %s, '
        '"RowsDeleted" = "RowsDeleted" + %s, "Quarantined" = "Quarantined" + %s, "UpdatedAt" = now() '
        'WHERE "RunId" = %s AND "MeetingKey" = %s',
        [requests, written, deleted, quarantined, run_id, meeting_key])


def count_retry(conn: psycopg.Connection, run_id: str, meeting_key: int | None, throttle: bool) -> None:
    """One more retry (error) or throttle (wait for an OpenF1 slot) of a meeting step, or of the dispatcher."""
    if meeting_key is None:
        if not throttle:
            conn.execute('UPDATE "SyncRuns" SET "Retries" = "Retries" + 1 WHERE "Id" = %s', [run_id])
        return
    column = "Throttles" if throttle else "Retries"
    conn.execute(f'UPDATE "SyncRunMeetings" SET "{column}" = "{column}" + 1, "UpdatedAt" = now() '
                 'WHERE "RunId" = %s AND "MeetingKey" = %s', [run_id, meeting_key])


def mark_meeting(conn: psycopg.Connection, run_id: str, meeting_key: int, status: str, error: str | None = None) -> None:
    """A pending meeting becomes done or failed; a finished one keeps its state (redelivery is harmless)."""
    conn.execute('UPDATE "SyncRunMeetings" SET "Status" = %s, "Error" = %s, "UpdatedAt" = now() '
                 'WHERE "RunId" = %s AND "MeetingKey" = %s AND "Status" = \'pending\'',
                 [status, error, run_id, meeting_key])


def finish_run_if_complete(conn: psycopg.Connection, run_id: str) -> str | None:
    """Close the run once no meeting is pending; call after the meeting's own change has committed."""
    row = conn.execute(
        'UPDATE "SyncRuns" r SET "FinishedAt" = now(), "Status" = CASE WHEN f.failed > 0 THEN \'failed\' '
        'ELSE \'succeeded\' END, "Error" = CASE WHEN f.failed > 0 THEN f.failed || \' meeting(s) failed, first \' '
        '|| f.first ELSE r."Error" END FROM (SELECT count(*) AS failed, (array_agg("MeetingKey" || \': \' || '
        'coalesce("Error", \'?\') ORDER BY "MeetingKey"))[1] AS first FROM "SyncRunMeetings" '
        'WHERE "RunId" = %(run)s AND "Status" = \'failed\') f '
        'WHERE r."Id" = %(run)s AND r."Status" = \'running\' AND r."MeetingsTotal" IS NOT NULL AND NOT EXISTS '
        '(SELECT 1 FROM "SyncRunMeetings" m WHERE m."RunId" = r."Id" AND m."Status" = \'pending\') '
        'RETURNING r."Status"', {"run": run_id}).fetchone()
    return row[0] if row else None


def claim_stalled_meetings(conn: psycopg.Connection, stalled_after: float,
                           limit: int = 1000) -> list[tuple[str, int, bool, int]]:
    """(run id, meeting key, include results, times resent) of pending meetings of running runs that made no
    progress for `stalled_after` seconds. Each is claimed by this call alone: its "Resent" grows by one and its
    "UpdatedAt" restarts the clock (a concurrent sweep, blocked on the row, then finds it fresh and skips it)."""
    rows = conn.execute(
        'UPDATE "SyncRunMeetings" m SET "Resent" = m."Resent" + 1, "UpdatedAt" = now() FROM "SyncRuns" r '
        'WHERE r."Id" = m."RunId" AND r."Status" = \'running\' AND (m."RunId", m."MeetingKey") IN ('
        'SELECT s."RunId", s."MeetingKey" FROM "SyncRunMeetings" s JOIN "SyncRuns" x ON x."Id" = s."RunId" '
        'WHERE x."Status" = \'running\' AND s."Status" = \'pending\' '
        'AND s."UpdatedAt" < now() - make_interval(secs => %(after)s) ORDER BY s."RunId", s."MeetingKey" '
        'LIMIT %(limit)s) AND m."Status" = \'pending\' AND m."UpdatedAt" < now() - make_interval(secs => %(after)s) '
        'RETURNING m."RunId"::text, m."MeetingKey", coalesce(r."IncludeResults", false), m."Resent"',
        {"after": float(stalled_after), "limit": limit}).fetchall()
    return sorted(rows)


def claim_stalled_dispatches(conn: psycopg.Connection, stalled_after: float) -> list[tuple[str, str, dict, int]]:
    """(run id, kind, arguments, times resent) of running runs whose dispatcher never planned their meetings
    within `stalled_after` seconds of the start, or of the last resend; claimed as above."""
    rows = conn.execute(
        'UPDATE "SyncRuns" SET "Resent" = "Resent" + 1 WHERE "Status" = \'running\' AND "MeetingsTotal" IS NULL '
        'AND "StartedAt" < now() - make_interval(secs => %s * ("Resent" + 1)) '
        'RETURNING "Id"::text, "Kind", "Arguments", "Resent"', [float(stalled_after)]).fetchall()
    return sorted(rows)


def running_scheduled_run(conn: psycopg.Connection, kind: str, stale_after: float) -> tuple[str, float] | None:
    """(run id, age in seconds) of the newest scheduled run of `kind` still running and younger than
    `stale_after` seconds (beat's overlap lock)."""
    row = conn.execute(
        'SELECT "Id"::text, extract(epoch FROM now() - "StartedAt")::float8 FROM "SyncRuns" '
        'WHERE "Kind" = %s AND "Status" = \'running\' AND "Arguments" @> \'{"scheduled": true}\'::jsonb '
        'AND "StartedAt" > now() - make_interval(secs => %s) ORDER BY "StartedAt" DESC LIMIT 1',
        [kind, float(stale_after)]).fetchone()
    return (row[0], row[1]) if row else None


def fail_run(conn: psycopg.Connection, run_id: str, kind: str, arguments: dict[str, Any], error: str) -> None:
    conn.execute(
        'INSERT INTO "SyncRuns" ("Id", "Kind", "Arguments", "Status", "FinishedAt", "Error") '
        'VALUES (%s, %s, %s, \'failed\', now(), %s) ON CONFLICT ("Id") DO UPDATE SET "Status" = \'failed\', '
        '"FinishedAt" = now(), "Error" = EXCLUDED."Error" WHERE "SyncRuns"."Status" = \'running\'',
        [run_id, kind, Jsonb(arguments), error])


# One run per row with its per-meeting totals (one aggregate over "SyncRunMeetings"), shared by get_run
# and list_runs; the WHERE / ORDER BY / LIMIT tail is a constant of this module.
_RUN_SUMMARY = (
    'SELECT r."Id", r."Kind", r."Arguments", r."IncludeResults", r."Status", r."StartedAt", r."FinishedAt", '
    'r."MeetingsTotal", r."Requests", r."Error", m.done, m.failed, m.requests, m.written, m.deleted, m.quarantined, '
    'm.first_error, r."Retries" + m.retries, m.throttles, r."Resent" + m.resent FROM "SyncRuns" r CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE "Status" = \'done\') AS done, '
    'count(*) FILTER (WHERE "Status" = \'failed\') AS failed, coalesce(sum("Requests"), 0) AS requests, '
    'coalesce(sum("RowsWritten"), 0) AS written, coalesce(sum("RowsDeleted"), 0) AS deleted, '
    'coalesce(sum("Quarantined"), 0) AS quarantined, coalesce(sum("Retries"), 0) AS retries, '
    'coalesce(sum("Throttles"), 0) AS throttles, coalesce(sum("Resent"), 0) AS resent, '
    '(array_agg("Error" ORDER BY "MeetingKey") FILTER (WHERE "Error" IS NOT NULL))[1] AS first_error '
    'FROM "SyncRunMeetings" WHERE "RunId" = r."Id") m '
)
_RUN_FIELDS = ("id", "kind", "arguments", "include_results", "status", "started_at", "finished_at", "meetings_total",
               "dispatch_requests", "error", "meetings_done", "meetings_failed", "meeting_requests", "rows_written",
               "rows_deleted", "quarantined", "first_meeting_error", "retries", "throttles", "resent")


def _run_of(row: tuple) -> dict[str, Any]:
    run = dict(zip(_RUN_FIELDS, row))
    run["id"] = str(run["id"])
    run["requests"] = run.pop("dispatch_requests") + int(run.pop("meeting_requests"))
    for key in ("meetings_done", "meetings_failed", "rows_written", "rows_deleted", "quarantined", "retries",
                "throttles", "resent"):
        run[key] = int(run[key])
    return run


def get_run(conn: psycopg.Connection, run_id: str) -> dict[str, Any] | None:
    """The run with its per-meeting totals, or None."""
    row = conn.execute(_RUN_SUMMARY + 'WHERE r."Id" = %s', [run_id]).fetchone()
    return _run_of(row) if row else None


def list_runs(conn: psycopg.Connection, limit: int) -> list[dict[str, Any]]:
    """The latest `limit` runs, newest first, each as get_run gives it."""
    rows = conn.execute(_RUN_SUMMARY + 'ORDER BY r."StartedAt" DESC, r."Id" LIMIT %s', [limit]).fetchall()
    return [_run_of(row) for row in rows]


def quarantine(conn: psycopg.Connection, run_id: str | None, meeting_key: int | None,
               rejected: Iterable[Rejected]) -> int:
    """Keep each rejected record once per run, with its reason and payload as received."""
    rows = [(run_id, r.endpoint, meeting_key, r.payload.get("session_key"), r.reason, Jsonb(r.payload),
             hashlib.sha256(json.dumps(r.payload, sort_keys=True).encode()).hexdigest()) for r in rejected]
    if not rows:
        return 0
    with conn.cursor() as cur:
        cur.executemany(
            'INSERT INTO "QuarantinedRecords" ("RunId", "Endpoint", "MeetingKey", "SessionKey", "Reason", "Payload", '
            '"PayloadHash") VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING', rows)
    return len(rows)


def store_meetings(conn: psycopg.Connection, meetings: Sequence[tuple[int, int, int, dict[str, Any]]]) -> None:
    """(meeting_key, year, round number, record) of the meetings a dispatcher read; unchanged rows stay as they are."""
    with conn.cursor() as cur:
        cur.executemany(
            'INSERT INTO "OpenF1Meetings" ("MeetingKey", "Year", "RoundNumber", "Record") VALUES (%s, %s, %s, %s) '
            'ON CONFLICT ("MeetingKey") DO UPDATE SET "Year" = EXCLUDED."Year", "RoundNumber" = EXCLUDED."RoundNumber", '
            '"Record" = EXCLUDED."Record" WHERE ("OpenF1Meetings"."Year", "OpenF1Meetings"."RoundNumber", '
            '"OpenF1Meetings"."Record") IS DISTINCT FROM (EXCLUDED."Year", EXCLUDED."RoundNumber", EXCLUDED."Record")',
            [(k, y, n, Jsonb(r)) for k, y, n, r in sorted(meetings)])


def load_meeting(conn: psycopg.Connection, meeting_key: int) -> tuple[int, dict[str, Any]] | None:
    row = conn.execute('SELECT "RoundNumber", "Record" FROM "OpenF1Meetings" WHERE "MeetingKey" = %s',
                       [meeting_key]).fetchone()
    return (row[0], row[1]) if row else None
