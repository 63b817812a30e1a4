"""Benchmark: season syncs against OpenF1's limit, time-scaled, and Celery against a plain loop.

Starts the replay server with OpenF1's free-tier limit (default `3/second;30/minute`) scaled in time by
`--scale S`: every period is divided by S, so a run is S times quicker and keeps the limit's shape. The
workers' OPENF1_RATE_LIMIT (the `limits` notation, whole seconds only) gets the same rules; a period that
S does not divide into whole seconds is written as the same rate over the next whole number of seconds
(3/second at S=6 is 18 per 1 second, not 3 per 1/6 s), and both server and client use that form. For each
year, mode (with or without results) and number of worker processes (separate single-process nodes
sharing the fleet limit), one row: requests made, 429s, throttles, the most requests in any window of
each rate, wall time, the least time the limit allows for those requests and the ratio of the two. Then,
with the limit off, `--off-year` with results through Celery and through a plain single-process loop over
the same `workers/` functions (median of `--repeat` rounds; `--repeat 0` skips it).

    .venv/bin/python bench/season.py [--years 2023 2024] [--modes results no-results] [--workers 1 4]
                                     [--limit "3/second;30/minute"] [--scale 6] [--repeat 3]

Uses its own database (parcferme_bench, BENCH_DATABASE_URL) and its own Redis DB (REDIS_DB in harness/workers.py, or
BENCH_REDIS_URL), which it empties before each run; needs PostgreSQL and Redis; reads recordings/openf1
(`--data-dir`, OPENF1_REPLAY_DIR).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
import uuid
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from harness.workers import broker_url  # noqa: E402  (the bench's Redis DB is in the tests' table)

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://parcferme:localdev@localhost:5432/parcferme_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL") or broker_url("bench")
os.environ.update(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL, OPENF1_RATE_LIMIT="off")

import redis  # noqa: E402

from openf1_replay import ReplayServer, max_in_window, parse_rate_limit  # noqa: E402
from harness.runs import client_app, send, wait_for_run  # noqa: E402
from harness.tables import empty_tables  # noqa: E402
from harness.workers import Worker  # noqa: E402
from workers.db.schema import migrate  # noqa: E402

MODES = {"results": True, "no-results": False}


def least_time(requests: int, rates: list[tuple[int, float]]) -> float:
    """When the last of `requests` can go at the earliest under sliding windows (the first goes at 0)."""
    from workers.ratelimit import Rate
    from workers.ratelimit import least_time as least

    return least(requests, [Rate(limit, period) for limit, period in rates])


def scale_rate(limit: int, period: float, scale: int) -> tuple[int, int]:
    """`limit` per `period / scale` seconds, in whole seconds: the same rate over the next whole second count
    when the scaled period is not whole (3 per 1/6 s -> 18 per 1 s)."""
    scaled = Fraction(period).limit_denominator(1000) / scale
    seconds = max(1, math.ceil(scaled))
    count = limit * seconds / scaled
    if count.denominator != 1:
        raise SystemExit(f"--scale {scale}: {limit}/{period:g}s has no whole-second form; choose another scale")
    return int(count), seconds


def server_notation(rates: list[tuple[int, int]]) -> str:
    return ";".join(f"{limit}/{period}s" for limit, period in rates)


def client_notation(rates: list[tuple[int, int]]) -> str:
    return ";".join(f"{limit}/{period} seconds" for limit, period in rates)


def clean(database_url: str) -> None:
    empty_tables(database_url)
    redis.Redis.from_url(REDIS_URL).flushdb()


def celery_sync(replay: ReplayServer, year: int, results: bool, processes: int, limit: str, log_dir: Path) -> dict:
    """Sync through `processes` single-process worker nodes; wall time from send to the run's end."""
    clean(DATABASE_URL)
    stamp = uuid.uuid4().hex[:6]
    workers = [Worker(REDIS_URL, replay.base_url, DATABASE_URL, log_dir / f"worker-{processes}-{stamp}-{i}.log",
                      concurrency=1, extra_env={"OPENF1_RATE_LIMIT": limit}) for i in range(processes)]
    for w in workers:
        w.start()
    try:
        replay.reset()
        started = time.monotonic()
        run_id = send(client_app(REDIS_URL), "sync_season", year, include_results=results)
        run = wait_for_run(DATABASE_URL, run_id, 600, workers[0])
        wall = time.monotonic() - started
    finally:
        for w in workers:
            w.stop()
    throttles = sum(w.log().count(" throttled ") for w in workers)
    return {"run": run, "wall": wall, "stats": replay.stats(), "throttles": throttles}


