"""Migrations (SQL files in `workers/db/migrations/`, installed with the package) and the start-up check of the
indexes the upserts rely on."""

from __future__ import annotations

import getpass
import logging
import os
from pathlib import Path

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from workers.errors import SchemaMissing

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")  # package data: found wherever it is installed
_MIGRATION_LOCK = 7_351_902_113  # pg_advisory_lock key: one migrator at a time

# (table, columns) pairs that must carry a unique index: every ON CONFLICT target of the workers.
REQUIRED_UNIQUE = (
    ("Series", ("Slug",)),
    ("Seasons", ("SeriesId", "Year")),
    ("Circuits", ("Slug",)),
    ("Rounds", ("Slug",)),
    ("Sessions", ("OpenF1SessionKey",)),
    ("Drivers", ("Slug",)),
    ("Teams", ("Slug",)),
    ("Entrants", ("RoundId", "DriverId", "TeamId")),
    ("Results", ("SessionId", "EntrantId")),
    ("SyncRunRounds", ("RunId", "RoundKey")),
    ("QuarantinedRecords", ("RunId", "Source", "Endpoint", "PayloadHash")),
    ("LandedAnswers", ("Source", "Request")),
    ("SourceIdentities", ("Source", "Kind", "SourceKey")),
)

_UNIQUE_INDEXES = """
SELECT t.relname, array_agg(a.attname::text ORDER BY k.ord)
FROM pg_index i
JOIN pg_class t ON t.oid = i.indrelid AND t.relnamespace = 'public'::regnamespace
JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
WHERE i.indisunique AND t.relname = ANY(%s)
GROUP BY i.indexrelid, t.relname
"""


def missing_indexes(conn: psycopg.Connection) -> list[str]:
    tables = sorted({t for t, _ in REQUIRED_UNIQUE})
    present = {(t, tuple(cols)) for t, cols in conn.execute(_UNIQUE_INDEXES, [tables]).fetchall()}
    return [f'{t}({", ".join(cols)})' for t, cols in REQUIRED_UNIQUE if (t, cols) not in present]


def pending_migrations(conn: psycopg.Connection) -> list[str]:
    """Migration files not yet recorded as applied (all of them on a database never migrated)."""
    if conn.execute("SELECT to_regclass('\"SchemaMigrations\"')").fetchone()[0] is None:
        done: set[str] = set()
    else:
        done = {v for (v,) in conn.execute('SELECT "Version" FROM "SchemaMigrations"').fetchall()}
    return [p.stem for p in sorted(MIGRATIONS_DIR.glob("*.sql")) if p.stem not in done]


def check_schema(conn: psycopg.Connection) -> None:
    """Stop with a clear message when a unique index the upserts need, or a whole migration, is missing."""
    missing = missing_indexes(conn)
    if missing:
        raise SchemaMissing("the database lacks the unique index(es) " + "; ".join(missing)
                            + ": run the migrations: python -m ingestion.db migrate")
    pending = pending_migrations(conn)
    if pending:
        raise SchemaMissing("the database lacks the migration(s) " + ", ".join(pending)
                            + ": run the migrations: python -m ingestion.db migrate")


def migrate(database_url: str) -> list[str]:
    """Create the role and database when possible, then apply pending migrations; returns those applied."""
    ensure_database(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [_MIGRATION_LOCK])
        try:
            return _apply_pending(conn)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [_MIGRATION_LOCK])


def _apply_pending(conn: psycopg.Connection) -> list[str]:
    conn.execute('CREATE TABLE IF NOT EXISTS "SchemaMigrations" ("Version" text PRIMARY KEY, '
                 '"AppliedAt" timestamp with time zone NOT NULL DEFAULT now())')
    applied = []
    for version in pending_migrations(conn):
        with conn.transaction():
            conn.execute((MIGRATIONS_DIR / f"{version}.sql").read_text())
            conn.execute('INSERT INTO "SchemaMigrations" ("Version") VALUES (%s)', [version])
        log.info("applied migration %s", version)
        applied.append(version)
    return applied


def ensure_database(database_url: str) -> None:
    """Create the URL's role and database through an administrator connection when they are missing."""
    try:
        psycopg.connect(database_url, connect_timeout=5).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    target = conninfo_to_dict(database_url)
    with _admin_connection(target) as admin:
        _create_role(admin, target.get("user"), target.get("password"))
        _create_database(admin, target.get("dbname"), target.get("user"))


def _admin_connection(target: dict) -> psycopg.Connection:
    """DATABASE_ADMIN_URL if set, else the same server as the postgres user, then as the OS user."""
    explicit = os.environ.get("DATABASE_ADMIN_URL")
    candidates = [explicit] if explicit else [
        make_conninfo(host=target.get("host"), port=target.get("port"), user=user, dbname="postgres")
        for user in ("postgres", getpass.getuser())
    ]
    last: Exception | None = None
    for conninfo in candidates:
        try:
            return psycopg.connect(conninfo, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as exc:
            last = exc
    raise SchemaMissing("the database or its role does not exist and no administrator connection worked; "
                        "create them or set DATABASE_ADMIN_URL") from last


def _create_role(admin: psycopg.Connection, user: str | None, password: str | None) -> None:
    if not user or admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [user]).fetchone():
        return
    statement = sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(user))
    if password:
        statement += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
    try:
        admin.execute(statement)
    except (pg_errors.DuplicateObject, pg_errors.UniqueViolation):
        pass  # created by a concurrent migrator


def _create_database(admin: psycopg.Connection, dbname: str | None, owner: str | None) -> None:
    if not dbname or admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
        return
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname))
    if owner:
        statement += sql.SQL(" OWNER {}").format(sql.Identifier(owner))
    try:
        admin.execute(statement)
    except (pg_errors.DuplicateDatabase, pg_errors.UniqueViolation):
        pass
