"""Read-only inspection of the racing tables: the inventory `verify` reports, and the checks of `audit`
(duplicates, empty parents, completeness), each a defect or a notice. Findings name rows by natural key (slugs,
OpenF1 keys), never by a result value: nothing here reads a position, time or points."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable

import psycopg
from psycopg import sql

from workers.db.racing import RACING_TABLES
from workers.rows import SessionStatus, SessionType, slugify

# SQL expression naming a session type, generated from the enum (a constant, no input).
_TYPE_NAME = "(ARRAY[" + ", ".join(f"'{t.name}'" for t in SessionType) + "])[{col} + 1]"
_COMPLETED, _TESTING = int(SessionStatus.COMPLETED), int(SessionType.TESTING)
FP1, FP2, FP3 = SessionType.FP1, SessionType.FP2, SessionType.FP3
Q, SQ, SPRINT, RACE = SessionType.QUALIFYING, SessionType.SPRINT_QUALIFYING, SessionType.SPRINT, SessionType.RACE
# The usual weekend shapes of a championship round (2023's sprint weekends had the shootout instead of FP2).
WEEKEND_SHAPES = {"conventional": {FP1, FP2, FP3, Q, RACE}, "sprint": {FP1, SQ, SPRINT, Q, RACE}}


# -- inventory (verify) -------------------------------------------------------------------------------------

def racing_counts(conn: psycopg.Connection) -> dict[str, int]:
    query = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {name}, count(*) FROM {t}").format(name=sql.Literal(t), t=sql.Identifier(t))
        for t in RACING_TABLES)
    return {name: int(n) for name, n in conn.execute(query).fetchall()}


def season_years(conn: psycopg.Connection) -> list[int]:
    return [y for (y,) in conn.execute('SELECT DISTINCT "Year" FROM "Seasons" ORDER BY 1').fetchall()]


def season_inventory(conn: psycopg.Connection, year: int) -> dict[str, Any]:
    """Rounds (all / championship) and sessions per type name of one season."""
    rounds = conn.execute('SELECT count(r."Id"), count(r."Id") FILTER (WHERE r."RoundNumber" > 0) FROM "Rounds" r '
                          'JOIN "Seasons" y ON y."Id" = r."SeasonId" WHERE y."Year" = %s', [year]).fetchone()
    types = conn.execute('SELECT s."Type", count(*) FROM "Sessions" s JOIN "Rounds" r ON r."Id" = s."RoundId" '
                         'JOIN "Seasons" y ON y."Id" = r."SeasonId" WHERE y."Year" = %s GROUP BY 1 ORDER BY 1',
                         [year]).fetchall()
    return {"rounds": rounds[0], "championship_rounds": rounds[1],
            "sessions_by_type": {type_name(t): n for t, n in types}}


def round_keys(conn: psycopg.Connection, source: str, year: int) -> set[str]:
    """The keys under which a source holds the season's rounds (its identities, SPEC §6)."""
    rows = conn.execute('SELECT i."SourceKey" FROM "SourceIdentities" i JOIN "Rounds" r ON r."Id" = i."RowId" '
                        'JOIN "Seasons" y ON y."Id" = r."SeasonId" WHERE i."Source" = %s AND i."Kind" = \'round\' '
                        'AND y."Year" = %s', [source, year]).fetchall()
    return {key for (key,) in rows}


def openf1_session_keys(conn: psycopg.Connection, year: int) -> set[int]:
    """OpenF1 session keys of the season's sessions."""
    rows = conn.execute('SELECT s."OpenF1SessionKey" FROM "Sessions" s JOIN "Rounds" r ON r."Id" = s."RoundId" '
                        'JOIN "Seasons" y ON y."Id" = r."SeasonId" WHERE y."Year" = %s '
                        'AND s."OpenF1SessionKey" IS NOT NULL', [year]).fetchall()
    return {key for (key,) in rows}


