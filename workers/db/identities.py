"""The identity table of SPEC §6: (source, kind, source key) → the row it is ("SourceIdentities")."""

from __future__ import annotations

from typing import Any, Mapping

import psycopg

KIND_TABLES = {"circuit": "Circuits", "round": "Rounds", "session": "Sessions", "driver": "Drivers", "team": "Teams"}


def register(conn: psycopg.Connection, source: str, kind: str, rows: Mapping[str, Any]) -> None:
    """Record source key → row id for each pair (in key order: a stable lock order); unchanged pairs stay."""
    if not rows:
        return
    with conn.cursor() as cur:
        cur.executemany(
            'INSERT INTO "SourceIdentities" ("Source", "Kind", "SourceKey", "RowId") VALUES (%s, %s, %s, %s) '
            'ON CONFLICT ("Source", "Kind", "SourceKey") DO UPDATE SET "RowId" = EXCLUDED."RowId", "UpdatedAt" = now() '
            'WHERE "SourceIdentities"."RowId" IS DISTINCT FROM EXCLUDED."RowId"',
            [(source, kind, key, row_id) for key, row_id in sorted(rows.items())])


def lock(conn: psycopg.Connection, source: str, kind: str, key: str) -> None:
    """Hold one identity until the transaction ends (a second writer of it waits, then finds it registered)."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{source}\x1f{kind}\x1f{key}"])


def row_of(conn: psycopg.Connection, source: str, kind: str, key: str) -> Any | None:
    row = conn.execute('SELECT "RowId" FROM "SourceIdentities" WHERE "Source" = %s AND "Kind" = %s AND "SourceKey" = %s',
                       [source, kind, key]).fetchone()
    return row[0] if row else None


def keys_of_rows(conn: psycopg.Connection, source: str, kind: str, row_ids: list[Any]) -> dict[Any, str]:
    """row id → source key, for the rows this source knows."""
    rows = conn.execute('SELECT "RowId", "SourceKey" FROM "SourceIdentities" WHERE "Source" = %s AND "Kind" = %s '
                        'AND "RowId" = ANY(%s)', [source, kind, row_ids]).fetchall()
    return dict(rows)


def prune(conn: psycopg.Connection) -> int:
    """Forget identities whose row no longer exists (after clean-racing); returns how many."""
    deleted = 0
    for kind, table in KIND_TABLES.items():
        cur = conn.execute(f'DELETE FROM "SourceIdentities" i WHERE i."Kind" = %s AND NOT EXISTS '
                           f'(SELECT 1 FROM "{table}" t WHERE t."Id" = i."RowId")', [kind])
        deleted += max(cur.rowcount, 0)
    return deleted