def loop_sync(replay: ReplayServer, year: int) -> float:
    """The same sync as a plain loop in this process over the same workers/ functions."""
    clean(DATABASE_URL)
    os.environ["OPENF1_BASE_URL"] = replay.base_url
    from workers import sources
    from workers.pipeline import steps
    from workers.pipeline.dispatch import Selection, dispatch
    from workers.pipeline.resources import utcnow

    started = time.monotonic()
    now = utcnow()
    plan = dispatch(str(uuid.uuid4()), Selection("season", sources.for_season(year), (year,), True), now)
    for season, key in plan.rounds:
        steps.sync_sessions(plan.run_id, plan.source, season, key, now)
        steps.sync_entrants(plan.run_id, plan.source, season, key)
        steps.sync_results(plan.run_id, plan.source, season, key)
        steps.finish(plan.run_id, key)
    return time.monotonic() - started


HEADER = (f"{'year':>4} {'mode':>10} {'processes':>9} {'requests':>8} {'429s':>5} {'throttles':>9} "
          f"{'max/window':>10} {'wall s':>7} {'least s':>7} {'ratio':>6}")


def limited_row(outcome: dict, year: int, mode: str, processes: int, rates: list[tuple[int, int]]) -> str:
    """One table row: what the replay server saw against what the limit allows."""
    stats, run = outcome["stats"], outcome["run"]
    accepted = [e["t"] for e in stats["log"] if e["status"] != 429]
    worst = ",".join(f"{max_in_window(accepted, period)}/{limit}" for limit, period in rates)
    least = least_time(stats["requests"], rates)
    ratio = f"{outcome['wall'] / least:>6.3f}" if least else f"{'-':>6}"
    return (f"{year:>4} {mode:>10} {processes:>9} {stats['requests']:>8} {stats['rejected']:>5} "
            f"{outcome['throttles']:>9} {worst:>10} {outcome['wall']:>7.2f} {least:>7.2f} {ratio}"
            f"  [{run['status']}, {run['rounds_done']}/{run['rounds_total']} rounds]")


def limit_off(replay: ReplayServer, year: int, repeat: int, log_dir: Path) -> None:
    """Celery with 1 and 2 processes against the plain loop, the limit off, median of `repeat` rounds."""
    replay.set_rate_limit(None)
    rounds: dict[str, list[float]] = {"celery, 1 process": [], "celery, 2 processes": [], "plain loop": []}
    for _ in range(repeat):  # alternated and repeated: commit latency on this disk varies
        rounds["celery, 1 process"].append(celery_sync(replay, year, True, 1, "off", log_dir)["wall"])
        rounds["celery, 2 processes"].append(celery_sync(replay, year, True, 2, "off", log_dir)["wall"])
        rounds["plain loop"].append(loop_sync(replay, year))
    medians = {name: statistics.median(walls) for name, walls in rounds.items()}
    loop = medians["plain loop"]
    print(f"limit off, {year} with results, median of {repeat} (wall s): "
          + ", ".join(f"{n} {w:.2f}" for n, w in medians.items()))
    print(f"celery/loop ratio: 2 processes {medians['celery, 2 processes'] / loop:.2f}, "
          f"1 process {medians['celery, 1 process'] / loop:.2f}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, nargs="+", default=[2023, 2024])
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=list(MODES))
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4], help="worker processes per run")
    parser.add_argument("--limit", default="3/second;30/minute", help="unscaled server limit (replay notation)")
    parser.add_argument("--scale", type=int, default=6, help="divide every period of the limit by this")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the limit-off comparison (0: none)")
    parser.add_argument("--off-year", type=int, default=2024, help="season of the limit-off comparison")
    parser.add_argument("--data-dir", default=os.environ.get("OPENF1_REPLAY_DIR", str(REPO / "recordings" / "openf1")))
    args = parser.parse_args()
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    return args


def main() -> int:
    args = parse_args()
    rates = [scale_rate(rule.limit, rule.period, args.scale) for rule in parse_rate_limit(args.limit)]
    migrate(DATABASE_URL)
    log_dir = Path(os.environ.get("BENCH_LOG_DIR", "/tmp/parcferme-bench"))
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"limit {args.limit} scaled 1/{args.scale}: server {server_notation(rates)}, "
          f"OPENF1_RATE_LIMIT={client_notation(rates)!r}")
    print(HEADER)
    with ReplayServer(data_dir=args.data_dir, port=0, rate_limit=server_notation(rates)) as replay:
        for year in args.years:
            for mode in args.modes:
                for processes in args.workers:
                    outcome = celery_sync(replay, year, MODES[mode], processes, client_notation(rates), log_dir)
                    print(limited_row(outcome, year, mode, processes, rates), flush=True)
        if args.repeat > 0:
            limit_off(replay, args.off_year, args.repeat, log_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
