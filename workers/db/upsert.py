"""Upserts generated once from a table description: placeholders for values, identifiers quoted,
and `IS DISTINCT FROM` so an unchanged row is never rewritten (no dead tuple, no WAL, same xmin)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class TableSpec:
    """A racing table as the upsert sees it.

    `guard` is an extra SQL condition for updating an existing row, written against the table's own name
    (it may use the named placeholder `%(_since)s`): e.g. "only when no later round uses this driver".
    """

    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    guard: str | None = None

    @property
    def updatable(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.key)


def upsert_statement(spec: TableSpec) -> sql.Composed:
    table = sql.Identifier(spec.name)
    cols = sql.SQL(", ").join(map(sql.Identifier, spec.columns))
    values = sql.SQL(", ").join(sql.Placeholder(c) for c in spec.columns)
    keys = sql.SQL(", ").join(map(sql.Identifier, spec.key))
    head = sql.SQL("INSERT INTO {t} ({c}) VALUES ({v}) ON CONFLICT ({k}) ").format(t=table, c=cols, v=values, k=keys)
    if not spec.updatable:
        return head + sql.SQL("DO NOTHING")
    current = sql.SQL(", ").join(sql.SQL("{}.{}").format(table, sql.Identifier(c)) for c in spec.updatable)
    incoming = sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in spec.updatable)
    sets = sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in spec.updatable)
    tail = sql.SQL("DO UPDATE SET {s} WHERE ({cur}) IS DISTINCT FROM ({inc})").format(s=sets, cur=current, inc=incoming)
    if spec.guard:
        tail += sql.SQL(" AND ") + sql.SQL(spec.guard)  # type: ignore[arg-type]  # a constant of this package
    return head + tail


def upsert_rows(conn: psycopg.Connection, spec: TableSpec, rows: Sequence[Mapping[str, Any]],
                extra: Mapping[str, Any] | None = None) -> int:
    """Write rows in one pipelined batch, in key order (a stable lock order); return rows inserted or changed."""
    if not rows:
        return 0
    ordered = sorted(rows, key=lambda r: tuple(str(r[k]) for k in spec.key))
    params = [{**{c: r.get(c) for c in spec.columns}, **(extra or {})} for r in ordered]
    with conn.cursor() as cur:
        cur.executemany(upsert_statement(spec), params)
        return max(cur.rowcount, 0)


def ids_by(conn: psycopg.Connection, table: str, column: str, values: Iterable[Any]) -> dict[Any, Any]:
    """Map natural key → "Id" for the given values of one unique column."""
    values = list(dict.fromkeys(values))
    if not values:
        return {}
    query = sql.SQL("SELECT {c}, {id} FROM {t} WHERE {c} = ANY(%s)").format(
        c=sql.Identifier(column), id=sql.Identifier("Id"), t=sql.Identifier(table))
    return dict(conn.execute(query, [values]).fetchall())


def insert_row(conn: psycopg.Connection, spec: TableSpec, row: Mapping[str, Any]) -> Any:
    """Insert one row; its new "Id"."""
    statement = sql.SQL("INSERT INTO {t} ({c}) VALUES ({v}) RETURNING {id}").format(
        t=sql.Identifier(spec.name), c=sql.SQL(", ").join(map(sql.Identifier, spec.columns)),
        v=sql.SQL(", ").join(sql.Placeholder(c) for c in spec.columns), id=sql.Identifier("Id"))
    return conn.execute(statement, {c: row.get(c) for c in spec.columns}).fetchone()[0]


def update_row(conn: psycopg.Connection, spec: TableSpec, row_id: Any, row: Mapping[str, Any]) -> int:
    """Update one row by "Id" only where a value differs (an unchanged row is not rewritten); 1 if it changed."""
    table = sql.Identifier(spec.name)
    sets = sql.SQL(", ").join(sql.SQL("{0} = {1}").format(sql.Identifier(c), sql.Placeholder(c)) for c in spec.columns)
    current = sql.SQL(", ").join(map(sql.Identifier, spec.columns))
    incoming = sql.SQL(", ").join(sql.Placeholder(c) for c in spec.columns)
    statement = sql.SQL("UPDATE {t} SET {s} WHERE {id} = %(_id)s AND ({cur}) IS DISTINCT FROM ({inc})").format(
        t=table, s=sets, id=sql.Identifier("Id"), cur=current, inc=incoming)
    return max(conn.execute(statement, {**{c: row.get(c) for c in spec.columns}, "_id": row_id}).rowcount, 0)
