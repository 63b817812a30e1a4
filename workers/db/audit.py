"""The engine of `db audit`: it runs the checks every source shares (duplicates, empty parents, completeness) with
the rules each source declares (`workers.audit_rules.AuditRules`: its natural keys, how its results find their
entrants, the sessions it classifies, its weekend shapes, its namesakes, how its names differ), each finding a
defect or a notice, the reason for its severity beside each check. The engine knows no source: a round is judged
by the rules of the source whose identity it carries. Findings name rows by natural key (slugs, the sources' own
keys), never by a result value: nothing here reads a position, time or points.

What `verify` reports of the tables is workers/db/inventory.py's (named here too, as the command line reads it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import psycopg
from psycopg import sql

from workers.audit_rules import AuditRules
from workers.db import alike
from workers.db.alike import HeldRow  # noqa: F401  (a row as the checks compare it)
from workers.db.inventory import (identity_keys, latest_session, racing_counts, season_inventory,  # noqa: F401
                                  season_years, status_name, type_name)
from workers.rows import NaturalKey, SessionStatus, SessionType, slugify

# SQL expression naming a session type, generated from the enum (a constant, no input).
_TYPE_NAME = "(ARRAY[" + ", ".join(f"'{t.name}'" for t in SessionType) + "])[{col} + 1]"
_COMPLETED, _TESTING = int(SessionStatus.COMPLETED), int(SessionType.TESTING)
Q, SQ, SPRINT, RACE = SessionType.QUALIFYING, SessionType.SPRINT_QUALIFYING, SessionType.SPRINT, SessionType.RACE


# -- audit ----------------------------------------------------------------------------------------------------

# A defect is what a writer bug or a careless hand leaves (duplicates, empty parents, rows contradicting each
# other or upstream): the audit fails on it. A notice is a fact of the sport or a gap upstream that looks like
# one (a driver who missed a session, a session a source has no results for): printed, it fails only `--strict`.
DEFECT, NOTICE = "defect", "notice"
SEVERITIES = (DEFECT, NOTICE)
CATEGORIES = ("duplicates", "empty parents", "completeness")


@dataclass(frozen=True)
class Finding:
    severity: str
    category: str
    check: str
    items: list[str]


@dataclass(frozen=True)
class Check:
    severity: str
    category: str
    label: str
    run: Callable[[psycopg.Connection], list[str]]


def _query(template: str, **parts: Any) -> Callable[[psycopg.Connection], list[str]]:
    """A check's query: `template` with {name} parts (SQL fragments or values as psycopg composes them)."""
    composed = sql.SQL(template).format(**parts)
    return lambda conn: [line for (line,) in conn.execute(composed).fetchall()]


def _of_sources(names: Iterable[str]) -> sql.Composable:
    """SQL: round r carries the identity of one of these sources."""
    return sql.SQL('EXISTS (SELECT 1 FROM "SourceIdentities" w WHERE w."RowId" = r."Id" AND w."Kind" = \'round\' '
                   'AND w."Source" = ANY({}::text[]))').format(sql.Literal(sorted(names)))


def _session_keys(rules: Sequence[AuditRules]) -> list[NaturalKey]:
    return list({r.keys.session.column: r.keys.session for r in rules if r.keys.session}.values())


def _session_id(rules: Sequence[AuditRules]) -> sql.Composable:
    """SQL: a session s by the source's own key where it has one, else by its row id."""
    keys = [sql.SQL("s.{}::text").format(sql.Identifier(k.column)) for k in _session_keys(rules)]
    return sql.SQL("coalesce({})").format(sql.SQL(", ").join([*keys, sql.SQL('s."Id"::text')]))


def _session_suffix(rules: Sequence[AuditRules]) -> sql.Composable:
    """SQL: " (session K)" for a session s with a source's own key, nothing for the others."""
    keys = [sql.SQL("{} || s.{} || ')'").format(sql.Literal(f" ({k.noun} "), sql.Identifier(k.column))
            for k in _session_keys(rules)]
    return sql.SQL("coalesce({})").format(sql.SQL(", ").join([*keys, sql.Literal("")]))


