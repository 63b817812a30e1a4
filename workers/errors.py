"""Two kinds of error, each decided in one place: retryable (come back later) and permanent."""

from __future__ import annotations

import json

import psycopg
from psycopg import errors as pg_errors


class IngestionError(Exception):
    """Base of the workers' errors."""


class RetryableError(IngestionError):
    """Worth retrying later: rate limited, upstream unavailable, live-session lock-out, database down."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(RetryableError):
    """A source answered 429: every worker cools down before its next request to it."""


class Throttled(RetryableError):
    """No slot of a source's fleet limit within the bound: the task re-schedules itself for the slot it reserved."""

    def __init__(self, wait: float, source: str = "source"):
        super().__init__(f"waiting {wait:.1f}s for a {source} slot", retry_after=wait)
        self.wait = wait


class LockedOut(RetryableError):
    """A source refuses every request for a while by design (OpenF1's free tier while a session runs): the task
    comes back after `retry_after`, and such waits, like a throttle's, never spend the error-retry budget."""


class UpstreamUnavailable(RetryableError):
    """5xx, timeout or a connection problem talking to a source."""


class DatabaseUnavailable(RetryableError):
    """PostgreSQL could not be reached or the transaction must be retried."""


class BrokerUnavailable(RetryableError):
    """Redis (the broker) could not be reached."""


class PermanentError(IngestionError):
    """Retrying will not help: bad request, bad argument, rejected data, missing schema."""


class BadArgument(PermanentError, ValueError):
    """A task or command argument is invalid; refused before any work starts."""


class SchemaMissing(PermanentError):
    """The database lacks a table or index the workers rely on."""


def classify_status(source: str, status: int, body: str, retry_after: float | None = None) -> IngestionError | None:
    """HTTP status → error class, as every source answers it; None means the answer is usable (2xx)."""
    if status == 429:
        return RateLimited(f"{source} rate limit exceeded (HTTP {status})", retry_after)
    if 200 <= status < 300:
        return None
    if status >= 500 or status == 408:
        return UpstreamUnavailable(f"{source} unavailable (HTTP {status})", retry_after)
    return PermanentError(f"{source} refused the request (HTTP {status}): {body[:120]!r}")


def is_json(body: str) -> bool:
    try:
        json.loads(body)
        return True
    except ValueError:
        return False


_RETRYABLE_SQLSTATES = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.LockNotAvailable,
    pg_errors.AdminShutdown,
    pg_errors.CrashShutdown,
    pg_errors.CannotConnectNow,
    pg_errors.TooManyConnections,
)


def classify_db(exc: BaseException) -> IngestionError:
    """psycopg exception → error class. Connection loss and contention retry; anything else is permanent."""
    if isinstance(exc, IngestionError):
        return exc
    if isinstance(exc, _RETRYABLE_SQLSTATES):
        return DatabaseUnavailable(f"database busy or restarting ({type(exc).__name__})")
    if isinstance(exc, (pg_errors.UndefinedTable, pg_errors.UndefinedColumn, pg_errors.InvalidColumnReference)):
        return SchemaMissing(f"database schema is missing a table or index ({type(exc).__name__}): "
                             "run the migrations: python -m ingestion.db migrate")
    if isinstance(exc, psycopg.OperationalError):
        return DatabaseUnavailable(f"database unavailable ({type(exc).__name__})")
    if isinstance(exc, psycopg.Error):
        return PermanentError(f"database rejected the data ({type(exc).__name__})")
    return PermanentError(f"unexpected {type(exc).__name__}")
