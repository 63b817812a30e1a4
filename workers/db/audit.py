"""Read-only inspection of the racing tables: the inventory `verify` reports, and the checks of `audit`
(duplicates, empty parents, completeness), each a defect or a notice. Findings name rows by natural key (slugs,
OpenF1 keys), never by a result value: nothing here reads a position, time or points."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Callable

import psycopg
from psycopg import sql

from workers.db.racing import RACING_TABLES
from workers.rows import SessionStatus, SessionType, slugify
from workers.sources import SERIES_SOURCE

# SQL expression naming a session type, generated from the enum (a constant, no input).
_TYPE_NAME = "(ARRAY[" + ", ".join(f"'{t.name}'" for t in SessionType) + "])[{col} + 1]"
_COMPLETED, _TESTING = int(SessionStatus.COMPLETED), int(SessionType.TESTING)
FP1, FP2, FP3 = SessionType.FP1, SessionType.FP2, SessionType.FP3
Q, SQ, SPRINT, RACE = SessionType.QUALIFYING, SessionType.SPRINT_QUALIFYING, SessionType.SPRINT, SessionType.RACE
# The usual weekend shapes of a championship round: 2021-2022's sprint weekends had FP2 after qualifying and no
# shootout; 2023's had the shootout instead of FP2, as 2024's do.
WEEKEND_SHAPES = {"conventional": {FP1, FP2, FP3, Q, RACE}, "sprint": {FP1, SQ, SPRINT, Q, RACE},
                  "sprint (2021-2022)": {FP1, FP2, Q, SPRINT, RACE}}
SHOOTOUT_FROM = 2023
# History lists practice from 2021 on (Jolpica's earlier practice dates are its own guesses, ignored: see
# workers/sources/jolpica/mapping.SCHEDULE_DATES_FROM); OpenF1 lists every session of its rounds.
PRACTICE_LISTED_FROM = 2021
# The sessions history classifies: Jolpica has no practice results (OpenF1 has results for every session).
HISTORY_CLASSIFIED = (Q, SPRINT, RACE)
# SQL: whether a round's results are matched to its entrants by car number (OpenF1's rounds; history's rounds
# match by the source's driver and team keys, since numbers are missing or shared there).
_BY_CAR_NUMBER = 'r."OpenF1MeetingKey" IS NOT NULL'
# SQL: " (session K)" for a session with an OpenF1 key, nothing for the others (history's have none).
_SESSION_KEY = 'coalesce(\' (session \' || s."OpenF1SessionKey" || \')\', \'\')'
# Team names of one team differ by these words across sources (Jolpica "Red Bull", OpenF1 "Red Bull Racing").
TEAM_NAME_FILLERS = frozenset({"racing", "team", "f1"})
# Ergast abbreviates the country of some circuits that OpenF1 spells out (as slugs).
COUNTRY_ALIASES = {"usa": "united-states", "uk": "united-kingdom", "uae": "united-arab-emirates"}


# -- inventory (verify) -------------------------------------------------------------------------------------

def racing_counts(conn: psycopg.Connection) -> dict[str, int]:
    query = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {name}, count(*) FROM {t}").format(name=sql.Literal(t), t=sql.Identifier(t))
        for t in RACING_TABLES)
    return {name: int(n) for name, n in conn.execute(query).fetchall()}


def season_years(conn: psycopg.Connection, series: str | None = None) -> list[int]:
    """The years of the seasons held, of every series or of one (its slug)."""
    rows = conn.execute('SELECT DISTINCT y."Year" FROM "Seasons" y JOIN "Series" s ON s."Id" = y."SeriesId" '
                        'WHERE %(series)s::text IS NULL OR s."Slug" = %(series)s ORDER BY 1', {"series": series})
    return [y for (y,) in rows.fetchall()]


def season_inventory(conn: psycopg.Connection, year: int, series: str | None = None) -> dict[str, Any]:
    """Rounds (all / championship) and sessions per type name of one season (of every series, or of one)."""
    where = ('JOIN "Seasons" y ON y."Id" = r."SeasonId" JOIN "Series" x ON x."Id" = y."SeriesId" '
             'WHERE y."Year" = %(year)s AND (%(series)s::text IS NULL OR x."Slug" = %(series)s)')
    params = {"year": year, "series": series}
    rounds = conn.execute('SELECT count(r."Id"), count(r."Id") FILTER (WHERE r."RoundNumber" > 0) FROM "Rounds" r '
                          + where, params).fetchone()
    types = conn.execute('SELECT s."Type", count(*) FROM "Sessions" s JOIN "Rounds" r ON r."Id" = s."RoundId" '
                         + where + ' GROUP BY 1 ORDER BY 1', params).fetchall()
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


WIKI = SERIES_SOURCE  # the wiki: its numbers may be text, its namesakes are kept apart by page title


def _rows(conn: psycopg.Connection, query: str) -> list[str]:
    return [line for (line,) in conn.execute(query).fetchall()]


@dataclass(frozen=True)
class HeldRow:
    """A driver, team or circuit row: its slug, name and where it stands, and the sources holding it (SPEC §6)."""

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


def _held_rows(conn: psycopg.Connection, kind: str) -> list[HeldRow]:
    """Every row of the kind's table with the sources whose identities name it."""
    table, name, location, country = _HELD[kind]
    query = sql.SQL('SELECT t."Slug", {name}, {location}, {country}, coalesce(array_agg(DISTINCT i."Source") '
                    'FILTER (WHERE i."Source" IS NOT NULL), \'{{}}\') FROM {t} t LEFT JOIN "SourceIdentities" i '
                    'ON i."RowId" = t."Id" AND i."Kind" = {kind} GROUP BY t."Id"').format(
        name=sql.SQL(name), location=sql.SQL(location), country=sql.SQL(country), t=sql.Identifier(table),
        kind=sql.Literal(kind))
    return [HeldRow(slug, n, loc, ctry, frozenset(sources)) for slug, n, loc, ctry, sources in conn.execute(query)]