def _session_group(rules: Sequence[AuditRules]) -> sql.Composable:
    """SQL: the session key columns a grouping by session adds (none without them)."""
    return sql.SQL("").join(sql.SQL(", s.{}").format(sql.Identifier(k.column)) for k in _session_keys(rules))


def _classified(rules: Sequence[AuditRules]) -> sql.Composable:
    """SQL: session s of a round of source i is one its source classifies (every type where it declares none)."""
    pairs = [(r.source, t) for r in rules for t in (sorted(map(int, r.classified)) if r.classified is not None
                                                   else [None])]
    return sql.SQL('EXISTS (SELECT 1 FROM unnest({}::text[], {}::int[]) AS c(source, type) WHERE c.source = '
                   'i."Source" AND (c.type IS NULL OR c.type = s."Type"))').format(
        sql.Literal([p[0] for p in pairs]), sql.Literal([p[1] for p in pairs]))


def _round_key_checks(rules: Sequence[AuditRules]) -> list[Check]:
    # Defect: the writer upserts a round of a source with a round key column once per key (and moves it when
    # renamed upstream), so a second round with the key is a stray copy.
    keys = {r.keys.round.column: r.keys.round for r in rules if r.keys.round}
    return [Check(DEFECT, "duplicates", f"rounds sharing one {key.name}", _query(
        'SELECT format(\'%s %s: %s\', {noun}, {c}, string_agg("Slug", \', \' ORDER BY "Slug")) FROM "Rounds" '
        'WHERE {c} IS NOT NULL GROUP BY {c} HAVING count(*) > 1 ORDER BY 1',
        noun=sql.Literal(key.noun), c=sql.Identifier(key.column))) for key in keys.values()]


