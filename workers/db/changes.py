"""The season in motion, in the database: when sessions end ("SessionTimes"), statuses that follow the clock, and
the changes the app reads ("SessionChanges": one row per change of a session's status, schedule or results, each
announced on the channel `parcferme_sessions` by the table's trigger).

A change row carries small JSON objects: a status name (`{"status": "InProgress"}`), ISO times
(`{"start": …, "end": …}`) or, for results, counts only (`{"results": 20}`): never a position, time, points, gap,
laps or classification. A session written for the first time is its initial state, not a change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

import psycopg
from psycopg.types.json import Jsonb

from workers.rows import STATUS_NAMES, SessionStatus

# The statuses the clock decides (docs/season-in-motion.md): Cancelled is upstream's word, Delayed a source's, never the
# clock's.
_CLOCKED = tuple(int(s) for s in (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED))
_FROM_CLOCK = (f'CASE WHEN now() >= t."EndTimeUtc" THEN {int(SessionStatus.COMPLETED)} '
               f'WHEN now() >= s."StartTimeUtc" THEN {int(SessionStatus.IN_PROGRESS)} '
               f'ELSE {int(SessionStatus.SCHEDULED)} END')
# Sessions whose status the clock may still change: not yet completed, or completed but ending in the future
# (moved later). Completed sessions of the past are never looked at again.
_MAY_CHANGE = (f's."Status" IN ({_CLOCKED[0]}, {_CLOCKED[1]}) '
               f'OR (s."Status" = {_CLOCKED[2]} AND t."EndTimeUtc" > now())')


@dataclass(frozen=True)
class SessionState:
    """What the app sees of a session that can change: its status, start and end."""

    id: Any
    status: int
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Change:
    session_id: Any
    kind: str  # status | schedule | results
    before: dict[str, Any]
    after: dict[str, Any]


def status_change(session_id: Any, before: int, after: int) -> Change:
    return Change(session_id, "status", {"status": _name(before)}, {"status": _name(after)})


def _name(status: int) -> str:
    try:
        return STATUS_NAMES[SessionStatus(status)]
    except ValueError:
        return str(status)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def compare(before: Mapping[str, SessionState], after: Mapping[str, SessionState]) -> list[Change]:
    """The changes between two states of the same sessions (by source key); a session absent before is new: its
    first state is no change."""
    found = []
    for key in sorted(before.keys() & after.keys()):
        old, new = before[key], after[key]
        if old.status != new.status:
            found.append(status_change(new.id, old.status, new.status))
        if (old.start, old.end) != (new.start, new.end):
            found.append(Change(new.id, "schedule", {"start": _iso(old.start), "end": _iso(old.end)},
                                {"start": _iso(new.start), "end": _iso(new.end)}))
    return found


def results_change(session_id: Any, before: int, after: int, changed: int) -> Change:
    """Results of a session changed: how many rows it had and has, and how many were written or removed."""
    return Change(session_id, "results", {"results": before}, {"results": after, "changed": changed})


# -- reading and writing --------------------------------------------------------------------------------------

def session_states(conn: psycopg.Connection, source: str, keys: Sequence[str], lock: bool = False
                   ) -> dict[str, SessionState]:
    """Source key → state of the sessions this source knows by these keys. `lock`: held until the transaction
    ends, so the clock's tick (which skips locked rows) cannot change them between this read and the write."""
    if not keys:
        return {}
    rows = conn.execute(
        'SELECT i."SourceKey", s."Id", s."Status", s."StartTimeUtc", t."EndTimeUtc" FROM "SourceIdentities" i '
        'JOIN "Sessions" s ON s."Id" = i."RowId" LEFT JOIN "SessionTimes" t ON t."SessionId" = s."Id" '
        'WHERE i."Source" = %s AND i."Kind" = \'session\' AND i."SourceKey" = ANY(%s) ORDER BY s."Id"'
        + (' FOR UPDATE OF s' if lock else ''), [source, list(keys)]).fetchall()
    return {key: SessionState(row_id, status, start, end) for key, row_id, status, start, end in rows}