def _alike(rows: list[HeldRow], key: Callable[[HeldRow], Any]) -> list[tuple[Any, list[HeldRow]]]:
    """Groups of two rows or more with one key, each in slug order, in the order of their first slugs."""
    groups: dict[Any, list[HeldRow]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r.slug):
        groups[key(row)].append(row)
    return sorted(((k, g) for k, g in groups.items() if len(g) > 1), key=lambda kg: kg[1][0].slug)


def _held_apart(a: HeldRow, b: HeldRow) -> bool:
    """Two rows that two sources hold, neither knowing the other's: what two sources write for one thing
    without a bridge between them (SPEC §6)."""
    return bool(a.sources and b.sources and not a.sources & b.sources)


def _across_sources(group: list[HeldRow]) -> bool:
    return any(_held_apart(a, b) for a, b in combinations(group, 2))


def _only_across_sources(group: list[HeldRow]) -> bool:
    return all(_held_apart(a, b) for a, b in combinations(group, 2))


def _lines(groups: list[tuple[Any, list[HeldRow]]]) -> list[str]:
    return [f"{label}: {', '.join(map(str, rows))}" for label, rows in groups]


def _same_name_slug(conn: psycopg.Connection, kind: str) -> list[str]:
    """Rows whose names slug the same (the Slug column is unique, so they are distinct rows), unless every two
    of them are held apart by two sources (reported among the duplicates across sources) or they are namesakes
    a wiki keeps apart (reported below, a notice)."""
    groups = _alike(_held_rows(conn, kind), lambda r: slugify(r.name))
    return _lines([(k, g) for k, g in groups if not _only_across_sources(g) and not _wiki_namesakes(g)])


def _wiki_namesakes(group: list[HeldRow]) -> bool:
    """Rows of one name that only The Third Turn holds, each under its own page title (`Curtis_Turner`,
    `Curtis_Turner_(VA)`): SPEC §7 keeps namesakes apart by the title."""
    return all(row.sources == frozenset({WIKI}) for row in group)


def _namesakes_of_the_wiki(conn: psycopg.Connection, kind: str) -> list[str]:
    groups = _alike(_held_rows(conn, kind), lambda r: slugify(r.name))
    return _lines([(k, g) for k, g in groups if _wiki_namesakes(g)])


def _name_words(row: HeldRow) -> frozenset[str]:
    return frozenset(slugify(row.name).split("-"))


def _team_words(row: HeldRow) -> frozenset[str]:
    return _name_words(row) - TEAM_NAME_FILLERS or _name_words(row)