def _sql_checks(rules: Sequence[AuditRules]) -> list[Check]:
    """The checks made in SQL, in the order findings of one severity and category are listed; the comment above
    each says why it has that severity."""
    by_number = {r.source for r in rules if r.by_car_number}
    numbered = [r for r in rules if r.numbered and not r.by_car_number]
    checks = _round_key_checks(rules) + [
        # Defect: a weekend has one session of each type, so a second one is a stale or stray row.
        Check(DEFECT, "duplicates", "sessions of one round with the same type (testing excepted)", _query(
            'SELECT format(\'%s %s: sessions %s\', r."Slug", ' + _TYPE_NAME.format(col='s."Type"') + ', '
            'string_agg({session}, \', \' ORDER BY s."StartTimeUtc")) '
            f'FROM "Sessions" s JOIN "Rounds" r ON r."Id" = s."RoundId" WHERE s."Type" <> {_TESTING} '
            'GROUP BY r."Slug", s."Type" HAVING count(*) > 1 ORDER BY 1', session=_session_id(rules)))]
    if by_number:
        # Defect where results are matched by car number: two cars of one weekend never carry one number there,
        # and results would go astray. Not for sources matching by their driver and team keys (history: in
        # 1950-1964 two drivers shared one car, and its number, in 46 races).
        checks.append(Check(DEFECT, "duplicates", "entrants of one round sharing a car number (their results cannot "
                            "be matched; rounds matched by car number)", _query(
            'SELECT format(\'%s #%s: %s\', r."Slug", e."CarNumber", string_agg(d."Slug", \', \' ORDER BY d."Slug")) '
            'FROM "Entrants" e JOIN "Rounds" r ON r."Id" = e."RoundId" JOIN "Drivers" d ON d."Id" = e."DriverId" '
            'WHERE e."CarNumber" IS NOT NULL AND {by_number} GROUP BY r."Slug", e."CarNumber" HAVING count(*) > 1 '
            'ORDER BY 1', by_number=_of_sources(by_number))))
    checks += [
        # Defect: a series is written only together with a season of it (one transaction).
        Check(DEFECT, "empty parents", "series without seasons", _query(
            'SELECT x."Slug" FROM "Series" x WHERE NOT EXISTS (SELECT 1 FROM "Seasons" y WHERE y."SeriesId" = x."Id") '
            'ORDER BY 1')),
        # Defect: a season is written only together with a round of it (one transaction).
        Check(DEFECT, "empty parents", "seasons without rounds", _query(
            'SELECT format(\'%s %s\', x."Slug", y."Year") FROM "Seasons" y JOIN "Series" x ON x."Id" = y."SeriesId" '
            'WHERE NOT EXISTS (SELECT 1 FROM "Rounds" r WHERE r."SeasonId" = y."Id") ORDER BY 1')),
        # Defect: a round is written only together with its sessions (even a cancelled meeting keeps them).
        Check(DEFECT, "empty parents", "rounds without sessions", _query(
            'SELECT r."Slug" FROM "Rounds" r WHERE NOT EXISTS (SELECT 1 FROM "Sessions" s WHERE s."RoundId" = r."Id") '
            'ORDER BY 1')),
        # Notice: sources have completed sessions without results (OpenF1: the 2023 Belgian GP qualifying); a failed
        # results step shows as a failed round in `python -m ingestion runs`. A source is asked only about the
        # sessions it classifies (history's practice sessions, 2021 on, never have results).
        Check(NOTICE, "completeness", "completed sessions without results though their meeting was last synced with "
              "results", _query(
            'SELECT DISTINCT format(\'%s %s%s\', r."Slug", ' + _TYPE_NAME.format(col='s."Type"') + ', {suffix}) '
            'FROM "Sessions" s JOIN "Rounds" r ON r."Id" = s."RoundId" '
            'JOIN "SourceIdentities" i ON i."Kind" = \'round\' AND i."RowId" = r."Id" '
            'JOIN LATERAL (SELECT u."IncludeResults" FROM "SyncRunRounds" m JOIN "SyncRuns" u ON u."Id" = m."RunId" '
            'WHERE u."Source" = i."Source" AND m."RoundKey" = i."SourceKey" AND m."Status" <> \'pending\' '
            'ORDER BY m."UpdatedAt" DESC LIMIT 1) '
            f'last ON last."IncludeResults" WHERE s."Status" = {_COMPLETED} AND {{classified}} '
            'AND NOT EXISTS (SELECT 1 FROM "Results" x WHERE x."SessionId" = s."Id") ORDER BY 1',
            suffix=_session_suffix(rules), classified=_classified(rules)))]
    if by_number:
        # Notice: a team may field one car at a weekend (a driver injured or withdrawn), or upstream lists fewer.
        # Rounds matched by car number only: their entrants come from a list of drivers apart from the results,
        # which can fall short; history's entrants are the rows of its own results, and teams ran one to five
        # cars until the 1990s (the expectation would flag 483 real rounds of 1950-2015).
        checks.append(Check(NOTICE, "completeness", "championship rounds with a completed session and fewer entrants "
                            "than two per team of the season (rounds matched by car number)", _query(
            'WITH per_round AS (SELECT r."Slug", r."SeasonId", count(e."Id") AS entrants, count(DISTINCT e."TeamId") '
            'AS teams FROM "Rounds" r LEFT JOIN "Entrants" e ON e."RoundId" = r."Id" WHERE r."RoundNumber" > 0 AND '
            '{by_number} AND EXISTS '
            f'(SELECT 1 FROM "Sessions" s WHERE s."RoundId" = r."Id" AND s."Status" = {_COMPLETED}) '
            'GROUP BY r."Id"), expected AS (SELECT *, 2 * max(teams) OVER (PARTITION BY "SeasonId") AS least '
            'FROM per_round) SELECT format(\'%s: %s entrants, expected at least %s\', "Slug", entrants, least) '
            'FROM expected WHERE entrants < least ORDER BY 1', by_number=_of_sources(by_number))))
    # Notice: a driver can miss one session of a weekend and race (Sargeant, 2024 Dutch GP qualifying) or
    # withdraw after qualifying; the session's results are written as upstream has them. History has the same
    # facts (2014 Abu Dhabi: both Red Bulls excluded from qualifying) and gaps (Ergast's 1994 qualifying lacks
    # Pacific's cars), so it stays a notice for every source.
    checks.append(Check(NOTICE, "completeness", "completed qualifying, sprint and race sessions lacking a result for "
                        "an entrant of the round's race (the race: of its qualifying)", _query(
        'SELECT format(\'%s %s%s: %s entrant(s) with a %s result have none here: %s\', r."Slug", '
        + _TYPE_NAME.format(col='s."Type"') + ', {suffix}, count(DISTINCT ref."EntrantId"), '
        + _TYPE_NAME.format(col='min(rs."Type")') + ', string_agg(DISTINCT d."Slug", \', \' ORDER BY d."Slug")) '
        'FROM "Sessions" s JOIN "Rounds" r ON r."Id" = s."RoundId" '
        f'JOIN "Sessions" rs ON rs."RoundId" = s."RoundId" AND rs."Type" = CASE WHEN s."Type" = {RACE:d} THEN {Q:d} '
        f'ELSE {RACE:d} END JOIN "Results" ref ON ref."SessionId" = rs."Id" '
        'JOIN "Entrants" e ON e."Id" = ref."EntrantId" JOIN "Drivers" d ON d."Id" = e."DriverId" '
        f'WHERE s."Type" IN ({Q:d}, {SQ:d}, {SPRINT:d}, {RACE:d}) AND s."Status" = {_COMPLETED} '
        'AND EXISTS (SELECT 1 FROM "Results" x WHERE x."SessionId" = s."Id") AND NOT EXISTS (SELECT 1 FROM "Results" x '
        'WHERE x."SessionId" = s."Id" AND x."EntrantId" = ref."EntrantId") '
        'GROUP BY r."Slug", s."Type"{group} ORDER BY 1', suffix=_session_suffix(rules), group=_session_group(rules))))
    if by_number:
        # Defect where results are matched by car number: such a source gives every entrant a number (OpenF1's
        # model requires one), so a NULL was written by something else, and that entrant's results cannot be matched.
        checks.append(Check(DEFECT, "completeness", "entrants without a car number (their results cannot be matched; "
                            "rounds matched by car number)", _query(
            'SELECT format(\'%s: %s\', r."Slug", d."Slug") FROM "Entrants" e JOIN "Rounds" r ON r."Id" = e."RoundId" '
            'JOIN "Drivers" d ON d."Id" = e."DriverId" WHERE e."CarNumber" IS NULL AND {by_number} ORDER BY 1',
            by_number=_of_sources(by_number))))
    if numbered:
        # Notice where results are matched by driver and team but entrants carry numbers: history (6 of Ergast's
        # entries have none, `"None"`, 1961-1963); a mapping that lost numbers would show here by the hundred.
        # Not where numbers are text by rule (The Third Turn's `08K`, `99-A`: NULL, docs/sources/thethirdturn.md).
        names = " ".join(dict.fromkeys(r.numbered for r in numbered))  # type: ignore[misc]
        checks.append(Check(NOTICE, "completeness", "entrants without a car number in rounds matched by driver and "
                            f"team ({names})", _query(
            'SELECT format(\'%s: %s\', r."Slug", d."Slug") FROM "Entrants" e JOIN "Rounds" r ON r."Id" = e."RoundId" '
            'JOIN "Drivers" d ON d."Id" = e."DriverId" WHERE e."CarNumber" IS NULL AND {numbered} ORDER BY 1',
            numbered=_of_sources(r.source for r in numbered))))
    return checks


