"""Benchmark: what `python -m ingestion sync` adds to the duration of the run it follows.

Starts the replay server (no limit, no latency) and a real `celery -A tasks worker` (2 processes, fleet limit
off), then runs `python -m ingestion sync --year 2024 --no-results` as a subprocess several times, each on
emptied tables, and prints for each: the CLI's wall time (from starting the process to its exit), the run's
own duration (FinishedAt - StartedAt in "SyncRuns") and the overhead (their difference), split into what
came before the run started (start-up, imports, schema check, worker ping, send; "queued at" is when the
CLI printed the run id) and after it ended (noticing the end, exit). Then the median of each column, and the
wall time of `python -m ingestion sync --help`.

    .venv/bin/python bench/cli.py [--year 2024] [--repeat 5] [--repo PATH]

`--repo` measures the CLI of another checkout (e.g. an older commit unpacked with `git archive`) against the
same worker, replay server and database. Uses its own database (parcferme_clibench) and Redis DB 2;
needs PostgreSQL and Redis.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness.workers import broker_url  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_CLI_DATABASE_URL",
                              "postgresql://parcferme:localdev@localhost:5432/parcferme_clibench")
REDIS_URL = os.environ.get("BENCH_CLI_REDIS_URL") or broker_url("bench")  # the benches share one DB, never a test's
os.environ.update(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL, OPENF1_RATE_LIMIT="off")

import psycopg  # noqa: E402
import redis  # noqa: E402

from openf1_replay import ReplayServer  # noqa: E402
from harness.tables import empty_tables  # noqa: E402
from harness.workers import Worker  # noqa: E402
from workers.db.runs import get_run  # noqa: E402
from workers.db.schema import migrate  # noqa: E402

RUN_ID = re.compile(r"queued as run ([0-9a-f-]{36})")


def cli(repo: Path, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    """Run `python -m ingestion ARGS` in `repo` (stdout a pipe, as in CI); its wall time and outcome."""
    started = time.monotonic()
    outcome = subprocess.run([sys.executable, "-m", "ingestion", *args], cwd=repo, env=os.environ.copy(),
                             capture_output=True, text=True, timeout=300)
    return time.monotonic() - started, outcome


def timed_sync(repo: Path, year: int) -> tuple[dict[str, float], str]:
    """Run the sync; when it started, printed its run id and exited (epoch seconds: the run table's clock is
    this machine's), and the run id."""
    at = {"start": time.time()}
    process = subprocess.Popen([sys.executable, "-m", "ingestion", "sync", "--year", str(year), "--no-results"],
                               cwd=repo, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    run_id, out = None, []
    for line in process.stdout:
        out.append(line)
        if run_id is None and (found := RUN_ID.search(line)):
            at["queued"], run_id = time.time(), found.group(1)
    code = process.wait(timeout=300)
    at["exit"] = time.time()
    assert code == 0 and run_id, f"sync exited {code}:\n{''.join(out)}\n{process.stderr.read()}"
    return at, run_id


def one_sync(repo: Path, year: int) -> dict[str, float]:
    """One sync on emptied tables: CLI wall time, the run's own duration and what the CLI added, split into
    before the run started (start-up, imports, checks, ping, send) and after it ended (noticing it, exit)."""
    empty_tables(DATABASE_URL)
    at, run_id = timed_sync(repo, year)
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        run = get_run(conn, run_id)
    run_start, run_end = run["started_at"].timestamp(), run["finished_at"].timestamp()
    wall, own = at["exit"] - at["start"], run_end - run_start
    return {"wall": wall, "run": own, "overhead": wall - own, "queued": at["queued"] - at["start"],
            "before": run_start - at["start"], "after": at["exit"] - run_end}


def row(name: str, m: dict[str, float]) -> str:
    return (f"{name:>6} {m['wall']:>10.2f} {m['run']:>6.2f} {m['overhead']:>10.2f} {m['queued']:>9.2f} "
            f"{m['before']:>9.2f} {m['after']:>8.2f}")


def help_seconds(repo: Path, repeat: int) -> float:
    return statistics.median(cli(repo, "sync", "--help")[0] for _ in range(repeat))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout whose CLI is measured (default: this one)")
    parser.add_argument("--data-dir", default=os.environ.get("OPENF1_REPLAY_DIR", str(REPO / "recordings" / "openf1")))
    args = parser.parse_args()

    migrate(DATABASE_URL)
    redis.Redis.from_url(REDIS_URL).flushdb()
    log_dir = Path(os.environ.get("BENCH_LOG_DIR", "/tmp/parcferme-bench"))
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"CLI of {args.repo}: sync --year {args.year} --no-results, replay server without limit, one worker")
    with ReplayServer(data_dir=args.data_dir, port=0) as replay:
        worker = Worker(REDIS_URL, replay.base_url, DATABASE_URL, log_dir / "worker-cli.log")
        worker.start()
        try:
            print(f"{'#':>6} {'CLI wall s':>10} {'run s':>6} {'overhead s':>10} {'queued at':>9} "
                  f"{'run start':>9} {'end→exit':>8}")
            measured = [one_sync(args.repo, args.year) for _ in range(args.repeat)]
            for i, m in enumerate(measured, 1):
                print(row(str(i), m))
        finally:
            worker.stop()
    print(row("median", {key: statistics.median(m[key] for m in measured) for key in measured[0]}))
    print(f"`sync --help` wall, median of {args.repeat}: {help_seconds(args.repo, args.repeat):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