def latest_session(conn: psycopg.Connection, year: int | None = None) -> dict[str, Any] | None:
    """The session that started last (by now), with its round: where the data has got to, never a result."""
    row = conn.execute(
        'SELECT y."Year", r."Name", r."RoundNumber", s."Type", s."StartTimeUtc", s."Status", s."OpenF1SessionKey" '
        'FROM "Sessions" s JOIN "Rounds" r ON r."Id" = s."RoundId" JOIN "Seasons" y ON y."Id" = r."SeasonId" '
        'WHERE s."StartTimeUtc" <= now() AND (%(year)s::int IS NULL OR y."Year" = %(year)s) '
        'ORDER BY s."StartTimeUtc" DESC, s."OpenF1SessionKey" DESC LIMIT 1', {"year": year}).fetchone()
    if row is None:
        return None
    keys = ("year", "round", "round_number", "type", "start_time_utc", "status", "session_key")
    found = dict(zip(keys, row))
    found["type"], found["status"] = type_name(found["type"]), status_name(found["status"])
    return found


def type_name(value: int) -> str:
    return SessionType(value).name if value in SessionType._value2member_map_ else str(value)


def status_name(value: int) -> str:
    return SessionStatus(value).name if value in SessionStatus._value2member_map_ else str(value)


# -- audit ----------------------------------------------------------------------------------------------------

# A defect is what a writer bug or a careless hand leaves (duplicates, empty parents, rows contradicting each
# other or upstream): the audit fails on it. A notice is a fact of the sport or a gap upstream that looks like
# one (a driver who missed a session, a session OpenF1 has no results for): printed, it fails only `--strict`.
DEFECT, NOTICE = "defect", "notice"
SEVERITIES = (DEFECT, NOTICE)
CATEGORIES = ("duplicates", "empty parents", "completeness")


@dataclass(frozen=True)
class Finding:
    severity: str
    category: str
    check: str
    items: list[str]


def _rows(conn: psycopg.Connection, query: str) -> list[str]:
    return [line for (line,) in conn.execute(query).fetchall()]


def _same_name_slug(conn: psycopg.Connection, table: str, name_sql: str) -> list[str]:
    """Rows of a table whose names slug the same (its Slug column is unique, so they are distinct rows)."""
    query = sql.SQL('SELECT "Slug", {name} FROM {t}').format(name=sql.SQL(name_sql), t=sql.Identifier(table))
    groups: dict[str, list[str]] = defaultdict(list)
    for slug, name in conn.execute(query).fetchall():
        groups[slugify(name)].append(slug)
    return [f"{key}: {', '.join(sorted(slugs))}" for key, slugs in sorted(groups.items()) if len(slugs) > 1]


