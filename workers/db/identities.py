"""The identity table (docs/identity.md): (source, kind, source key) → the row it is ("SourceIdentities")."""

from __future__ import annotations

from typing import Any, Mapping

import psycopg

from workers.db.tables import KIND_TABLES, RACING_TABLES, foreign_keys


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
    row = conn.execute('SELECT "RowId" FROM "SourceIdentities" '
                       'WHERE "Source" = %s AND "Kind" = %s AND "SourceKey" = %s', [source, kind, key]).fetchone()
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


def bridged(conn: psycopg.Connection, source: str, kind: str, slugs_by_key: Mapping[str, str]) -> dict[str, Any]:
    """Source key → row of the keys this source's identity ties to a row under another slug: a bridge made it
    the same driver, team or circuit as another source's row, which keeps its own slug and attributes."""
    if not slugs_by_key:
        return {}
    table = KIND_TABLES[kind]
    rows = conn.execute(f'SELECT i."SourceKey", i."RowId", t."Slug" FROM "SourceIdentities" i JOIN "{table}" t '
                        'ON t."Id" = i."RowId" WHERE i."Source" = %s AND i."Kind" = %s AND i."SourceKey" = ANY(%s)',
                        [source, kind, list(slugs_by_key)]).fetchall()
    return {key: row_id for key, row_id, slug in rows if slug != slugs_by_key[key]}


def merge(conn: psycopg.Connection, kind: str, old: Any, new: Any) -> bool:
    """Make row `old` row `new`: every racing reference to it moves to `new`, every identity too, and `old` goes.
    Refused (False, nothing changed) when a table outside the racing ones (user data) references `old`."""
    table = KIND_TABLES[kind]
    referencing = [k for k in foreign_keys(conn) if k.parent == table and len(k.child_columns) == 1]
    for key in referencing:
        column = key.child_columns[0]
        if key.child not in RACING_TABLES and conn.execute(
                f'SELECT EXISTS (SELECT 1 FROM "{key.child}" WHERE "{column}" = %s)', [old]).fetchone()[0]:
            return False
    for key in referencing:
        column = key.child_columns[0]
        conn.execute(f'UPDATE "{key.child}" SET "{column}" = %s WHERE "{column}" = %s', [new, old])
    conn.execute('UPDATE "SourceIdentities" SET "RowId" = %s, "UpdatedAt" = now() WHERE "Kind" = %s AND "RowId" = %s',
                 [new, kind, old])
    conn.execute(f'DELETE FROM "{table}" WHERE "Id" = %s', [old])
    return True


def lock_bridge(conn: psycopg.Connection) -> None:
    """One bridge at a time (two runs ending together would both merge)."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('parcferme:bridge', 0))")
