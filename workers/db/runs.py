"""The workers' own tables: runs, per-round progress, quarantined records."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable, Mapping, Sequence

import psycopg
from psycopg.types.json import Jsonb

from workers.rows import Rejected


def start_run(conn: psycopg.Connection, run_id: str, kind: str, source: str, arguments: dict[str, Any]) -> None:
    conn.execute('INSERT INTO "SyncRuns" ("Id", "Kind", "Source", "Arguments") VALUES (%s, %s, %s, %s) '
                 'ON CONFLICT ("Id") DO NOTHING', [run_id, kind, source, Jsonb(arguments)])


def started_at(conn: psycopg.Connection, run_id: str) -> Any | None:
    row = conn.execute('SELECT "StartedAt" FROM "SyncRuns" WHERE "Id" = %s', [run_id]).fetchone()
    return row[0] if row else None


def add_run_requests(conn: psycopg.Connection, run_id: str, requests: int) -> None:
    """Requests the dispatcher made (landing the season), counted as they land."""
    conn.execute('UPDATE "SyncRuns" SET "Requests" = "Requests" + %s WHERE "Id" = %s', [requests, run_id])


def add_fallback(conn: psycopg.Connection, run_id: str, endpoint: str) -> None:
    """The endpoint's season-wide request failed for good: the run fetched it per round instead."""
    conn.execute('UPDATE "SyncRuns" SET "Fallbacks" = array_append("Fallbacks", %(e)s) WHERE "Id" = %(run)s '
                 'AND NOT %(e)s = ANY("Fallbacks")', {"e": endpoint, "run": run_id})


def fallbacks(conn: psycopg.Connection, run_id: str) -> frozenset[str]:
    row = conn.execute('SELECT "Fallbacks" FROM "SyncRuns" WHERE "Id" = %s', [run_id]).fetchone()
    return frozenset(row[0] if row else ())


def plan_run(conn: psycopg.Connection, run_id: str, rounds: Sequence[tuple[int | None, str]],
             include_results: bool | Mapping[int | None, bool]) -> None:
    """The run's rounds, (season, round key) each, all pending, each with or without results (one answer for the
    run, or one per season); the run includes results when any of its rounds does."""
    by_season = include_results if isinstance(include_results, Mapping) else {}
    default = any(by_season.values()) if by_season else bool(include_results)
    conn.execute('UPDATE "SyncRuns" SET "RoundsTotal" = %s, "IncludeResults" = %s WHERE "Id" = %s',
                 [len(rounds), default, run_id])
    with conn.cursor() as cur:
        cur.executemany('INSERT INTO "SyncRunRounds" ("RunId", "Season", "RoundKey", "IncludeResults") '
                        'VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING',
                        [(run_id, season, key, by_season.get(season, default)) for season, key in rounds])


def add_round_counts(conn: psycopg.Connection, run_id: str, round_key: str, *, requests: int = 0,
                     written: int = 0, deleted: int = 0, quarantined: int = 0) -> None:
    conn.execute(
        'UPDATE "SyncRunRounds" SET "Requests" = "Requests" + %s, "RowsWritten" = "RowsWritten" + %s, '
        '"RowsDeleted" = "RowsDeleted" + %s, "Quarantined" = "Quarantined" + %s, "UpdatedAt" = now() '
        'WHERE "RunId" = %s AND "RoundKey" = %s',
        [requests, written, deleted, quarantined, run_id, round_key])


def count_retry(conn: psycopg.Connection, run_id: str, round_key: str | None, throttle: bool,
                reason: str | None = None) -> None:
    """One more retry (error) or throttle (wait for a source's slot) of a round step, or of the dispatcher; with
    `reason`, the run's latest retry and when (the command line shows why a run is retrying)."""
    if reason is not None:
        conn.execute('UPDATE "SyncRuns" SET "LastRetry" = %s, "LastRetryAt" = now() WHERE "Id" = %s',
                     [reason, run_id])
    if round_key is None:
        column = "Throttles" if throttle else "Retries"
        conn.execute(f'UPDATE "SyncRuns" SET "{column}" = "{column}" + 1 WHERE "Id" = %s', [run_id])
        return
    column = "Throttles" if throttle else "Retries"
    conn.execute(f'UPDATE "SyncRunRounds" SET "{column}" = "{column}" + 1, "UpdatedAt" = now() '
                 'WHERE "RunId" = %s AND "RoundKey" = %s', [run_id, round_key])


