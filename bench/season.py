"""Benchmark: a full season sync against a production-like, time-scaled OpenF1 limit.

Starts the replay server with a sliding-window limit (default 30 requests per 10 s, the open-source OpenF1
server's own), sets the same limit in OPENF1_RATE_LIMIT, syncs a season with results through Celery with
1 worker process and then with 4 worker processes (separate nodes sharing the fleet limit), and prints for
each: requests made, 429s received, wall time, the least time the limit allows for that many requests and
the ratio of the two. Then, with the limit off, the same sync through Celery and through a plain
single-process loop over the same `workers/` functions.

    .venv/bin/python bench/season.py [--year 2024] [--limit 30/10s] [--workers 1 4]

Uses its own database (parcferme_bench) and Redis DB 11; needs PostgreSQL, Redis and ../shared/openf1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.support import broker_url  # noqa: E402  (the bench's Redis DB is in the tests' table)

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://parcferme:localdev@localhost:5432/parcferme_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL") or broker_url("bench")
os.environ.update(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL, OPENF1_RATE_LIMIT="off")

import redis  # noqa: E402

from openf1_replay import ReplayServer, max_in_window, parse_rate_limit  # noqa: E402
from tests.support import Worker, client_app, empty_tables, send, wait_for_run  # noqa: E402
from workers.db.schema import migrate  # noqa: E402


def least_time(requests: int, rates: list[tuple[int, float]]) -> float:
    """When the last of `requests` can go at the earliest under sliding windows (the first goes at 0)."""
    times: list[float] = []
    for k in range(requests):
        times.append(max([0.0] + [times[k - limit] + period for limit, period in rates if k >= limit]))
    return times[-1] if times else 0.0


def clean(database_url: str) -> None:
    empty_tables(database_url)
    redis.Redis.from_url(REDIS_URL).flushdb()


def celery_sync(replay: ReplayServer, year: int, processes: int, limit: str, log_dir: Path) -> dict:
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
        run_id = send(client_app(REDIS_URL), "sync_season", year, include_results=True)
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
    from workers import pipeline

    started = time.monotonic()
    now = pipeline.utcnow()
    plan = pipeline.plan_season(str(uuid.uuid4()), year, True, now)
    for key in plan.meeting_keys:
        pipeline.sync_sessions(plan.run_id, key, now)
        pipeline.sync_entrants(plan.run_id, key)
        pipeline.sync_results(plan.run_id, key)
        pipeline.finish_meeting(plan.run_id, key)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--limit", default="30/10s", help="server limit (replay notation N/PERIOD)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the limit-off comparison")
    parser.add_argument("--data-dir", default=os.environ.get("OPENF1_REPLAY_DIR", str(REPO.parent / "shared" / "openf1")))
    args = parser.parse_args()

    rules = parse_rate_limit(args.limit)
    rates = [(r.limit, r.period) for r in rules]
    client_limit = ";".join(f"{limit}/{period:g} seconds" for limit, period in rates)
    migrate(DATABASE_URL)
    log_dir = Path(os.environ.get("BENCH_LOG_DIR", "/tmp/parcferme-bench"))
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"season {args.year} with results; server limit {args.limit}, OPENF1_RATE_LIMIT={client_limit!r}")
    print(f"{'processes':>9} {'requests':>8} {'429s':>5} {'throttles':>9} {'max/window':>10} {'wall s':>7} "
          f"{'least s':>7} {'ratio':>6}")
    with ReplayServer(data_dir=args.data_dir, port=0, rate_limit=args.limit) as replay:
        for processes in args.workers:
            outcome = celery_sync(replay, args.year, processes, client_limit, log_dir)
            stats, run = outcome["stats"], outcome["run"]
            accepted = [e["t"] for e in stats["log"] if e["status"] != 429]
            worst = ",".join(f"{max_in_window(accepted, period)}/{limit}" for limit, period in rates)
            least = least_time(stats["requests"], rates)
            print(f"{processes:>9} {stats['requests']:>8} {stats['rejected']:>5} {outcome['throttles']:>9} "
                  f"{worst:>10} {outcome['wall']:>7.2f} {least:>7.2f} {outcome['wall'] / least:>6.3f}"
                  f"  [{run['status']}, {run['meetings_done']}/{run['meetings_total']} meetings]")

        replay.set_rate_limit(None)
        rounds = {"celery, 1 process": [], "celery, 2 processes": [], "plain loop": []}
        for _ in range(args.repeat):  # alternated and repeated: commit latency on this disk varies
            rounds["celery, 1 process"].append(celery_sync(replay, args.year, 1, "off", log_dir)["wall"])
            rounds["celery, 2 processes"].append(celery_sync(replay, args.year, 2, "off", log_dir)["wall"])
            rounds["plain loop"].append(loop_sync(replay, args.year))
    medians = {name: statistics.median(walls) for name, walls in rounds.items()}
    loop = medians["plain loop"]
    print(f"limit off, median of {args.repeat} (wall s): " + ", ".join(f"{n} {w:.2f}" for n, w in medians.items()))
    print(f"celery/loop ratio: 2 processes {medians['celery, 2 processes'] / loop:.2f}, "
          f"1 process {medians['celery, 1 process'] / loop:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
