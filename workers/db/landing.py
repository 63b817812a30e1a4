"""The landing: every answer of every source as received, one row per distinct request ("LandedAnswers")."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import psycopg


def land(conn: psycopg.Connection, source: str, request: Any, status: int, body: str, run_id: str | None,
         revision: int | None = None) -> bool:
    """Keep an answer (replacing the request's previous one) with the source's revision of it, if it has one
    (a wiki page's); True when its content changed."""
    digest = hashlib.sha256(body.encode()).hexdigest()
    previous = _hash_of(conn, source, request.key)
    conn.execute(
        'INSERT INTO "LandedAnswers" ("Source", "Request", "Endpoint", "Season", "Rounds", "Status", "Body", '
        '"ContentHash", "RunId", "Revision") VALUES (%(source)s, %(key)s, %(endpoint)s, %(season)s, %(rounds)s, '
        '%(status)s, %(body)s, %(hash)s, %(run)s, %(revision)s) ON CONFLICT ("Source", "Request") DO UPDATE SET '
        '"Endpoint" = EXCLUDED."Endpoint", "Season" = EXCLUDED."Season", "Rounds" = EXCLUDED."Rounds", '
        '"Status" = EXCLUDED."Status", "Body" = EXCLUDED."Body", "ContentHash" = EXCLUDED."ContentHash", '
        '"FetchedAt" = now(), "RunId" = EXCLUDED."RunId", "Revision" = EXCLUDED."Revision"',
        {"source": source, "key": request.key, "endpoint": request.endpoint, "season": request.season,
         "rounds": list(request.rounds) if request.rounds is not None else None, "status": status, "body": body,
         "hash": digest, "run": run_id, "revision": revision})
    return previous != digest


def _hash_of(conn: psycopg.Connection, source: str, key: str) -> str | None:
    row = conn.execute('SELECT "ContentHash" FROM "LandedAnswers" WHERE "Source" = %s AND "Request" = %s',
                       [source, key]).fetchone()
    return row[0] if row else None


def fetched_at(conn: psycopg.Connection, source: str, key: str) -> datetime | None:
    row = conn.execute('SELECT "FetchedAt" FROM "LandedAnswers" WHERE "Source" = %s AND "Request" = %s',
                       [source, key]).fetchone()
    return row[0] if row else None


def fetched_at_many(conn: psycopg.Connection, source: str, keys: list[str]) -> dict[str, datetime]:
    """Request key → when it was landed, for those of `keys` the landing holds."""
    rows = conn.execute('SELECT "Request", "FetchedAt" FROM "LandedAnswers" WHERE "Source" = %s '
                        'AND "Request" = ANY(%s)', [source, keys]).fetchall()
    return dict(rows)


_COVERING = ('SELECT "Status", "Body" FROM "LandedAnswers" WHERE "Source" = %(source)s AND "Endpoint" = %(endpoint)s '
             'AND "Season" IS NOT DISTINCT FROM %(season)s AND ("Rounds" IS NULL OR %(round)s = ANY("Rounds")) ')


def newest_covering(conn: psycopg.Connection, source: str, endpoint: str, season: int | None,
                    round_key: str | None) -> tuple[int, str] | None:
    """(status, body) of the newest answer of the endpoint for the season that covers the round (an answer for the
    whole season covers every round); with no round, the newest answer for the whole season."""
    row = conn.execute(_COVERING + 'ORDER BY "FetchedAt" DESC, "Id" DESC LIMIT 1',
                       {"source": source, "endpoint": endpoint, "season": season, "round": round_key}).fetchone()
    return (row[0], row[1]) if row else None


def every_covering(conn: psycopg.Connection, source: str, endpoint: str, season: int | None,
                   round_key: str | None) -> list[tuple[int, str]]:
    """(status, body) of every answer of the endpoint for the season that covers the round (each page of a paged
    endpoint), in request order."""
    rows = conn.execute(_COVERING + 'ORDER BY "Request"',
                        {"source": source, "endpoint": endpoint, "season": season, "round": round_key}).fetchall()
    return [(status, body) for status, body in rows]


def answer_of(conn: psycopg.Connection, source: str, key: str) -> tuple[int, str] | None:
    """(status, body) of the landed answer of exactly this request, whatever season it was landed under."""
    row = conn.execute('SELECT "Status", "Body" FROM "LandedAnswers" WHERE "Source" = %s AND "Request" = %s',
                       [source, key]).fetchone()
    return (row[0], row[1]) if row else None


def has_endpoint(conn: psycopg.Connection, source: str, season: int, endpoints: tuple[str, ...]) -> bool:
    """Whether any answer of these endpoints for the season is landed."""
    return conn.execute('SELECT EXISTS (SELECT 1 FROM "LandedAnswers" WHERE "Source" = %s AND "Season" = %s '
                        'AND "Endpoint" = ANY(%s))', [source, season, list(endpoints)]).fetchone()[0]