def note_rounds_known(conn: psycopg.Connection, run_id: str, rounds: int) -> None:
    """The rounds the season indexes read so far list (never fewer than a previous attempt of the dispatcher saw)."""
    conn.execute('UPDATE "SyncRuns" SET "RoundsKnown" = GREATEST("RoundsKnown", %s) WHERE "Id" = %s',
                 [rounds, run_id])


def note_requests_ahead(conn: psycopg.Connection, run_id: str, ahead: int, again: bool = False) -> None:
    """The requests the dispatcher still has to make: "RequestsExpected" becomes the run's requests so far plus
    them; `again` adds them to what it expected (pages a later pass found: paging)."""
    if again:
        conn.execute('UPDATE "SyncRuns" SET "RequestsExpected" = coalesce("RequestsExpected", "Requests") + %s '
                     'WHERE "Id" = %s', [ahead, run_id])
    else:
        conn.execute('UPDATE "SyncRuns" SET "RequestsExpected" = "Requests" + %s WHERE "Id" = %s', [ahead, run_id])


def mark_round(conn: psycopg.Connection, run_id: str, round_key: str, status: str, error: str | None = None) -> None:
    """A pending round becomes done or failed; a finished one keeps its state (redelivery is harmless)."""
    conn.execute('UPDATE "SyncRunRounds" SET "Status" = %s, "Error" = %s, "UpdatedAt" = now() '
                 'WHERE "RunId" = %s AND "RoundKey" = %s AND "Status" = \'pending\'',
                 [status, error, run_id, round_key])


def pending_rounds(conn: psycopg.Connection, run_id: str) -> int:
    return conn.execute('SELECT count(*) FROM "SyncRunRounds" WHERE "RunId" = %s AND "Status" = \'pending\'',
                        [run_id]).fetchone()[0]


def finish_run_if_complete(conn: psycopg.Connection, run_id: str) -> str | None:
    """Close the run once no round is pending; call after the round's own change has committed."""
    row = conn.execute(
        'UPDATE "SyncRuns" r SET "FinishedAt" = now(), "Status" = CASE WHEN f.failed > 0 THEN \'failed\' '
        'ELSE \'succeeded\' END, "Error" = CASE WHEN f.failed > 0 THEN f.failed || \' round(s) failed, first \' '
        '|| f.first ELSE r."Error" END FROM (SELECT count(*) AS failed, (array_agg("RoundKey" || \': \' || '
        'coalesce("Error", \'?\') ORDER BY "RoundKey"))[1] AS first FROM "SyncRunRounds" '
        'WHERE "RunId" = %(run)s AND "Status" = \'failed\') f '
        'WHERE r."Id" = %(run)s AND r."Status" = \'running\' AND r."RoundsTotal" IS NOT NULL AND NOT EXISTS '
        '(SELECT 1 FROM "SyncRunRounds" m WHERE m."RunId" = r."Id" AND m."Status" = \'pending\') '
        'RETURNING r."Status"', {"run": run_id}).fetchone()
    return row[0] if row else None


# No round of any running run made progress (a step, a retry, a throttle, a claim) for `stalled_after` seconds:
# the fleet is not merely busy with a long queue (a backfill queues a thousand rounds), it lost what it held.
_FLEET_SILENT = ('NOT EXISTS (SELECT 1 FROM "SyncRunRounds" z JOIN "SyncRuns" zr ON zr."Id" = z."RunId" '
                 'WHERE zr."Status" = \'running\' AND z."UpdatedAt" >= now() - make_interval(secs => %(after)s))')