# -- the checks made in Python (the comparisons are workers/db/alike.py's) ------------------------------------------

def _same_name_slug(kind: str, apart: frozenset[str]) -> Callable[[psycopg.Connection], list[str]]:
    """Rows whose names slug the same (the Slug column is unique, so they are distinct rows), unless every two
    of them are held apart by two sources (reported among the duplicates across sources) or they are namesakes
    a source keeps apart (reported by that source's namesakes check, a notice)."""
    def run(conn: psycopg.Connection) -> list[str]:
        groups = alike.groups_alike(alike.held_rows(conn, kind), lambda r: slugify(r.name))
        return alike.lines([(k, g) for k, g in groups if not alike.only_across_sources(g)
                            and not any(alike.namesakes_of(source, g) for source in apart)])
    return run


def _namesakes(source: str) -> Callable[[psycopg.Connection], list[str]]:
    def run(conn: psycopg.Connection) -> list[str]:
        groups = alike.groups_alike(alike.held_rows(conn, "driver"), lambda r: slugify(r.name))
        return alike.lines([(k, g) for k, g in groups if alike.namesakes_of(source, g)])
    return run


def _duplicates_across_sources(kind: str, key: Callable[[alike.HeldRow], Any]
                               ) -> Callable[[psycopg.Connection], list[str]]:
    """Rows alike by `key` of which two are held apart by two sources."""
    def run(conn: psycopg.Connection) -> list[str]:
        groups = alike.groups_alike(alike.held_rows(conn, kind), key)
        return alike.lines([(g[0].name, g) for _, g in groups if alike.across_sources(g)])
    return run


