"""`healthcheck [--skip NAMES] [--timeout S] [--json]`: is every part up?

One line per check, OK or FAIL with the reason: PostgreSQL reachable, the indexes the workers rely on,
Redis reachable, OpenF1 reachable (one cheap request through the fleet's rate limit; "no results" counts as
an answer), The Third Turn crawlable, and live Celery workers answering a ping. Exit 0 only if every check that
ran passed: 4 when PostgreSQL or Redis failed, 1 when another check did; `--skip` (e.g. `--skip openf1,workers`)
leaves checks out, for a container's health check of one component. URLs are shown with their password
redacted, and no error message carries one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Callable

from ingestion.arguments import positive_seconds
from ingestion.exits import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, command_main
from workers.errors import BadArgument, IngestionError, RateLimited
from workers.redaction import redact, redact_url, secrets_in
from workers.settings import Settings, get_settings

CHECKS = ("postgres", "indexes", "redis", "openf1", "thirdturn", "workers")
INFRASTRUCTURE = ("postgres", "redis")  # a failure of these exits 4 (unreachable), of any other 1


@dataclass
class Check:
    name: str
    ok: bool | None  # None: skipped
    detail: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--skip", default="", metavar="NAMES", help=f"comma-separated checks to leave out: "
                                                                    f"{', '.join(CHECKS)}")
    parser.add_argument("--timeout", type=positive_seconds, default=3.0,
                        help="seconds each check may take (default 3)")
    parser.add_argument("--json", action="store_true", help="machine output")


def run(args: argparse.Namespace) -> int:
    skip = skipped(args.skip)
    settings = get_settings()
    probes: dict[str, Callable[[Settings, float], str]] = {
        "postgres": check_postgres, "indexes": check_indexes, "redis": check_redis, "openf1": check_openf1,
        "thirdturn": check_thirdturn,
        "workers": check_workers}
    results = [Check(n, None, "skipped") if n in skip else probe(n, probes[n], settings, args.timeout)
               for n in CHECKS]
    healthy = all(c.ok is not False for c in results)
    if args.json:
        print(json.dumps({"ok": healthy, "checks": [asdict(c) for c in results]}, indent=2))
    else:
        print("\n".join(f"{label(c.ok):4}  {c.name:8}  {c.detail}" for c in results))
    if any(c.ok is False and c.name in INFRASTRUCTURE for c in results):
        return EXIT_UNREACHABLE
    return EXIT_OK if healthy else EXIT_FAILED


def skipped(value: str) -> set[str]:
    names = {n.strip() for n in value.split(",") if n.strip()}
    unknown = names - set(CHECKS)
    if unknown:
        raise BadArgument(f"--skip takes {', '.join(CHECKS)}; unknown: {', '.join(sorted(unknown))}")
    return names


def label(ok: bool | None) -> str:
    return {True: "OK", False: "FAIL", None: "SKIP"}[ok]


def probe(name: str, check: Callable[[Settings, float], str], settings: Settings, timeout: float) -> Check:
    """Run one check; its exception is the reason, with any password of the settings' URLs masked."""
    try:
        return Check(name, True, check(settings, timeout))
    except Exception as exc:  # a health check reports every failure, whatever its kind
        reason = str(exc) if isinstance(exc, IngestionError) else f"{type(exc).__name__}: {exc}"
        return Check(name, False, one_line(redact(reason, known_secrets(settings))))


def known_secrets(settings: Settings) -> list[str]:
    """The secret values of the settings and of every source's settings (OPENF1_PASSWORD, URL passwords…)."""
    from workers import sources

    return secrets_in(settings) + [s for source in sources.all_sources() for s in secrets_in(source.settings)]


def one_line(text: str) -> str:
    """The reason on one line of at most 300 characters."""
    return " ".join(text.split())[:300]


def check_postgres(settings: Settings, timeout: float) -> str:
    import psycopg

    with psycopg.connect(settings.DATABASE_URL, connect_timeout=max(1, round(timeout))) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    return f"PostgreSQL {version} at {redact_url(settings.DATABASE_URL)}"


