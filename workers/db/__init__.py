"""The database layer: the only place that writes SQL. A pool per worker process, opened lazily."""

from workers.db.pool import close_pool, connection, get_pool
from workers.db.upsert import TableSpec, upsert_rows

__all__ = ["TableSpec", "close_pool", "connection", "get_pool", "upsert_rows"]
