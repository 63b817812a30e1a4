"""The racing tables as several modules of the database layer need them: their names, the table of each kind of
identity, the foreign keys of the database (read from its catalogue) and the rows each table holds. At the bottom of
the layer: it imports no other module of it, so the writers, the identities, the audit and the clean share it with
no import circle."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

RACING_TABLES = ("Series", "Seasons", "Circuits", "Rounds", "Sessions", "Drivers", "Teams", "Entrants", "Results")

# The table of each kind of row a source registers an identity for (docs/identity.md: "SourceIdentities"."Kind").
KIND_TABLES = {"series": "Series", "season": "Seasons", "circuit": "Circuits", "round": "Rounds", "session": "Sessions",
               "driver": "Drivers", "team": "Teams"}

# Every foreign key of the database as (child, child columns, parent, parent columns), in the current schema.
_FOREIGN_KEYS = """
SELECT ch.relname, array_agg(ca.attname::text ORDER BY k.ord), pa.relname, array_agg(pc.attname::text ORDER BY k.ord)
FROM pg_constraint c
JOIN pg_class ch ON ch.oid = c.conrelid
JOIN pg_class pa ON pa.oid = c.confrelid
JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(child_col, parent_col, ord) ON true
JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = k.child_col
JOIN pg_attribute pc ON pc.attrelid = c.confrelid AND pc.attnum = k.parent_col
WHERE c.contype = 'f' AND ch.relnamespace = current_schema()::regnamespace
  AND pa.relnamespace = current_schema()::regnamespace
GROUP BY c.oid, ch.relname, pa.relname
"""


@dataclass(frozen=True)
class ForeignKey:
    child: str
    child_columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]


def foreign_keys(conn: psycopg.Connection) -> list[ForeignKey]:
    return [ForeignKey(c, tuple(cc), p, tuple(pc)) for c, cc, p, pc in conn.execute(_FOREIGN_KEYS).fetchall()]


def racing_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Rows per racing table, in the order of RACING_TABLES."""
    query = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {name}, count(*) FROM {t}").format(name=sql.Literal(t), t=sql.Identifier(t))
        for t in RACING_TABLES)
    return {name: int(n) for name, n in conn.execute(query).fetchall()}