def claim_stalled_rounds(conn: psycopg.Connection, stalled_after: float,
                         limit: int = 1000) -> list[tuple[str, str, int | None, str, bool, int, str]]:
    """(run id, source, season, round key, include results, times resent, the run's kind) of pending rounds of running
    runs that made no progress for `stalled_after` seconds, while the whole fleet made none either. Each is claimed by
    this call alone: its "Resent" grows by one and its "UpdatedAt" restarts the clock (a concurrent sweep, blocked on
    the row, then finds it fresh and skips it)."""
    rows = conn.execute(
        'UPDATE "SyncRunRounds" m SET "Resent" = m."Resent" + 1, "UpdatedAt" = now() FROM "SyncRuns" r '
        'WHERE r."Id" = m."RunId" AND r."Status" = \'running\' AND (m."RunId", m."RoundKey") IN ('
        'SELECT s."RunId", s."RoundKey" FROM "SyncRunRounds" s JOIN "SyncRuns" x ON x."Id" = s."RunId" '
        'WHERE x."Status" = \'running\' AND s."Status" = \'pending\' '
        'AND s."UpdatedAt" < now() - make_interval(secs => %(after)s) ORDER BY s."RunId", s."RoundKey" '
        'LIMIT %(limit)s) AND m."Status" = \'pending\' AND m."UpdatedAt" < now() - make_interval(secs => %(after)s) '
        'AND ' + _FLEET_SILENT + ' RETURNING m."RunId"::text, r."Source", m."Season", m."RoundKey", '
        'coalesce(m."IncludeResults", r."IncludeResults", false), m."Resent", r."Kind"',
        {"after": float(stalled_after), "limit": limit}).fetchall()
    return sorted(rows)


def claim_stalled_dispatches(conn: psycopg.Connection, stalled_after: float) -> list[tuple[str, str, str, dict, int]]:
    """(run id, kind, source, arguments, times resent) of running runs whose dispatcher never planned their rounds
    within `stalled_after` seconds of the start (or of the last resend), while the fleet made no progress; claimed
    as above."""
    rows = conn.execute(
        'UPDATE "SyncRuns" SET "Resent" = "Resent" + 1 WHERE "Status" = \'running\' AND "RoundsTotal" IS NULL '
        'AND "StartedAt" < now() - make_interval(secs => %(after)s * ("Resent" + 1)) AND ' + _FLEET_SILENT +
        ' RETURNING "Id"::text, "Kind", "Source", "Arguments", "Resent"', {"after": float(stalled_after)}).fetchall()
    return sorted(rows)


def running_scheduled_run(conn: psycopg.Connection, kind: str, stale_after: float,
                          matching: dict[str, Any] | None = None) -> tuple[str, float] | None:
    """(run id, age in seconds) of the newest scheduled run of `kind` (whose arguments hold `matching`) still
    running and younger than `stale_after` seconds (beat's overlap lock)."""
    row = conn.execute(
        'SELECT "Id"::text, extract(epoch FROM now() - "StartedAt")::float8 FROM "SyncRuns" '
        'WHERE "Kind" = %s AND "Status" = \'running\' AND "Arguments" @> %s '
        'AND "StartedAt" > now() - make_interval(secs => %s) ORDER BY "StartedAt" DESC LIMIT 1',
        [kind, Jsonb({"scheduled": True, **(matching or {})}), float(stale_after)]).fetchone()
    return (row[0], row[1]) if row else None


def fail_run(conn: psycopg.Connection, run_id: str, kind: str, source: str, arguments: dict[str, Any],
             error: str) -> None:
    conn.execute(
        'INSERT INTO "SyncRuns" ("Id", "Kind", "Source", "Arguments", "Status", "FinishedAt", "Error") '
        'VALUES (%s, %s, %s, %s, \'failed\', now(), %s) ON CONFLICT ("Id") DO UPDATE SET "Status" = \'failed\', '
        '"FinishedAt" = now(), "Error" = EXCLUDED."Error" WHERE "SyncRuns"."Status" = \'running\'',
        [run_id, kind, source, Jsonb(arguments), error])


# One run per row with its per-round totals (one aggregate over "SyncRunRounds"), shared by get_run and
# list_runs; the WHERE / ORDER BY / LIMIT tail is a constant of this module.
_RUN_SUMMARY = (
    'SELECT r."Id", r."Kind", r."Source", r."Arguments", r."IncludeResults", r."Status", r."StartedAt", '
    'r."FinishedAt", r."RoundsTotal", r."Requests", r."Error", r."Fallbacks", m.done, m.failed, m.requests, '
    'm.written, m.deleted, m.quarantined, m.first_error, r."Retries" + m.retries, r."Throttles" + m.throttles, '
    'r."Resent" + m.resent, r."RoundsKnown", r."RequestsExpected", r."LastRetry", r."LastRetryAt" '
    'FROM "SyncRuns" r CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE "Status" = \'done\') '
    'AS done, count(*) FILTER (WHERE "Status" = \'failed\') AS failed, coalesce(sum("Requests"), 0) AS requests, '
    'coalesce(sum("RowsWritten"), 0) AS written, coalesce(sum("RowsDeleted"), 0) AS deleted, '
    'coalesce(sum("Quarantined"), 0) AS quarantined, coalesce(sum("Retries"), 0) AS retries, '
    'coalesce(sum("Throttles"), 0) AS throttles, coalesce(sum("Resent"), 0) AS resent, '
    '(array_agg("Error" ORDER BY "RoundKey") FILTER (WHERE "Error" IS NOT NULL))[1] AS first_error '
    'FROM "SyncRunRounds" WHERE "RunId" = r."Id") m '
)
_RUN_FIELDS = ("id", "kind", "source", "arguments", "include_results", "status", "started_at", "finished_at",
               "rounds_total", "dispatch_requests", "error", "fallbacks", "rounds_done", "rounds_failed",
               "round_requests", "rows_written", "rows_deleted", "quarantined", "first_round_error", "retries",
               "throttles", "resent", "rounds_known", "requests_expected", "last_retry", "last_retry_at")


