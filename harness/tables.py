"""The racing tables and the workers' own: emptied between tests, and their content as a snapshot built from natural
keys (never uuids), so that two databases filled alike compare equal."""

from __future__ import annotations

import hashlib

import psycopg

RACING_TABLES = ("Series", "Seasons", "Circuits", "Rounds", "Sessions", "Drivers", "Teams", "Entrants", "Results")
RACING_AND_WORKER_TABLES = RACING_TABLES + ("SyncRuns", "SyncRunRounds", "QuarantinedRecords", "LandedAnswers",
                                            "SourceIdentities", "SessionTimes", "SessionChanges", "FollowedSources",
                                            "FollowedRounds")


def empty_tables(database_url: str) -> None:
    """Empty the racing tables and the workers' own (TRUNCATE … CASCADE: for the tests' and the bench's own
    databases)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in RACING_AND_WORKER_TABLES) + " CASCADE")


def snapshot(conn: psycopg.Connection) -> dict[str, list[tuple]]:
    """The racing tables as sorted rows of natural keys and values; equal snapshots mean equal content."""
    queries = {
        "Series": 'SELECT "Slug", "Name", "LogoUrl" FROM "Series"',
        "Seasons": 'SELECT s."Slug", x."Year" FROM "Seasons" x JOIN "Series" s ON s."Id" = x."SeriesId"',
        "Circuits": 'SELECT "Slug", "Name", "Location", "Country", "CountryCode", "LayoutMapUrl", "Latitude", '
                    '"Longitude", "LengthMeters" FROM "Circuits"',
        "Rounds": 'SELECT r."Slug", y."Year", c."Slug", r."Name", r."RoundNumber", r."DateStart", r."DateEnd", '
                  'r."OpenF1MeetingKey" FROM "Rounds" r JOIN "Seasons" y ON y."Id" = r."SeasonId" '
                  'JOIN "Circuits" c ON c."Id" = r."CircuitId"',
        "Sessions": 'SELECT s."OpenF1SessionKey", r."Slug", s."Type", s."StartTimeUtc", s."Status" FROM "Sessions" s '
                    'JOIN "Rounds" r ON r."Id" = s."RoundId"',
        "Drivers": 'SELECT "Slug", "FirstName", "LastName", "Abbreviation", "Nationality", "HeadshotUrl", '
                   '"DriverNumber" FROM "Drivers"',
        "Teams": 'SELECT "Slug", "Name", "ShortName", "LogoUrl", "PrimaryColor" FROM "Teams"',
        "Entrants": 'SELECT r."Slug", d."Slug", t."Slug", e."CarNumber" FROM "Entrants" e JOIN "Rounds" r ON '
                    'r."Id" = e."RoundId" JOIN "Drivers" d ON d."Id" = e."DriverId" '
                    'JOIN "Teams" t ON t."Id" = e."TeamId"',
        "Results": 'SELECT s."OpenF1SessionKey", r."Slug", s."Type", d."Slug", t."Slug", x."Position", '
                   'x."GridPosition", x."Status", x."Points", x."Time", x."Laps", x."FastestLap" FROM "Results" x '
                   'JOIN "Sessions" s ON s."Id" = x."SessionId" JOIN "Rounds" r ON r."Id" = s."RoundId" '
                   'JOIN "Entrants" e ON e."Id" = x."EntrantId" '
                   'JOIN "Drivers" d ON d."Id" = e."DriverId" JOIN "Teams" t ON t."Id" = e."TeamId"',
    }
    return {table: sorted(conn.execute(q).fetchall(), key=repr) for table, q in queries.items()}


def content_hash(conn: psycopg.Connection) -> str:
    return hashlib.sha256(repr(snapshot(conn)).encode()).hexdigest()


def row_versions(conn: psycopg.Connection) -> dict[str, set[tuple[str, str]]]:
    """(Id, xmin) of every racing row: unchanged when no row was rewritten."""
    return {t: {(str(i), str(x)) for i, x in conn.execute(f'SELECT "Id", xmin FROM "{t}"').fetchall()}
            for t in RACING_TABLES}
