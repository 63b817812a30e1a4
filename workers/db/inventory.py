"""What the racing tables hold, as `verify` reports it: the seasons, rounds and sessions per type of a series, the
keys under which a source holds a season's rows (its identities), and the session that started last. Read-only;
never a result value."""

from __future__ import annotations

from typing import Any

import psycopg

from workers.db.tables import racing_counts  # noqa: F401  (rows per table: part of what verify reports)
from workers.rows import SessionStatus, SessionType


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


# The rows of each kind of identity `identity_keys` reads, with the season they belong to.
_OF_SEASON = {
    "round": 'JOIN "Rounds" r ON r."Id" = i."RowId" JOIN "Seasons" y ON y."Id" = r."SeasonId"',
    "session": 'JOIN "Sessions" s ON s."Id" = i."RowId" JOIN "Rounds" r ON r."Id" = s."RoundId" '
               'JOIN "Seasons" y ON y."Id" = r."SeasonId"',
}


def identity_keys(conn: psycopg.Connection, source: str, kind: str, year: int) -> set[str]:
    """The keys under which a source holds the season's rounds or sessions (its identities, docs/identity.md)."""
    rows = conn.execute(f'SELECT i."SourceKey" FROM "SourceIdentities" i {_OF_SEASON[kind]} '
                        'WHERE i."Source" = %s AND i."Kind" = %s AND y."Year" = %s', [source, kind, year]).fetchall()
    return {key for (key,) in rows}


def latest_session(conn: psycopg.Connection, year: int | None = None) -> dict[str, Any] | None:
    """The session that started last (by now), with its round and its key in the source that wrote it: where the
    data has got to, never a result."""
    row = conn.execute(
        'SELECT y."Year", r."Name", r."RoundNumber", s."Type", s."StartTimeUtc", s."Status", '
        '(SELECT min(i."SourceKey") FROM "SourceIdentities" i WHERE i."RowId" = s."Id" AND i."Kind" = \'session\') k '
        'FROM "Sessions" s JOIN "Rounds" r ON r."Id" = s."RoundId" JOIN "Seasons" y ON y."Id" = r."SeasonId" '
        'WHERE s."StartTimeUtc" <= now() AND (%(year)s::int IS NULL OR y."Year" = %(year)s) '
        'ORDER BY s."StartTimeUtc" DESC, k DESC NULLS LAST LIMIT 1', {"year": year}).fetchone()
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