def _run_of(row: tuple) -> dict[str, Any]:
    run = dict(zip(_RUN_FIELDS, row))
    run["id"] = str(run["id"])
    run["requests"] = run.pop("dispatch_requests") + int(run.pop("round_requests"))
    run["fallbacks"] = list(run["fallbacks"])
    for key in ("rounds_done", "rounds_failed", "rows_written", "rows_deleted", "quarantined", "retries",
                "throttles", "resent"):
        run[key] = int(run[key])
    return run


def get_run(conn: psycopg.Connection, run_id: str) -> dict[str, Any] | None:
    """The run with its per-round totals, or None."""
    row = conn.execute(_RUN_SUMMARY + 'WHERE r."Id" = %s', [run_id]).fetchone()
    return _run_of(row) if row else None


def list_runs(conn: psycopg.Connection, limit: int) -> list[dict[str, Any]]:
    """The latest `limit` runs, newest first, each as get_run gives it."""
    rows = conn.execute(_RUN_SUMMARY + 'ORDER BY r."StartedAt" DESC, r."Id" LIMIT %s', [limit]).fetchall()
    return [_run_of(row) for row in rows]


def run_rounds(conn: psycopg.Connection, run_id: str) -> list[dict[str, Any]]:
    """The run's rounds in key order, each with its state, counts and error (never a result value)."""
    rows = conn.execute(
        'SELECT "Season", "RoundKey", "Status", "IncludeResults", "Requests", "RowsWritten", "RowsDeleted", '
        '"Quarantined", "Retries", "Throttles", "Resent", "Error", "UpdatedAt" FROM "SyncRunRounds" '
        'WHERE "RunId" = %s ORDER BY "Season" NULLS FIRST, length("RoundKey"), "RoundKey"', [run_id]).fetchall()
    fields = ("season", "round", "status", "include_results", "requests", "rows_written", "rows_deleted",
              "quarantined", "retries", "throttles", "resent", "error", "updated_at")
    return [dict(zip(fields, row)) for row in rows]


def run_quarantined(conn: psycopg.Connection, run_id: str) -> list[dict[str, Any]]:
    """The records the run quarantined: source, endpoint, round, record key and reason (never the payload, which
    may hold a result)."""
    rows = conn.execute(
        'SELECT "Source", "Endpoint", "RoundKey", "RecordKey", "Reason" FROM "QuarantinedRecords" WHERE "RunId" = %s '
        'ORDER BY "RoundKey" NULLS FIRST, "Endpoint", "Id"', [run_id]).fetchall()
    return [dict(zip(("source", "endpoint", "round", "record_key", "reason"), row)) for row in rows]


def quarantine(conn: psycopg.Connection, run_id: str | None, source: str, round_key: str | None,
               rejected: Iterable[Rejected], record_key: str | None = None) -> int:
    """Keep each rejected record once per run, with its reason and payload as received."""
    rows = [(run_id, source, r.endpoint, round_key, _text(r.payload.get(record_key) if record_key else None), r.reason,
             Jsonb(r.payload), hashlib.sha256(json.dumps(r.payload, sort_keys=True).encode()).hexdigest())
            for r in rejected]
    if not rows:
        return 0
    with conn.cursor() as cur:
        cur.executemany(
            'INSERT INTO "QuarantinedRecords" ("RunId", "Source", "Endpoint", "RoundKey", "RecordKey", "Reason", '
            '"Payload", "PayloadHash") VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING', rows)
    return len(rows)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
