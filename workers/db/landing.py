"""The landing: every answer of every source as received, one row per distinct request ("LandedAnswers")."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import psycopg


def land(conn: psycopg.Connection, source: str, request: Any, status: int, body: str, run_id: str | None) -> bool:
    """Keep an answer (replacing the request's previous one); True when its content changed."""
    digest = hashlib.sha256(body.encode()).hexdigest()
    previous = _hash_of(conn, source, request.key)
    conn.execute(
        'INSERT INTO "LandedAnswers" ("Source", "Request", "Endpoint", "Season", "Rounds", "Status", "Body", '
        '"ContentHash", "RunId") VALUES (%(source)s, %(key)s, %(endpoint)s, %(season)s, %(rounds)s, %(status)s, '
        '%(body)s, %(hash)s, %(run)s) ON CONFLICT ("Source", "Request") DO UPDATE SET "Endpoint" = EXCLUDED."Endpoint", '
        '"Season" = EXCLUDED."Season", "Rounds" = EXCLUDED."Rounds", "Status" = EXCLUDED."Status", '
        '"Body" = EXCLUDED."Body", "ContentHash" = EXCLUDED."ContentHash", "FetchedAt" = now(), "RunId" = EXCLUDED."RunId"',
        {"source": source, "key": request.key, "endpoint": request.endpoint, "season": request.season,
         "rounds": list(request.rounds) if request.rounds is not None else None, "status": status, "body": body,
         "hash": digest, "run": run_id})
    return previous != digest


def _hash_of(conn: psycopg.Connection, source: str, key: str) -> str | None:
    row = conn.execute('SELECT "ContentHash" FROM "LandedAnswers" WHERE "Source" = %s AND "Request" = %s',
                       [source, key]).fetchone()
    return row[0] if row else None


def fetched_at(conn: psycopg.Connection, source: str, key: str) -> datetime | None:
    row = conn.execute('SELECT "FetchedAt" FROM "LandedAnswers" WHERE "Source" = %s AND "Request" = %s',
                       [source, key]).fetchone()
    return row[0] if row else None


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


def has_endpoint(conn: psycopg.Connection, source: str, season: int, endpoints: tuple[str, ...]) -> bool:
    """Whether any answer of these endpoints for the season is landed."""
    return conn.execute('SELECT EXISTS (SELECT 1 FROM "LandedAnswers" WHERE "Source" = %s AND "Season" = %s '
                        'AND "Endpoint" = ANY(%s))', [source, season, list(endpoints)]).fetchone()[0]
