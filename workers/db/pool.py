"""One psycopg connection pool per process, created on first use (never at import)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

import psycopg
from psycopg_pool import ConnectionPool

from workers.errors import classify_db
from workers.settings import get_settings

_pool: ConnectionPool | None = None
_lock = threading.Lock()


def get_pool() -> ConnectionPool:
    global _pool
    with _lock:
        if _pool is None:
            settings = get_settings()
            _pool = ConnectionPool(
                settings.DATABASE_URL,
                min_size=1,
                max_size=settings.DB_POOL_MAX_SIZE,
                check=ConnectionPool.check_connection,  # a restarted server is noticed before use
                timeout=10,
                reconnect_timeout=30,
                name="parcferme",
                open=False,
            )
            _pool.open(wait=False)
        return _pool


def close_pool() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.close()
            _pool = None


@contextmanager
def connection() -> Iterator[psycopg.Connection]:
    """A pooled connection inside one transaction; psycopg errors leave as the workers' error classes."""
    try:
        with get_pool().connection() as conn:
            with conn.transaction():
                yield conn
    except psycopg.Error as exc:
        raise classify_db(exc) from exc
