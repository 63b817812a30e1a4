"""The database error policy (one table): each psycopg exception → the error class the tasks act on."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors as pg_errors

from workers.errors import (BrokerUnavailable, DatabaseUnavailable, IngestionError, PermanentError, SchemaMissing,
                            classify_db)

ROW_VALUE = "Verstappen P1 1:32.608"  # what a server message may quote from a row: never in the error


@pytest.mark.parametrize("exc, expected", [
    # contention and restarts: come back later
    (pg_errors.SerializationFailure(ROW_VALUE), DatabaseUnavailable),
    (pg_errors.DeadlockDetected(ROW_VALUE), DatabaseUnavailable),
    (pg_errors.LockNotAvailable(ROW_VALUE), DatabaseUnavailable),
    (pg_errors.AdminShutdown(ROW_VALUE), DatabaseUnavailable),
    (pg_errors.CrashShutdown(ROW_VALUE), DatabaseUnavailable),
    (pg_errors.CannotConnectNow(ROW_VALUE), DatabaseUnavailable),
    (pg_errors.TooManyConnections(ROW_VALUE), DatabaseUnavailable),
    # connection lost or refused, a statement cancelled: any other OperationalError
    (psycopg.OperationalError(ROW_VALUE), DatabaseUnavailable),
    (pg_errors.QueryCanceled(ROW_VALUE), DatabaseUnavailable),
    (pg_errors.ConnectionFailure(ROW_VALUE), DatabaseUnavailable),
    # the schema is missing or old: permanent, and says to migrate
    (pg_errors.UndefinedTable(ROW_VALUE), SchemaMissing),
    (pg_errors.UndefinedColumn(ROW_VALUE), SchemaMissing),
    (pg_errors.InvalidColumnReference(ROW_VALUE), SchemaMissing),
    # the data itself is refused: retrying sends the same rows again
    (pg_errors.UniqueViolation(ROW_VALUE), PermanentError),
    (pg_errors.ForeignKeyViolation(ROW_VALUE), PermanentError),
    (pg_errors.NotNullViolation(ROW_VALUE), PermanentError),
    (pg_errors.CheckViolation(ROW_VALUE), PermanentError),
    (pg_errors.NumericValueOutOfRange(ROW_VALUE), PermanentError),
    (pg_errors.InvalidTextRepresentation(ROW_VALUE), PermanentError),
    (psycopg.InterfaceError(ROW_VALUE), PermanentError),
    (psycopg.ProgrammingError(ROW_VALUE), PermanentError),
    # not a database error at all
    (ValueError(ROW_VALUE), PermanentError),
], ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else value.__name__)
def test_each_database_exception_maps_to_one_error_class_named_without_its_message(exc, expected):
    error = classify_db(exc)
    assert type(error) is expected
    assert type(exc).__name__ in str(error) and ROW_VALUE not in str(error)


@pytest.mark.parametrize("error", [DatabaseUnavailable("down"), BrokerUnavailable("down"), SchemaMissing("old")],
                         ids=lambda e: type(e).__name__)
def test_an_error_already_classified_is_kept_as_it_is(error: IngestionError):
    assert classify_db(error) is error


def test_a_schema_error_says_how_to_fix_it():
    assert "python -m ingestion.db migrate" in str(classify_db(pg_errors.UndefinedTable("x")))


def test_a_refused_connection_of_the_real_client_is_retryable():
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect("postgresql://parcferme@127.0.0.1:1/parcferme", connect_timeout=2)
    assert type(classify_db(refused.value)) is DatabaseUnavailable


@pytest.mark.parametrize("statement, expected", [
    ('SELECT 1 FROM "NoSuchTable"', SchemaMissing),
    ('SELECT "NoSuchColumn" FROM "SyncRuns"', SchemaMissing),
    ("SELECT 1 / 0", PermanentError),
    ("SELECT 'not a number'::int", PermanentError),
    ('INSERT INTO "SyncRuns" ("Id") VALUES (NULL)', PermanentError),
], ids=["undefined-table", "undefined-column", "division-by-zero", "bad-cast", "not-null"])
def test_what_the_real_server_answers_is_classified_too(db, statement, expected):
    with pytest.raises(psycopg.Error) as answered:
        db.execute(statement)
    assert type(classify_db(answered.value)) is expected
