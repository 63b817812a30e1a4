"""Before a command sends anything: PostgreSQL reachable with the schema the workers need, Redis reachable, a
worker answering. Each failure is one clear error with its reason and what to do (exits.py gives its code).

PostgreSQL's connection failures carry no SQLSTATE (libpq reports them as text), so they are told apart by the
server's and libpq's own words: refused, an unknown host, no answer, a wrong or missing password, a missing
database or role, no pg_hba.conf entry, a server starting or stopping. URLs are shown with their password
replaced by ***, and no message carries one."""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from ingestion.exits import NoWorker, program

if TYPE_CHECKING:
    import psycopg

    from workers.errors import BrokerUnavailable, DatabaseUnavailable

CONNECT_TIMEOUT = 5  # seconds PostgreSQL may take to answer a command's connection
BROKER_TIMEOUT = 2.0  # seconds Redis may take to answer a command's ping
PING_TIMEOUT = 2.0  # seconds to wait for the first worker's answer


@contextmanager
def database() -> Iterator["psycopg.Connection"]:
    """One connection for a command, checked against the schema; a PostgreSQL that cannot be reached (or refuses
    us) is one clear error at once, before anything is sent."""
    import psycopg

    from workers.db.schema import check_schema
    from workers.errors import classify_db
    from workers.settings import get_settings

    url = get_settings().DATABASE_URL
    try:
        conn = connect(url)
    except psycopg.OperationalError as exc:
        raise postgres_failure(exc, url) from None
    try:
        with conn:
            check_schema(conn)
            yield conn
    except psycopg.OperationalError as exc:
        raise postgres_failure(exc, url) from None
    except psycopg.Error as exc:
        raise classify_db(exc) from None


def connect(url: str, **options: Any) -> "psycopg.Connection":
    import psycopg

    return psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, **options)


# libpq's and the server's words for each failure to connect → what the operator reads (and what to do).
_POSTGRES_FAILURES = (
    (r"password authentication failed for user \"(?P<who>[^\"]*)\"",
     "PostgreSQL at {url} refused the password of role \"{who}\": put the right one in DATABASE_URL"),
    (r"no password supplied|password is required",
     "PostgreSQL at {url} asks for a password and DATABASE_URL gives none: add it to DATABASE_URL"),
    (r"database \"(?P<who>[^\"]*)\" does not exist",
     "PostgreSQL at {url} has no database \"{who}\": create it (and the schema) with `{program} db migrate`, "
     "or point DATABASE_URL at another"),
    (r"role \"(?P<who>[^\"]*)\" does not exist",
     "PostgreSQL at {url} has no role \"{who}\": create it (and the database) with `{program} db migrate`, "
     "or set the right user in DATABASE_URL"),
    (r"no pg_hba\.conf entry",
     "PostgreSQL at {url} does not let this role connect from here (no pg_hba.conf entry): allow it in "
     "pg_hba.conf, or use another DATABASE_URL"),
    (r"Connection refused",
     "cannot reach PostgreSQL at {url}: connection refused (is it running there?): start it "
     "(scripts/setup.sh starts a local one) or set DATABASE_URL"),
    (r"failed to resolve host|could not translate host name|Name or service not known",
     "cannot reach PostgreSQL at {url}: its host name is unknown: set DATABASE_URL"),
    (r"timeout expired|timed out",
     "cannot reach PostgreSQL at {url}: no answer within " + str(CONNECT_TIMEOUT) + " s: check the host and "
     "port of DATABASE_URL and that the server runs"),
    (r"starting up|shutting down|in recovery mode|not yet accepting",
     "PostgreSQL at {url} is starting or stopping: try again in a moment"),
)


def postgres_failure(exc: BaseException, url: str) -> "DatabaseUnavailable":
    """The one-line error of a failure to connect to (or a connection lost with) PostgreSQL."""
    from workers.errors import DatabaseUnavailable
    from workers.redaction import redact, redact_url, url_passwords

    text = str(exc)
    for pattern, message in _POSTGRES_FAILURES:
        found = re.search(pattern, text)
        if found:
            who = found.groupdict().get("who", "")
            return DatabaseUnavailable(message.format(url=redact_url(url), who=who, program=program()))
    detail = redact(" ".join(text.split()), url_passwords(url)) or type(exc).__name__
    return DatabaseUnavailable(f"cannot reach PostgreSQL at {redact_url(url)}: {detail[:200]}")


def require_broker(url: str | None = None, timeout: float = BROKER_TIMEOUT) -> None:
    """Redis (the broker) answers a ping within `timeout`, else one clear error: a command never waits on kombu's
    reconnects (which end in a traceback)."""
    import redis

    from workers.settings import get_settings

    url = url or get_settings().REDIS_URL
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise redis_failure(exc, url) from None
    finally:
        client.close()


_REDIS_FAILURES = (
    (r"without any password configured",
     "Redis at {url} has no password but REDIS_URL gives one: remove it from REDIS_URL"),
    (r"invalid username-password pair|WRONGPASS|invalid password",
     "Redis at {url} refused the user name or password of REDIS_URL: put the right ones in REDIS_URL"),
    (r"NOAUTH|Authentication required",
     "Redis at {url} asks for a password and REDIS_URL gives none: add it to REDIS_URL"),
    (r"DB index is out of range",
     "Redis at {url} has no such database number: use a smaller one in REDIS_URL"),
    (r"Connection refused",
     "cannot reach Redis at {url}: connection refused (is it running there?): start it "
     "(scripts/setup.sh starts a local one) or set REDIS_URL"),
    (r"Name or service not known|nodename nor servname|Temporary failure in name resolution",
     "cannot reach Redis at {url}: its host name is unknown: set REDIS_URL"),
    (r"[Tt]imeout|timed out",
     "cannot reach Redis at {url}: no answer in time: check the host and port of REDIS_URL and that it runs"),
)


def redis_failure(exc: BaseException, url: str) -> "BrokerUnavailable":
    """The one-line error of a failure to reach Redis (redis's or kombu's)."""
    from workers.errors import BrokerUnavailable
    from workers.redaction import redact, redact_url, url_passwords

    text = str(exc)
    for pattern, message in _REDIS_FAILURES:
        if re.search(pattern, text):
            return BrokerUnavailable(message.format(url=redact_url(url)))
    detail = redact(" ".join(text.split()), url_passwords(url)) or type(exc).__name__
    return BrokerUnavailable(f"cannot reach Redis at {redact_url(url)}: {detail[:200]}")


def no_worker_hint() -> str:
    return (f"no Celery worker answered within {PING_TIMEOUT:g} s (nothing was sent); start one with: "
            "celery -A tasks worker --loglevel=INFO")


def worker_answers(app: Any) -> bool:
    """True as soon as one Celery worker answers a ping, False after PING_TIMEOUT without an answer. (`limit=1`:
    without a limit the ping collects replies until the whole timeout has passed.)"""
    return bool(app.control.ping(timeout=PING_TIMEOUT, limit=1))


def require_worker(app: Any) -> None:
    """A worker answers, else NoWorker (exit 3) saying how to start one."""
    if not worker_answers(app):
        raise NoWorker(no_worker_hint())