def _duplicates_across_sources(conn: psycopg.Connection, kind: str, key: Callable[[HeldRow], Any]) -> list[str]:
    """Rows alike by `key` of which two are held apart by two sources."""
    groups = _alike(_held_rows(conn, kind), key)
    return _lines([(g[0].name, g) for _, g in groups if _across_sources(g)])


def _country(name: str) -> str:
    return COUNTRY_ALIASES.get(slugify(name), slugify(name))


def _circuits_at_one_location(conn: psycopg.Connection) -> list[str]:
    """Circuits with one Location and Country, compared as names (accents, case and Ergast's USA/UK/UAE aside)."""
    groups = _alike(_held_rows(conn, "circuit"), lambda r: (slugify(r.location), _country(r.country)))
    return _lines([(f"{g[0].location}, {g[0].country}", g) for _, g in groups])


def _weekend_shapes(conn: psycopg.Connection) -> list[str]:
    """Championship rounds whose source lists their practice: OpenF1's, and history's from 2021 on."""
    rows = conn.execute('SELECT r."Slug", y."Year", array_agg(s."Type") FILTER (WHERE s."Type" IS NOT NULL) '
                        'FROM "Rounds" r JOIN "Seasons" y ON y."Id" = r."SeasonId" '
                        'LEFT JOIN "Sessions" s ON s."RoundId" = r."Id" WHERE r."RoundNumber" > 0 '
                        f'AND ({_BY_CAR_NUMBER} OR y."Year" >= %s) GROUP BY r."Slug", y."Year" ORDER BY r."Slug"',
                        [PRACTICE_LISTED_FROM]).fetchall()
    return [line for slug, year, types in rows if (line := _shape_gap(slug, year, set(types or [])))]


def _shape(year: int, types: set[int]) -> str:
    if not types & {SQ, SPRINT}:
        return "conventional"
    return "sprint" if year >= SHOOTOUT_FROM else "sprint (2021-2022)"


