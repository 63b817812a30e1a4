"""`healthcheck [--skip NAMES] [--timeout S] [--json]`: is every part up?

One line per check: PostgreSQL reachable, the indexes the workers rely on, Redis reachable, then one check per
source of the registry (each source says how: at most one cheap request through the fleet's rate limit, or none
when a copy the fleet shares tells), then live Celery workers answering a ping. Each line is OK, FAIL with the
reason, OFF for a source this deployment does not use (The Third Turn with no contact and no followed series: a
Formula-1-only deployment's check passes), or SKIP. A source's line ends with the licence its data is used under,
as the source declares it. Exit 0 only if no check failed: 4 when PostgreSQL or Redis failed, 1 when another
check did; `--skip` (e.g. `--skip openf1,workers`) leaves checks out, for a container's health check of one
component. URLs are shown with their password redacted, and no error message carries one.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from typing import Callable

from ingestion.arguments import positive_seconds
from ingestion.exits import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, command_main
from workers.errors import BadArgument, IngestionError
from workers.redaction import redact, redact_url, secrets_in
from workers.settings import Settings, get_settings

INFRASTRUCTURE = ("postgres", "redis")  # a failure of these exits 4 (unreachable), of any other 1
SKIPPED, OFF = "skipped", "not configured"


@dataclass
class Check:
    name: str
    ok: bool | None  # None: skipped, or a source this deployment does not use (state says which)
    detail: str
    state: str = ""  # "ok", "failed", "not configured" or "skipped"
    data: dict | None = None  # a source's check: the licence its data is used under, and whom to credit

    def __post_init__(self) -> None:
        self.state = self.state or {True: "ok", False: "failed", None: SKIPPED}[self.ok]


def checks() -> tuple[str, ...]:
    """The checks in their order: the infrastructure's, one per source of the registry, the workers'."""
    from workers import sources

    return ("postgres", "indexes", "redis", *sources.names(), "workers")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--skip", default="", metavar="NAMES", help="comma-separated checks to leave out: "
                                                                    "postgres, indexes, redis, a source's name "
                                                                    "(openf1…), workers")
    parser.add_argument("--timeout", type=positive_seconds, default=3.0,
                        help="seconds each check may take (default 3)")
    parser.add_argument("--json", action="store_true", help="machine output")


def run(args: argparse.Namespace) -> int:
    from workers import sources

    skip = skipped(args.skip)
    settings = get_settings()
    probes: dict[str, Callable[[Settings, float], str]] = {
        "postgres": check_postgres, "indexes": check_indexes, "redis": check_redis, "workers": check_workers}
    results = [Check(n, None, "skipped") if n in skip
               else check_source(n, settings, args.timeout) if n in sources.names()
               else probe(n, probes[n], settings, args.timeout) for n in checks()]
    healthy = all(c.ok is not False for c in results)
    if args.json:
        print(json.dumps({"ok": healthy, "checks": [asdict(c) for c in results]}, indent=2))
    else:
        print("\n".join(f"{label(c):4}  {c.name:9}  {c.detail}" + (f" [data: {c.data['licence']}]" if c.data else "")
                        for c in results))
    if any(c.ok is False and c.name in INFRASTRUCTURE for c in results):
        return EXIT_UNREACHABLE
    return EXIT_OK if healthy else EXIT_FAILED


def skipped(value: str) -> set[str]:
    names = {n.strip() for n in value.split(",") if n.strip()}
    unknown = names - set(checks())
    if unknown:
        raise BadArgument(f"--skip takes {', '.join(checks())}; unknown: {', '.join(sorted(unknown))}")
    return names


def label(check: Check) -> str:
    return {"ok": "OK", "failed": "FAIL", OFF: "OFF", SKIPPED: "SKIP"}[check.state]


def probe(name: str, check: Callable[[Settings, float], str], settings: Settings, timeout: float) -> Check:
    """Run one check; its exception is the reason, with any password of the settings' URLs masked."""
    try:
        return Check(name, True, check(settings, timeout))
    except Exception as exc:  # noqa: BLE001  (a health check reports every failure, whatever its kind)
        return Check(name, False, reason(exc, settings))


def reason(exc: BaseException, settings: Settings) -> str:
    text = str(exc) if isinstance(exc, IngestionError) else f"{type(exc).__name__}: {exc}"
    return one_line(redact(text, known_secrets(settings)))


def check_source(name: str, settings: Settings, timeout: float) -> Check:
    """A source's own health check (`Source.health`), through the fleet's limit for it; the licence of its data."""
    from workers import sources
    from workers.pipeline.resources import fleet_limiter

    source = sources.get(name)
    about = source.attribution
    data = {"licence": about.licence.name, "licence_url": about.licence.url,
            "commercial_use": about.licence.commercial_use, "credit": about.credit}
    try:
        health = source.health(fleet_limiter(source), timeout)
    except Exception as exc:  # noqa: BLE001  (a health check reports every failure, whatever its kind)
        return Check(name, False, reason(exc, settings), data=data)
    detail = one_line(redact(health.detail, known_secrets(settings)))
    return Check(name, health.ok, detail, state=health.state, data=data)


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
