"""Rows compared as the audit compares them, in Python: drivers, teams and circuits by name and place across the
sources holding them (docs/identity.md), namesakes a source keeps apart, and a round's sessions against the weekend its
source's championship should have. Pure but for the one read of the rows and the sources holding them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Callable, Iterable

import psycopg
from psycopg import sql

from workers.audit_rules import AuditRules
from workers.db.inventory import type_name
from workers.rows import slugify


@dataclass(frozen=True)
class HeldRow:
    """A driver, team or circuit row: its slug, name and where it stands, and the sources holding it
    (docs/identity.md)."""

    slug: str
    name: str
    location: str
    country: str
    sources: frozenset[str]

    def __str__(self) -> str:
        return f"{self.slug} ({', '.join(sorted(self.sources)) or 'no source'})"


_HELD = {  # kind → (table, its name as SQL, its location and country as SQL)
    "driver": ("Drivers", 't."FirstName" || \' \' || t."LastName"', "''", "''"),
    "team": ("Teams", 't."Name"', "''", "''"),
    "circuit": ("Circuits", 't."Name"', 't."Location"', 't."Country"'),
}


def held_rows(conn: psycopg.Connection, kind: str) -> list[HeldRow]:
    """Every row of the kind's table with the sources whose identities name it."""
    table, name, location, country = _HELD[kind]
    query = sql.SQL('SELECT t."Slug", {name}, {location}, {country}, coalesce(array_agg(DISTINCT i."Source") '
                    'FILTER (WHERE i."Source" IS NOT NULL), \'{{}}\') FROM {t} t LEFT JOIN "SourceIdentities" i '
                    'ON i."RowId" = t."Id" AND i."Kind" = {kind} GROUP BY t."Id"').format(
        name=sql.SQL(name), location=sql.SQL(location), country=sql.SQL(country), t=sql.Identifier(table),
        kind=sql.Literal(kind))
    return [HeldRow(slug, n, loc, ctry, frozenset(sources)) for slug, n, loc, ctry, sources in conn.execute(query)]


def groups_alike(rows: list[HeldRow], key: Callable[[HeldRow], Any]) -> list[tuple[Any, list[HeldRow]]]:
    """Groups of two rows or more with one key, each in slug order, in the order of their first slugs."""
    groups: dict[Any, list[HeldRow]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r.slug):
        groups[key(row)].append(row)
    return sorted(((k, g) for k, g in groups.items() if len(g) > 1), key=lambda kg: kg[1][0].slug)


def held_apart(a: HeldRow, b: HeldRow) -> bool:
    """Two rows that two sources hold, neither knowing the other's: what two sources write for one thing
    without a bridge between them (docs/identity.md)."""
    return bool(a.sources and b.sources and not a.sources & b.sources)


def across_sources(group: list[HeldRow]) -> bool:
    return any(held_apart(a, b) for a, b in combinations(group, 2))


def only_across_sources(group: list[HeldRow]) -> bool:
    return all(held_apart(a, b) for a, b in combinations(group, 2))


def lines(groups: list[tuple[Any, list[HeldRow]]]) -> list[str]:
    return [f"{label}: {', '.join(map(str, rows))}" for label, rows in groups]


def namesakes_of(source: str, group: list[HeldRow]) -> bool:
    """Rows of one name that only this source holds, each under a key of its own (The Third Turn's `Curtis_Turner`,
    `Curtis_Turner_(VA)`): namesakes it keeps apart (docs/sources/thethirdturn.md)."""
    return all(row.sources == frozenset({source}) for row in group)


def name_words(row: HeldRow) -> frozenset[str]:
    return frozenset(slugify(row.name).split("-"))


def team_words(fillers: Iterable[str]) -> Callable[[HeldRow], frozenset[str]]:
    """A team's name as words, but the fillers by which sources name one team differently (unless that leaves none)."""
    left_out = frozenset(fillers)
    return lambda row: name_words(row) - left_out or name_words(row)


def country(aliases: dict[str, str]) -> Callable[[str], str]:
    """A country compared as a slug, the sources' own spellings ("USA") read as the others' ("united-states")."""
    return lambda name: aliases.get(slugify(name), slugify(name))


def shape_gap(slug: str, year: int, types: set[int], rules: AuditRules) -> str | None:
    """What a round's sessions lack or have beyond the weekend its source's championship should have."""
    if not types or rules.weekend is None:
        return None  # no sessions: reported as a round without sessions
    shape, expected = rules.weekend.shape(year, frozenset(types))
    missing, extra = expected - types, types - expected
    if not missing and not extra:
        return None
    parts = [f"missing {', '.join(type_name(t) for t in sorted(missing))}" if missing else "",
             f"unexpected {', '.join(type_name(t) for t in sorted(extra))}" if extra else ""]
    return f"{slug} ({shape} weekend): " + "; ".join(p for p in parts if p)