def _shape_gap(slug: str, year: int, types: set[int]) -> str | None:
    if not types:
        return None  # reported as a round without sessions
    shape = _shape(year, types)
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
    # Defect where results are matched by car number (OpenF1's rounds): two cars of one weekend never carry one
    # number there, and results would go astray. Not reported for history, whose results are matched by the
    # source's driver and team keys: in 1950-1964 two drivers shared one car, and its number, in 46 races.
    (DEFECT, "duplicates", "entrants of one round sharing a car number (their results cannot be matched; rounds "
     "matched by car number)",
     'SELECT format(\'%s #%s: %s\', r."Slug", e."CarNumber", string_agg(d."Slug", \', \' ORDER BY d."Slug")) '
     'FROM "Entrants" e JOIN "Rounds" r ON r."Id" = e."RoundId" JOIN "Drivers" d ON d."Id" = e."DriverId" '
     f'WHERE e."CarNumber" IS NOT NULL AND {_BY_CAR_NUMBER} GROUP BY r."Slug", e."CarNumber" HAVING count(*) > 1 '
     'ORDER BY 1'),
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
    # step shows as a failed meeting in `python -m ingestion runs`. History is asked only about the sessions it
    # classifies (HISTORY_CLASSIFIED): its practice sessions (2021 on) never have results.
    (NOTICE, "completeness", "completed sessions without results though their meeting was last synced with results",
     'SELECT DISTINCT format(\'%s %s%s\', r."Slug", ' + _TYPE_NAME.format(col='s."Type"') + f', {_SESSION_KEY}) '
     'FROM "Sessions" s JOIN "Rounds" r ON r."Id" = s."RoundId" '
     'JOIN "SourceIdentities" i ON i."Kind" = \'round\' AND i."RowId" = r."Id" '
     'JOIN LATERAL (SELECT u."IncludeResults" FROM "SyncRunRounds" m JOIN "SyncRuns" u ON u."Id" = m."RunId" '
     'WHERE u."Source" = i."Source" AND m."RoundKey" = i."SourceKey" AND m."Status" <> \'pending\' '
     'ORDER BY m."UpdatedAt" DESC LIMIT 1) '
     f'last ON last."IncludeResults" WHERE s."Status" = {_COMPLETED} '
     f'AND ({_BY_CAR_NUMBER} OR s."Type" IN ({", ".join(str(int(t)) for t in HISTORY_CLASSIFIED)})) '
     'AND NOT EXISTS (SELECT 1 FROM "Results" x WHERE x."SessionId" = s."Id") ORDER BY 1'),
    # Notice: a team may field one car at a weekend (a driver injured or withdrawn), or upstream lists fewer.
    # OpenF1's rounds only: their entrants come from a list of drivers apart from the results, which can fall
    # short; history's entrants are the rows of its own results, and teams ran one to five cars until the 1990s
    # (the expectation would flag 483 real rounds of 1950-2015).
    (NOTICE, "completeness", "championship rounds with a completed session and fewer entrants than two per team of "
     "the season (rounds matched by car number)",
     'WITH per_round AS (SELECT r."Slug", r."SeasonId", count(e."Id") AS entrants, count(DISTINCT e."TeamId") AS teams '
     f'FROM "Rounds" r LEFT JOIN "Entrants" e ON e."RoundId" = r."Id" WHERE r."RoundNumber" > 0 AND {_BY_CAR_NUMBER} '
     'AND EXISTS '
     f'(SELECT 1 FROM "Sessions" s WHERE s."RoundId" = r."Id" AND s."Status" = {_COMPLETED}) '
     'GROUP BY r."Id"), expected AS (SELECT *, 2 * max(teams) OVER (PARTITION BY "SeasonId") AS least FROM per_round) '
     'SELECT format(\'%s: %s entrants, expected at least %s\', "Slug", entrants, least) FROM expected '
     'WHERE entrants < least ORDER BY 1'),
    # Notice: a driver can miss one session of a weekend and race (Sargeant, 2024 Dutch GP qualifying) or
    # withdraw after qualifying; the session's results are written as upstream has them. History has the same
    # facts (2014 Abu Dhabi: both Red Bulls excluded from qualifying) and gaps (Ergast's 1994 qualifying lacks
    # Pacific's cars), so it stays a notice there too.
    (NOTICE, "completeness", "completed qualifying, sprint and race sessions lacking a result for an entrant of the "
     "round's race (the race: of its qualifying)",
     'SELECT format(\'%s %s%s: %s entrant(s) with a %s result have none here: %s\', r."Slug", '
     + _TYPE_NAME.format(col='s."Type"') + f', {_SESSION_KEY}, count(DISTINCT ref."EntrantId"), '
     + _TYPE_NAME.format(col='min(rs."Type")') + ', string_agg(DISTINCT d."Slug", \', \' ORDER BY d."Slug")) '
     'FROM "Sessions" s JOIN "Rounds" r ON r."Id" = s."RoundId" '
     f'JOIN "Sessions" rs ON rs."RoundId" = s."RoundId" AND rs."Type" = CASE WHEN s."Type" = {RACE:d} THEN {Q:d} '
     f'ELSE {RACE:d} END JOIN "Results" ref ON ref."SessionId" = rs."Id" '
     'JOIN "Entrants" e ON e."Id" = ref."EntrantId" JOIN "Drivers" d ON d."Id" = e."DriverId" '
     f'WHERE s."Type" IN ({Q:d}, {SQ:d}, {SPRINT:d}, {RACE:d}) AND s."Status" = {_COMPLETED} '
     'AND EXISTS (SELECT 1 FROM "Results" x WHERE x."SessionId" = s."Id") AND NOT EXISTS (SELECT 1 FROM "Results" x '
     'WHERE x."SessionId" = s."Id" AND x."EntrantId" = ref."EntrantId") '
     'GROUP BY r."Slug", s."Type", s."OpenF1SessionKey" ORDER BY 1'),
    # Defect where results are matched by car number (OpenF1's rounds): OpenF1 gives every driver a number (the
    # model requires one), so a NULL was written by something else, and that entrant's results cannot be matched.
    (DEFECT, "completeness", "entrants without a car number (their results cannot be matched; rounds matched by "
     "car number)",
     'SELECT format(\'%s: %s\', r."Slug", d."Slug") FROM "Entrants" e JOIN "Rounds" r ON r."Id" = e."RoundId" '
     f'JOIN "Drivers" d ON d."Id" = e."DriverId" WHERE e."CarNumber" IS NULL AND {_BY_CAR_NUMBER} ORDER BY 1'),
    # Notice elsewhere: history matches results by driver and team, and 6 of Ergast's entries have no number
    # (`"None"`, 1961-1963); a mapping that lost numbers would show here by the hundred. Not The Third Turn's
    # rounds: most of its numbers are text (`08K`, `99-A`, SPEC §7: NULL by rule, the text in the landed page).
    (NOTICE, "completeness", "entrants without a car number in rounds matched by driver and team (history)",
     'SELECT format(\'%s: %s\', r."Slug", d."Slug") FROM "Entrants" e JOIN "Rounds" r ON r."Id" = e."RoundId" '
     f'JOIN "Drivers" d ON d."Id" = e."DriverId" WHERE e."CarNumber" IS NULL AND NOT ({_BY_CAR_NUMBER}) AND NOT '
     'EXISTS (SELECT 1 FROM "SourceIdentities" w WHERE w."RowId" = r."Id" AND w."Kind" = \'round\' '
     f'AND w."Source" = \'{WIKI}\') ORDER BY 1'),
)