def write_ends(conn: psycopg.Connection, source: str, ends: Mapping[Any, datetime]) -> int:
    """Keep when each session ends (session id → end); an unchanged end is not rewritten. Rows written."""
    if not ends:
        return 0
    with conn.cursor() as cur:
        cur.executemany(
            'INSERT INTO "SessionTimes" ("SessionId", "Source", "EndTimeUtc") VALUES (%s, %s, %s) '
            'ON CONFLICT ("SessionId") DO UPDATE SET "EndTimeUtc" = EXCLUDED."EndTimeUtc", '
            '"Source" = EXCLUDED."Source", '
            '"UpdatedAt" = now() WHERE ("SessionTimes"."EndTimeUtc", "SessionTimes"."Source") IS DISTINCT FROM '
            '(EXCLUDED."EndTimeUtc", EXCLUDED."Source")',
            [(session_id, source, end) for session_id, end in sorted(ends.items(), key=lambda item: str(item[0]))])
        return max(cur.rowcount, 0)


def statuses_from_clock(conn: psycopg.Connection, session_ids: Sequence[Any] | None = None) -> list[Change]:
    """Set the status of sessions with a known end from the database's clock (Scheduled before their start,
    InProgress from it, Completed from their end; Cancelled and Delayed are left alone); the changes made. With
    `session_ids`, those sessions only (a step that holds them); else every session that may change, skipping
    those a step is writing (it sets them itself)."""
    where = _MAY_CHANGE if session_ids is None else 's."Id" = ANY(%(ids)s)'
    rows = conn.execute(
        f'WITH due AS (SELECT s."Id", s."Status" AS before, {_FROM_CLOCK} AS after FROM "Sessions" s '
        f'JOIN "SessionTimes" t ON t."SessionId" = s."Id" WHERE s."Status" IN {_CLOCKED} AND ({where}) '
        'ORDER BY s."Id" FOR UPDATE OF s' + (' SKIP LOCKED' if session_ids is None else '') + ') '
        'UPDATE "Sessions" s SET "Status" = due.after FROM due WHERE s."Id" = due."Id" AND due.after <> due.before '
        'RETURNING s."Id", due.before, due.after', {"ids": list(session_ids or [])}).fetchall()
    return [status_change(row_id, before, after) for row_id, before, after in rows]


def record(conn: psycopg.Connection, changes: Iterable[Change]) -> int:
    """Write the changes (the table's trigger announces each on `parcferme_sessions` when the transaction
    commits); how many."""
    rows = [(c.session_id, c.kind, Jsonb(c.before), Jsonb(c.after)) for c in changes]
    if rows:
        with conn.cursor() as cur:
            cur.executemany('INSERT INTO "SessionChanges" ("SessionId", "Kind", "Before", "After") '
                            'VALUES (%s, %s, %s, %s)', rows)
    return len(rows)


def follow_the_clock(conn: psycopg.Connection) -> int:
    """The clock's tick: every session's status from its times, each change recorded; how many changed."""
    return record(conn, statuses_from_clock(conn))


def existed_before(conn: psycopg.Connection, session_ids: Sequence[Any], moment: datetime | None) -> set[Any]:
    """The sessions among these whose identity was registered before `moment` (None: before this transaction):
    a session a run created is in its initial state during that run."""
    if not session_ids:
        return set()
    rows = conn.execute('SELECT DISTINCT "RowId" FROM "SourceIdentities" WHERE "Kind" = \'session\' '
                        'AND "RowId" = ANY(%s) AND "CreatedAt" < coalesce(%s, now())',
                        [list(session_ids), moment]).fetchall()
    return {row_id for (row_id,) in rows}


def prune(conn: psycopg.Connection) -> dict[str, int]:
    """Forget end times and changes of sessions that no longer exist (after clean-racing); rows per table."""
    deleted = {}
    for table in ("SessionTimes", "SessionChanges"):
        cur = conn.execute(f'DELETE FROM "{table}" x WHERE NOT EXISTS (SELECT 1 FROM "Sessions" s '
                           'WHERE s."Id" = x."SessionId")')
        deleted[table] = max(cur.rowcount, 0)
    return deleted


def changes_since(conn: psycopg.Connection, after_id: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
    """The change rows after an id, oldest first (what an app that was not listening reads)."""
    rows = conn.execute('SELECT "Id", "SessionId", "Kind", "Before", "After", "At" FROM "SessionChanges" '
                        'WHERE "Id" > %s ORDER BY "Id" LIMIT %s', [after_id, limit]).fetchall()
    return [dict(zip(("id", "session_id", "kind", "before", "after", "at"), row)) for row in rows]