def check_indexes(settings: Settings, timeout: float) -> str:
    import psycopg

    from workers.db.schema import missing_indexes

    with psycopg.connect(settings.DATABASE_URL, connect_timeout=max(1, round(timeout))) as conn:
        missing = missing_indexes(conn)
    if missing:
        raise IngestionError(f"{len(missing)} unique index(es) missing, run python -m ingestion.db migrate: "
                             + "; ".join(missing))
    return "every unique index the upserts rely on is present"


def check_redis(settings: Settings, timeout: float) -> str:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()
    return f"Redis at {redact_url(settings.REDIS_URL)} answers"


def check_openf1(settings: Settings, timeout: float) -> str:
    """One `/meetings?year=<this year>` request, a single attempt, through the fleet's limit."""
    import redis

    from workers.pipeline.resources import fleet_limiter
    from workers.sources.openf1 import SOURCE

    try:
        client = SOURCE.client(fleet_limiter(SOURCE))
        return _ask_openf1(client, SOURCE.settings, timeout)
    except redis.RedisError as exc:
        raise IngestionError(f"cannot take a slot of the fleet's OpenF1 limit: its Redis is unreachable "
                             f"({type(exc).__name__}: {exc})") from None


def _ask_openf1(client, settings, timeout: float) -> str:
    from workers.errors import Throttled
    from workers.sources.openf1.client import SessionInProgress

    client.max_attempts, client.connect_timeout, client.read_timeout = 1, timeout, timeout
    year = datetime.now(timezone.utc).year
    started = time.monotonic()
    try:
        meetings = client.get("meetings", year=year)
    except Throttled as exc:
        return f"not asked: the fleet's OpenF1 limit is in use (next slot in {exc.wait:.1f}s)"
    except (RateLimited, SessionInProgress) as exc:
        return f"{redact_url(settings.BASE_URL)} answers ({exc})"
    return f"{redact_url(settings.BASE_URL)} answered /meetings?year={year} with {len(meetings)} meetings " \
           f"in {time.monotonic() - started:.2f}s"


def check_thirdturn(settings: Settings, timeout: float) -> str:
    """Whether the crawler may read The Third Turn: a contact and a limit for the live wiki, and its robots.txt
    (the fleet's copy, else one request through the fleet's limit) allowing a hub page to our User-Agent."""
    import redis

    from workers.pipeline.resources import fleet_limiter
    from workers.sources.thirdturn import SOURCE
    from workers.sources.thirdturn.client import page_target

    try:
        client = SOURCE.client(fleet_limiter(SOURCE))
        client.max_attempts, client.connect_timeout, client.read_timeout = 1, timeout, timeout
        client.require_manners()
        hub = page_target("NASCAR_Cup_Series_Central")
        if not client.robots().can_fetch(client.agent, f"{client.base_url}/{hub}"):
            raise IngestionError(f"robots.txt of {redact_url(client.base_url)} disallows its pages to "
                                 f"{client.agent!r}: nothing can be crawled")
    except redis.RedisError as exc:
        raise IngestionError(f"cannot read the fleet's copy of robots.txt: its Redis is unreachable "
                             f"({type(exc).__name__}: {exc})") from None
    limit = SOURCE.settings.RATE_LIMIT
    return f"{redact_url(client.base_url)} robots.txt allows its pages to {client.agent!r}; limit {limit}"


def check_workers(settings: Settings, timeout: float) -> str:
    check_redis(settings, timeout)  # the broker: without it a ping would wait on reconnects
    from tasks import app

    replies = app.control.ping(timeout=timeout)
    if not replies:
        raise IngestionError(f"no Celery worker answered within {timeout:g}s; start one with: "
                             "celery -A tasks worker --loglevel=INFO")
    names = sorted(name for reply in replies for name in reply)
    return f"{len(names)} worker(s) answered: {', '.join(names)}"


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