# (severity, category, check, function); the comment above each says why it has that severity.
_PY_CHECKS: tuple[tuple[str, str, str, Callable[[psycopg.Connection], list[str]]], ...] = (
    # Defects: every source slugs a driver's and a team's name, so two rows whose names slug the same are one
    # person or team written twice (a slug given by hand, or a name that contradicts its slug). Circuits are
    # slugged from other keys (Jolpica's circuitId, OpenF1's short name), so two of one name are a defect when
    # one source (or none) holds them; two sources holding them apart is reported below, among the notices.
    (DEFECT, "duplicates", "drivers whose names slug the same", lambda conn: _same_name_slug(conn, "driver")),
    (DEFECT, "duplicates", "teams whose names slug the same", lambda conn: _same_name_slug(conn, "team")),
    (DEFECT, "duplicates", "circuits whose names slug the same, not held apart by two sources",
     lambda conn: _same_name_slug(conn, "circuit")),
    # Notices, probable duplicates across sources (SPEC §6): two sources without a bridge between them write one
    # driver, team or circuit as two rows (Jolpica "Red Bull" and OpenF1 "Red Bull Racing"; Jolpica `bahrain`
    # and OpenF1 `Sakhir`), which splits users' statistics; but names and places alike can be two things (a
    # rebrand is a new team, SPEC §6; Barcelona had two street circuits, Pedralbes and Montjuïc, and Ergast puts
    # Long Beach and Riverside in "California"), so an operator decides; each row is shown with the sources
    # holding it.
    # Drivers: the same words in any order (equal names are one row already, both sources slugging the name);
    # teams: the same words but "racing", "team" and "f1" (Red Bull Racing, Alpine F1 Team); circuits: one name
    # (Jolpica `yas_marina` and OpenF1 `Yas Marina Circuit`), or one place, whoever holds them.
    (NOTICE, "duplicates", "drivers that two sources hold as two rows, their names of the same words",
     lambda conn: _duplicates_across_sources(conn, "driver", _name_words)),
    (NOTICE, "duplicates", "teams that two sources hold as two rows, their names of the same words (racing, team and "
     "f1 aside)", lambda conn: _duplicates_across_sources(conn, "team", _team_words)),
    (NOTICE, "duplicates", "circuits that two sources hold as two rows under one name",
     lambda conn: _duplicates_across_sources(conn, "circuit", lambda r: slugify(r.name))),
    (NOTICE, "duplicates", "circuits at one location (Location and Country alike)", _circuits_at_one_location),
    # Notice: the wiki disambiguates namesakes by their page titles (`Curtis_Turner`, `Curtis_Turner_(VA)`),
    # which SPEC §7 keeps apart; but a driver the wiki links once through a redirect (`Mike_Olson` for
    # `Mike_Olson_(WI)`) looks the same, and only an operator reading the pages can tell.
    (NOTICE, "duplicates", "drivers of one name The Third Turn keeps apart by their page titles (namesakes, or one "
     "driver linked through a redirect)", lambda conn: _namesakes_of_the_wiki(conn, "driver")),
    # Notice: weekends differ for real (2023's sprint shootout, a session cancelled or added upstream). Only
    # where the source lists practice (OpenF1's rounds, history from 2021): before, history knows the race, and
    # qualifying only from its results.
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
