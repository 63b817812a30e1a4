"""Remove the racing data for a clean re-sync without touching a row of any other table (docs/data-model.md).

The rule is one: delete, children first, every racing row that no row anywhere references. Which tables
reference the racing tables is read from the catalogue (so a table the API adds later is respected too):
sessions that users' Logs or ListItems point at are kept, and with them their rounds, seasons, series and
circuits (circuits with Grandstands as well), since those are referenced by the kept rows. Results, entrants,
drivers and teams are referenced by no user table, so all of them go (the re-sync rebuilds them). The tables
that reference racing rows (and the tables that reference those) are locked against writes for the
transaction, so no reference can appear between the check and the delete, and their row counts are compared
before and after: any difference rolls the whole clean back. Never TRUNCATE, never a cascade into user data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from workers.db import changes, identities
from workers.db.tables import RACING_TABLES, ForeignKey, foreign_keys, racing_counts
from workers.errors import PermanentError

# Children before parents: a parent is checked only after the children that could keep it are settled.
DELETE_ORDER = ("Results", "Entrants", "Sessions", "Drivers", "Teams", "Rounds", "Seasons", "Series", "Circuits")
LOCK_TIMEOUT = "10s"


@dataclass
class CleanReport:
    deleted: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    protected: list[str] = field(default_factory=list)  # tables whose rows keep racing rows (user data)


def protected_tables(keys: list[ForeignKey]) -> list[str]:
    """Tables outside the racing set that reference racing rows, directly or through each other (Reviews → Logs)."""
    children: dict[str, set[str]] = defaultdict(set)
    for key in keys:
        children[key.parent].add(key.child)
    found: set[str] = set()
    frontier = set(RACING_TABLES)
    while frontier:
        frontier = {c for p in frontier for c in children[p]} - found - set(RACING_TABLES)
        found |= frontier
    return sorted(found)


def row_counts(conn: psycopg.Connection, tables: list[str]) -> dict[str, int]:
    return {t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
            for t in tables}


def clean_racing(conn: psycopg.Connection) -> CleanReport:
    """Delete the unreferenced racing rows, and the identities of the rows deleted, in the caller's one transaction.
    The landing is kept: `python -m ingestion rebuild` writes the racing rows again from it with no request."""
    keys = foreign_keys(conn)
    protected = protected_tables(keys)
    _lock(conn, protected)
    before = row_counts(conn, protected)
    report = CleanReport(protected=protected)
    for table in DELETE_ORDER:
        report.deleted[table] = _delete_unreferenced(conn, table, [k for k in keys if k.parent == table])
    report.deleted["SourceIdentities"] = identities.prune(conn)
    report.deleted.update(changes.prune(conn))
    if row_counts(conn, protected) != before:
        raise PermanentError("clean-racing would have changed user data; nothing was deleted")
    counts = racing_counts(conn)
    report.kept = {t: counts[t] for t in DELETE_ORDER}
    return report


def _lock(conn: psycopg.Connection, tables: list[str]) -> None:
    """SHARE mode: others may read the user tables, none may write them until the clean commits."""
    conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
    if tables:
        conn.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.SQL(", ").join(map(sql.Identifier, tables))))


def _delete_unreferenced(conn: psycopg.Connection, table: str, referencing: list[ForeignKey]) -> int:
    statement = sql.SQL("DELETE FROM {t} AS x").format(t=sql.Identifier(table))
    if referencing:
        statement += sql.SQL(" WHERE ") + sql.SQL(" AND ").join(_unreferenced(k) for k in referencing)
    return max(conn.execute(statement).rowcount, 0)


def _unreferenced(key: ForeignKey) -> sql.Composed:
    match = sql.SQL(" AND ").join(
        sql.SQL("r.{} = x.{}").format(sql.Identifier(c), sql.Identifier(p))
        for c, p in zip(key.child_columns, key.parent_columns))
    return sql.SQL("NOT EXISTS (SELECT 1 FROM {child} AS r WHERE {match})").format(
        child=sql.Identifier(key.child), match=match)


def active_runs(conn: psycopg.Connection) -> int:
    """Runs still marked running that started in the last day (a sync racing the clean would re-add rows)."""
    return conn.execute('SELECT count(*) FROM "SyncRuns" WHERE "Status" = \'running\' '
                        'AND "StartedAt" > now() - interval \'1 day\'').fetchone()[0]