def _circuits_at_one_location(aliases: dict[str, str]) -> Callable[[psycopg.Connection], list[str]]:
    """Circuits with one Location and Country, compared as names (accents, case and the sources' spellings aside)."""
    of_country = alike.country(aliases)

    def run(conn: psycopg.Connection) -> list[str]:
        groups = alike.groups_alike(alike.held_rows(conn, "circuit"),
                                    lambda r: (slugify(r.location), of_country(r.country)))
        return alike.lines([(f"{g[0].location}, {g[0].country}", g) for _, g in groups])
    return run


def _weekend_shapes(shaped: Sequence[AuditRules]) -> Callable[[psycopg.Connection], list[str]]:
    """Championship rounds of the sources declaring weekend shapes, from the season each lists every session."""
    by_source = {r.source: r for r in shaped}

    def run(conn: psycopg.Connection) -> list[str]:
        rows = conn.execute('SELECT r."Slug", y."Year", w."Source", array_agg(s."Type") FILTER (WHERE s."Type" IS NOT '
                            'NULL) FROM "Rounds" r JOIN "Seasons" y ON y."Id" = r."SeasonId" JOIN "SourceIdentities" w '
                            'ON w."RowId" = r."Id" AND w."Kind" = \'round\' AND w."Source" = ANY(%s) '
                            'LEFT JOIN "Sessions" s ON s."RoundId" = r."Id" WHERE r."RoundNumber" > 0 '
                            'GROUP BY r."Slug", y."Year", w."Source" ORDER BY r."Slug", w."Source"',
                            [sorted(by_source)]).fetchall()
        lines = []
        for slug, year, source, types in rows:
            listed_from = by_source[source].weekend.listed_from  # type: ignore[union-attr]
            if listed_from is None or year >= listed_from:
                line = alike.shape_gap(slug, year, set(types or []), by_source[source])
                lines += [line] if line else []
        return lines
    return run


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _py_checks(rules: Sequence[AuditRules]) -> list[Check]:
    """The checks made in Python, in order; the comment above each says why it has that severity."""
    apart = frozenset(r.source for r in rules if r.namesakes)
    fillers = tuple(dict.fromkeys(word for r in rules for word in r.team_name_fillers))
    aliases = {spelling: name for r in rules for spelling, name in r.country_aliases}
    checks = [
        # Defects: every source slugs a driver's and a team's name, so two rows whose names slug the same are one
        # person or team written twice (a slug given by hand, or a name that contradicts its slug). Circuits are
        # slugged from other keys (Jolpica's circuitId, OpenF1's short name), so two of one name are a defect when
        # one source (or none) holds them; two sources holding them apart is reported below, among the notices.
        Check(DEFECT, "duplicates", "drivers whose names slug the same", _same_name_slug("driver", apart)),
        Check(DEFECT, "duplicates", "teams whose names slug the same", _same_name_slug("team", apart)),
        Check(DEFECT, "duplicates", "circuits whose names slug the same, not held apart by two sources",
              _same_name_slug("circuit", apart)),
        # Notices, probable duplicates across sources (docs/identity.md): two sources without a bridge between them
        # write one driver, team or circuit as two rows (Jolpica "Red Bull" and OpenF1 "Red Bull Racing"; Jolpica
        # `bahrain` and OpenF1 `Sakhir`), which splits users' statistics; but names and places alike can be two things
        # (a rebrand is a new team, docs/identity.md; Barcelona had two street circuits, Pedralbes and Montjuïc, and
        # Ergast puts Long Beach and Riverside in "California"), so an operator decides; each row is shown with the
        # sources holding it. Drivers: the same words in any order (equal names are one row already, sources
        # slugging the name); teams: the same words but the fillers sources declare (Red Bull Racing, Alpine F1
        # Team); circuits: one name (Jolpica `yas_marina` and OpenF1 `Yas Marina Circuit`), or one place.
        Check(NOTICE, "duplicates", "drivers that two sources hold as two rows, their names of the same words",
              _duplicates_across_sources("driver", alike.name_words)),
        Check(NOTICE, "duplicates", "teams that two sources hold as two rows, their names of the same words"
              + (f" ({_and(fillers)} aside)" if fillers else ""),
              _duplicates_across_sources("team", alike.team_words(fillers))),
        Check(NOTICE, "duplicates", "circuits that two sources hold as two rows under one name",
              _duplicates_across_sources("circuit", lambda r: slugify(r.name))),
        Check(NOTICE, "duplicates", "circuits at one location (Location and Country alike)",
              _circuits_at_one_location(aliases)),
    ]
    # Notice: a source that keeps namesakes apart by a key of its own (the wiki's page titles) holds one name
    # twice on purpose, but a person it links once through a redirect looks the same: only an operator can tell.
    checks += [Check(NOTICE, "duplicates", r.namesakes, _namesakes(r.source)) for r in rules if r.namesakes]
    shaped = [r for r in rules if r.weekend is not None]
    if shaped:
        # Notice: weekends differ for real (2023's sprint shootout, a session cancelled or added upstream). Only
        # where the source lists every session of a round (OpenF1, history from 2021): before, history knows the
        # race, and qualifying only from its results.
        checks.append(Check(NOTICE, "completeness", "championship rounds whose sessions differ from the usual weekend "
                            "shape", _weekend_shapes(shaped)))
    return checks


def checks(rules: Sequence[AuditRules]) -> list[Check]:
    """Every check the audit makes with these sources' rules, in order."""
    return _sql_checks(rules) + _py_checks(rules)


def audit(conn: psycopg.Connection, rules: Sequence[AuditRules]) -> list[Finding]:
    """Every check with something to report, with the rules each source declares (`workers.sources.audit_rules()`):
    defects first, then notices, each by category (duplicates, empty parents, completeness) in the order of the
    checks above."""
    found = [Finding(c.severity, c.category, c.label, c.run(conn)) for c in checks(rules)]
    return sorted((f for f in found if f.items),
                  key=lambda f: (SEVERITIES.index(f.severity), CATEGORIES.index(f.category)))


def check_count(rules: Sequence[AuditRules]) -> int:
    return len(checks(rules))