def _weekend_shapes(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute('SELECT r."Slug", array_agg(s."Type") FILTER (WHERE s."Type" IS NOT NULL) FROM "Rounds" r '
                        'LEFT JOIN "Sessions" s ON s."RoundId" = r."Id" WHERE r."RoundNumber" > 0 '
                        'GROUP BY r."Slug" ORDER BY r."Slug"').fetchall()
    return [line for slug, types in rows if (line := _shape_gap(slug, set(types or [])))]


def _shape_gap(slug: str, types: set[int]) -> str | None:
    if not types:
        return None  # reported as a round without sessions
    shape = "sprint" if types & {SQ, SPRINT} else "conventional"
    missing, extra = WEEKEND_SHAPES[shape] - types, types - WEEKEND_SHAPES[shape]
    if not missing and not extra:
        return None
    parts = [f"missing {', '.join(type_name(t) for t in sorted(missing))}" if missing else "",
             f"unexpected {', '.join(type_name(t) for t in sorted(extra))}" if extra else ""]
    return f"{slug} ({shape} weekend): " + "; ".join(p for p in parts if p)


# (severity, category, check, query); the comment above each says why it has that severity.
_SQL_CHECKS: tuple[tuple[str, str, str, str], ...] = (
    # Defect: the writer upserts a round by its meeting key, so a second round with the key is a stray copy.
    (DEFECT, "duplicates", "rounds sharing one OpenF1 meeting key",
     'SELECT format(\'meeting %s: %s\', "OpenF1MeetingKey", string_agg("Slug", \', \' ORDER BY "Slug")) '
     'FROM "Rounds" WHERE "OpenF1MeetingKey" IS NOT NULL GROUP BY "OpenF1MeetingKey" HAVING count(*) > 1 ORDER BY 1'),
    # Defect: a weekend has one session of each type, so a second one is a stale or stray row.
    (DEFECT, "duplicates", "sessions of one round with the same type (testing excepted)",
     'SELECT format(\'%s %s: sessions %s\', r."Slug", ' + _TYPE_NAME.format(col='s."Type"') + ', '
     'string_agg(coalesce(s."OpenF1SessionKey"::text, s."Id"::text), \', \' ORDER BY s."StartTimeUtc")) '
     f'FROM "Sessions" s JOIN "Rounds" r ON r."Id" = s."RoundId" WHERE s."Type" <> {_TESTING} '
     'GROUP BY r."Slug", s."Type" HAVING count(*) > 1 ORDER BY 1'),
    # Defect: two cars of one weekend never carry one number; results are matched by it and would go astray.
    (DEFECT, "duplicates", "entrants of one round sharing a car number (their results cannot be matched)",
     'SELECT format(\'%s #%s: %s\', r."Slug", e."CarNumber", string_agg(d."Slug", \', \' ORDER BY d."Slug")) '
     'FROM "Entrants" e JOIN "Rounds" r ON r."Id" = e."RoundId" JOIN "Drivers" d ON d."Id" = e."DriverId" '
     'WHERE e."CarNumber" IS NOT NULL GROUP BY r."Slug", e."CarNumber" HAVING count(*) > 1 ORDER BY 1'),
    # Defect: a series is written only together with a season of it (one transaction).
    (DEFECT, "empty parents", "series without seasons",
     'SELECT x."Slug" FROM "Series" x WHERE NOT EXISTS (SELECT 1 FROM "Seasons" y WHERE y."SeriesId" = x."Id") '
     'ORDER BY 1'),
    # Defect: a season is written only together with a round of it (one transaction).
    (DEFECT, "empty parents", "seasons without rounds",
     'SELECT format(\'%s %s\', x."Slug", y."Year") FROM "Seasons" y JOIN "Series" x ON x."Id" = y."SeriesId" '
     'WHERE NOT EXISTS (SELECT 1 FROM "Rounds" r WHERE r."SeasonId" = y."Id") ORDER BY 1'),
    # Defect: a round is written only together with its sessions (even a cancelled meeting keeps them).
    (DEFECT, "empty parents", "rounds without sessions",
     'SELECT r."Slug" FROM "Rounds" r WHERE NOT EXISTS (SELECT 1 FROM "Sessions" s WHERE s."RoundId" = r."Id") '
     'ORDER BY 1'),
    # Notice: OpenF1 has completed sessions without results (2023 Belgian GP qualifying); a failed results
    # step shows as a failed meeting in `python -m ingestion runs`.
    (NOTICE, "completeness", "completed sessions without results though their meeting was last synced with results",
     'SELECT DISTINCT format(\'%s %s (session %s)\', r."Slug", ' + _TYPE_NAME.format(col='s."Type"') + ', '
     's."OpenF1SessionKey") FROM "Sessions" s JOIN "Rounds" r ON r."Id" = s."RoundId" '
     'JOIN "SourceIdentities" i ON i."Kind" = \'round\' AND i."RowId" = r."Id" '
     'JOIN LATERAL (SELECT u."IncludeResults" FROM "SyncRunRounds" m JOIN "SyncRuns" u ON u."Id" = m."RunId" '
     'WHERE u."Source" = i."Source" AND m."RoundKey" = i."SourceKey" AND m."Status" <> \'pending\' '
     'ORDER BY m."UpdatedAt" DESC LIMIT 1) '
     f'last ON last."IncludeResults" WHERE s."Status" = {_COMPLETED} '
     'AND NOT EXISTS (SELECT 1 FROM "Results" x WHERE x."SessionId" = s."Id") ORDER BY 1'),
    # Notice: a team may field one car at a weekend (a driver injured or withdrawn), or upstream lists fewer.
    (NOTICE, "completeness", "championship rounds with a completed session and fewer entrants than two per team of "
     "the season",
     'WITH per_round AS (SELECT r."Slug", r."SeasonId", count(e."Id") AS entrants, count(DISTINCT e."TeamId") AS teams '
     'FROM "Rounds" r LEFT JOIN "Entrants" e ON e."RoundId" = r."Id" WHERE r."RoundNumber" > 0 AND EXISTS '
     f'(SELECT 1 FROM "Sessions" s WHERE s."RoundId" = r."Id" AND s."Status" = {_COMPLETED}) '
     'GROUP BY r."Id"), expected AS (SELECT *, 2 * max(teams) OVER (PARTITION BY "SeasonId") AS least FROM per_round) '
     'SELECT format(\'%s: %s entrants, expected at least %s\', "Slug", entrants, least) FROM expected '
     'WHERE entrants < least ORDER BY 1'),
    # Notice: a driver can miss one session of a weekend and race (Sargeant, 2024 Dutch GP qualifying) or
    # withdraw after qualifying; the session's results are written as upstream has them.
    (NOTICE, "completeness", "completed qualifying, sprint and race sessions lacking a result for an entrant of the "
     "round's race (the race: of its qualifying)",
     'SELECT format(\'%s %s (session %s): %s entrant(s) with a %s result have none here: %s\', r."Slug", '
     + _TYPE_NAME.format(col='s."Type"') + ', s."OpenF1SessionKey", count(DISTINCT ref."EntrantId"), '
     + _TYPE_NAME.format(col='min(rs."Type")') + ', string_agg(DISTINCT d."Slug", \', \' ORDER BY d."Slug")) '
     'FROM "Sessions" s JOIN "Rounds" r ON r."Id" = s."RoundId" '
     f'JOIN "Sessions" rs ON rs."RoundId" = s."RoundId" AND rs."Type" = CASE WHEN s."Type" = {RACE:d} THEN {Q:d} '
     f'ELSE {RACE:d} END JOIN "Results" ref ON ref."SessionId" = rs."Id" '
     'JOIN "Entrants" e ON e."Id" = ref."EntrantId" JOIN "Drivers" d ON d."Id" = e."DriverId" '
     f'WHERE s."Type" IN ({Q:d}, {SQ:d}, {SPRINT:d}, {RACE:d}) AND s."Status" = {_COMPLETED} '
     'AND EXISTS (SELECT 1 FROM "Results" x WHERE x."SessionId" = s."Id") AND NOT EXISTS (SELECT 1 FROM "Results" x '
     'WHERE x."SessionId" = s."Id" AND x."EntrantId" = ref."EntrantId") '
     'GROUP BY r."Slug", s."Type", s."OpenF1SessionKey" ORDER BY 1'),
    # Defect: OpenF1 gives every driver a number (the model requires one), so a NULL was written by something
    # else, and that entrant's results cannot be matched.
    (DEFECT, "completeness", "entrants without a car number (their results cannot be matched)",
     'SELECT format(\'%s: %s\', r."Slug", d."Slug") FROM "Entrants" e JOIN "Rounds" r ON r."Id" = e."RoundId" '
     'JOIN "Drivers" d ON d."Id" = e."DriverId" WHERE e."CarNumber" IS NULL ORDER BY 1'),
)

# (severity, category, check, function); the comment above each says why it has that severity.
_PY_CHECKS: tuple[tuple[str, str, str, Callable[[psycopg.Connection], list[str]]], ...] = (
    # Defects: the writer slugs every name the same way, so two rows whose names slug the same are one
    # person, team or circuit written twice (a slug given by hand, or a name that contradicts its slug).
    (DEFECT, "duplicates", "drivers whose names slug the same",
     lambda conn: _same_name_slug(conn, "Drivers", '"FirstName" || \' \' || "LastName"')),
    (DEFECT, "duplicates", "teams whose names slug the same", lambda conn: _same_name_slug(conn, "Teams", '"Name"')),
    (DEFECT, "duplicates", "circuits whose names slug the same",
     lambda conn: _same_name_slug(conn, "Circuits", '"Name"')),
    # Notice: weekends differ for real (2023's sprint shootout, a session cancelled or added upstream).
    (NOTICE, "completeness", "championship rounds whose sessions differ from the usual weekend shape", _weekend_shapes),
)


def audit(conn: psycopg.Connection) -> list[Finding]:
    """Every check with something to report: defects first, then notices, each by category (duplicates,
    empty parents, completeness) in the order of the checks above."""
    found = [Finding(severity, category, check, _rows(conn, query)) for severity, category, check, query in _SQL_CHECKS]
    found += [Finding(severity, category, check, run(conn)) for severity, category, check, run in _PY_CHECKS]
    return sorted((f for f in found if f.items),
                  key=lambda f: (SEVERITIES.index(f.severity), CATEGORIES.index(f.category)))


def check_count() -> int:
    return len(_SQL_CHECKS) + len(_PY_CHECKS)
