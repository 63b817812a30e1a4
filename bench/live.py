"""Benchmark: a live weekend followed by real workers and beat while a history backfill runs on the same workers.

The OpenF1 replay serves the 2024 Belgian GP as happening now (its live mode, scenario `belgium-2024`: the Dutch
GP called off during Practice 1, the Italian GP's race moved three hours between Practice 2 and 3, the race's
results corrected from OpenF1's earlier state after their publication), squeezed to sessions of `--session`
seconds, with OpenF1's free-tier limit (3/second;30/minute, the same in OPENF1_RATE_LIMIT). `--workers` plain
worker nodes of `--concurrency` processes (every queue, urgent first) and one beat follow it with the FOLLOW_*
settings given, after an initial sync of the season, while `--backfill` seasons of history (with results, one
sync_season each, as `bulk_sync` sends them, queued before the weekend starts) run on them from the Jolpica replay
under `--jolpica-limit`. Prints, per session, the seconds from its start and end to InProgress and Completed and
from its results' publication to the database; per scripted change, from upstream to the database; the requests
made, 401s and 429s; and how far the backfill got.

    .venv/bin/python bench/live.py [--session 60] [--gap 30] [--publish-after 10] [--tick 2] [--calendar-every 15]
                                   [--results-every 5] [--corrections-at 30,90] [--backfill 1950-1985]

Uses its own database (parcferme_live_bench) and the benches' Redis DB.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness.workers import broker_url  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_LIVE_DATABASE_URL",
                              "postgresql://parcferme:localdev@localhost:5432/parcferme_live_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL") or broker_url("bench")
os.environ.update(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL)

import psycopg  # noqa: E402

from jolpica_replay import JolpicaReplayServer  # noqa: E402
from openf1_replay import ReplayServer  # noqa: E402
from harness.live_weekend import follow_env, measure, squeezed, table, weekend_over  # noqa: E402
from harness.runs import client_app, send, wait_for_run  # noqa: E402
from harness.tables import empty_tables  # noqa: E402
from harness.workers import Beat, worker_nodes  # noqa: E402
from workers.db.schema import migrate  # noqa: E402

FREE_TIER = ("3/second;30/minute", "3/second;30/minute")


def backfill_years(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1)) if text else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--session", type=float, default=60.0, help="seconds a session lasts")
    parser.add_argument("--gap", type=float, default=30.0, help="seconds between two sessions")
    parser.add_argument("--publish-after", type=float, default=10.0, help="seconds from a session's end to its results")
    parser.add_argument("--starts-in", type=float, default=40.0,
                        help="seconds from the replay's start to the weekend's")
    parser.add_argument("--tick", type=float, default=2.0)
    parser.add_argument("--calendar-every", type=float, default=15.0)
    parser.add_argument("--results-every", type=float, default=5.0)
    parser.add_argument("--corrections-at", default="30,90")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--backfill", default="1950-1985", help="seasons of history synced meanwhile ('' for none)")
    parser.add_argument("--jolpica-limit", default="4/1s;100/30s", help="the Jolpica replay's limit (and the fleet's)")
    parser.add_argument("--openf1-dir", default=str(REPO / "recordings" / "openf1"))
    parser.add_argument("--jolpica-dir", default=str(REPO / "recordings" / "jolpica"))
    args = parser.parse_args()

    migrate(DATABASE_URL)
    empty_tables(DATABASE_URL)
    env = follow_env(args.tick, args.calendar_every, args.results_every, args.corrections_at)
    jolpica_client = ";".join(f"{n}/{p.rstrip('s')} seconds" for n, p in
                              (rule.split("/") for rule in args.jolpica_limit.split(";")))
    log_dir = Path(os.environ.get("BENCH_LOG_DIR", "/tmp/parcferme-live-bench")) / uuid.uuid4().hex[:6]
    log_dir.mkdir(parents=True, exist_ok=True)
    weekend = squeezed(args.starts_in, args.session, args.gap, args.publish_after)
    print(f"live weekend: sessions of {args.session:g}s, {args.gap:g}s apart, results {args.publish_after:g}s after; "
          f"FOLLOW_TICK={args.tick:g} FOLLOW_CALENDAR_EVERY={args.calendar_every:g} "
          f"FOLLOW_RESULTS_EVERY={args.results_every:g} FOLLOW_CORRECTIONS_AT={args.corrections_at}; "
          f"{args.workers} worker(s) of {args.concurrency} process(es) and beat; backfill {args.backfill or 'none'} "
          f"under {args.jolpica_limit}; logs in {log_dir}")
    with ReplayServer(data_dir=args.openf1_dir, port=0, live=weekend, rate_limit=FREE_TIER[0]) as openf1, \
            JolpicaReplayServer(data_dir=args.jolpica_dir, port=0, rate_limit=args.jolpica_limit) as jolpica, \
            worker_nodes(REDIS_URL, DATABASE_URL, log_dir, **env, OPENF1_RATE_LIMIT=FREE_TIER[1],
                         JOLPICA_RATE_LIMIT=jolpica_client) as start:
        start(openf1.base_url, args.workers, concurrency=args.concurrency, JOLPICA_BASE_URL=jolpica.base_url)
        app = client_app(REDIS_URL)
        timeline = openf1.live_timeline()
        initial = wait_for_run(DATABASE_URL, send(app, "sync_season", timeline["year"]), 120)
        print(f"initial sync of {timeline['year']}: {initial['status']}, {initial['rounds_total']} rounds, "
              f"{initial['requests']} requests")
        history = [send(app, "sync_season", year, include_results=True) for year in backfill_years(args.backfill)]
        beat = Beat(log_dir / "beat.log", {**os.environ, **env, "REDIS_URL": REDIS_URL, "DATABASE_URL": DATABASE_URL,
                                           "OPENF1_BASE_URL": openf1.base_url, "OPENF1_RATE_LIMIT": FREE_TIER[1]})
        try:
            over = weekend_over(timeline, args.corrections_at, 10)
            print(f"t0 {timeline['t0']}; the weekend and its corrections are over at {over:%H:%M:%S}")
            while datetime.now(timezone.utc) < over:
                time.sleep(1)
        finally:
            beat.stop()
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            figures = measure(conn, openf1.live_timeline())
            done = conn.execute('SELECT count(*) FILTER (WHERE r."Status" <> \'running\'), count(*), '
                                'coalesce(sum(m.done), 0) FROM "SyncRuns" r CROSS JOIN LATERAL (SELECT count(*) '
                                'FILTER (WHERE "Status" = \'done\') AS done FROM "SyncRunRounds" '
                                'WHERE "RunId" = r."Id") m '
                                'WHERE r."Id" = ANY(%s::uuid[])', [history]).fetchone()
            kinds = conn.execute('SELECT "Kind", count(*) FROM "SyncRuns" GROUP BY 1 ORDER BY 1').fetchall()
        stats = openf1.stats()
        print(table(figures))
        answered = [e["status"] for e in stats["log"]]
        print(f"OpenF1: {stats['requests']} requests answered, {answered.count(401)} answered 401, "
              f"{stats['rejected']} answered 429; by endpoint {stats['by_endpoint']}")
        print(f"runs by kind: {dict(kinds)}; backfill: {done[0]}/{done[1]} seasons ended, {done[2]} rounds done, "
              f"Jolpica {jolpica.stats()['requests']} requests, {jolpica.stats()['rejected']} answered 429")
        print(f"change rows' keys: {sorted(figures.change_keys)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
