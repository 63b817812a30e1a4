"""Benchmark: series of The Third Turn crawled from the wiki replay under the wiki's polite limit, time-scaled.

Starts the wiki replay with its `1/5second` limit at `--scale` times the speed (1 or 5: `limits` takes whole
seconds, so scale 5 is one page a second), sets the same pace in THIRDTURN_RATE_LIMIT, then crawls each series
(`sync_series`, with results) through `--workers` single-process worker nodes sharing that limit. Prints per
series: requests (robots.txt, hub, season and race pages), pages answered 404, 429s, wall against the least
time the limit allows, rows per table, quarantined records by reason; then a re-crawl (0 requests: every page
landed is young enough) and a refreshing re-crawl (every page asked again, 0 rows written: unchanged pages);
and how many pages per second this machine parses (every landed page, in-process).

    .venv/bin/python bench/series.py [--workers 2] [--scale 5] [--series Wisconsin_Challenge_Series ...]

Uses its own database (parcferme_series_bench) and the benches' Redis DB; reads recordings/thethirdturn.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness.workers import broker_url  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_SERIES_DATABASE_URL",
                              "postgresql://parcferme:localdev@localhost:5432/parcferme_series_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL") or broker_url("bench")
FAST = {"REDIS_VISIBILITY_TIMEOUT": "30", "TASK_MAX_RETRIES": "20"}
os.environ.update(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL, **FAST)

import psycopg  # noqa: E402

from ingestion.send import record_run, series_call  # noqa: E402
from harness.runs import client_app, wait_for_run  # noqa: E402
from harness.tables import empty_tables  # noqa: E402
from harness.workers import worker_nodes  # noqa: E402
from thirdturn_replay import ThirdTurnReplayServer, load_pages  # noqa: E402
from workers.db.schema import migrate  # noqa: E402
from workers.ratelimit import least_time, parse_rates  # noqa: E402

SERIES = ["Wisconsin_Challenge_Series", "Custom_Windows_Plus_Badger_Mod_Tour_presented_by_Gandrud_Chevrolet",
          "NASCAR_Cup_Series_Central:1949"]
TABLES = ("Series", "Seasons", "Circuits", "Rounds", "Sessions", "Drivers", "Teams", "Entrants", "Results")


def crawl(app, series: str, refresh: bool = False) -> dict:
    """One sync_series, recorded first as the command line does, followed to its end."""
    title, _, season = series.partition(":")
    options = {"include_results": True, "season": int(season) if season else None,
               **({"refresh": True} if refresh else {})}
    run_id = str(uuid.uuid4())
    record_run(run_id, series_call(title), options)
    app.send_task("sync_series", args=[title], kwargs=options, task_id=run_id)
    return wait_for_run(DATABASE_URL, run_id, 3600)


def rows(conn: psycopg.Connection) -> dict[str, int]:
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES}


def parse_speed(conn: psycopg.Connection) -> str:
    """Every landed page parsed again in this process as its kind: the hub (landed for no season), a season page
    (`…_Central`), a race page."""
    from workers.sources.thirdturn import pages

    landed = conn.execute('SELECT "Request", "Body", "Season" FROM "LandedAnswers" WHERE "Source" = \'thirdturn\' '
                          'AND "Status" = 200').fetchall()
    started = time.perf_counter()
    for request, body, season in landed:
        title = request.removeprefix("wiki/")
        kind = pages.parse_hub if season is None else pages.parse_season if title.endswith("_Central") else \
            pages.parse_race
        kind(body, title)
    took = time.perf_counter() - started
    size = sum(len(body) for _, body, _ in landed) / took / 1e6
    return f"{len(landed)} pages parsed in {took:.2f} s: {len(landed) / took:.0f} pages/s ({size:.1f} MB/s)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", nargs="*", default=SERIES, help="hub titles, `TITLE:YEAR` for one season")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=int, default=5, choices=(1, 5))
    parser.add_argument("--data-dir", default=os.environ.get("THIRDTURN_REPLAY_DIR",
                                                             str(REPO / "recordings" / "thethirdturn")))
    args = parser.parse_args()

    client_limit = "1/5second" if args.scale == 1 else "1/second"
    rates = parse_rates(client_limit)
    migrate(DATABASE_URL)
    empty_tables(DATABASE_URL)
    log_dir = Path(os.environ.get("BENCH_LOG_DIR", "/tmp/parcferme-series-bench")) / uuid.uuid4().hex[:6]
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"replay limit 1/5second at scale {args.scale}, THIRDTURN_RATE_LIMIT={client_limit!r}; "
          f"{args.workers} worker process(es)")
    from openf1_replay import ReplayServer

    wiki_pages = load_pages(args.data_dir)
    with ThirdTurnReplayServer(pages=wiki_pages, rate_limit="1/5second", time_scale=args.scale) as wiki, \
            ReplayServer(port=0) as openf1, \
            worker_nodes(REDIS_URL, DATABASE_URL, log_dir, THIRDTURN_RATE_LIMIT=client_limit,
                         THIRDTURN_CONTACT="bench@parcferme.example", **FAST) as start:
        start(openf1.base_url, args.workers, concurrency=1, THIRDTURN_BASE_URL=wiki.base_url)
        app = client_app(REDIS_URL)
        for series in args.series:
            with psycopg.connect(DATABASE_URL) as conn:
                before = rows(conn)
            wiki.reset()
            started = time.monotonic()
            run = crawl(app, series)
            wall = time.monotonic() - started
            stats = wiki.stats()
            asked = [e["path"] for e in stats["log"]]
            print(f"\n{series}: {run['status']}, {run['rounds_done']}/{run['rounds_total']} rounds, "
                  f"{stats['total']} requests (robots.txt {asked.count('/robots.txt')}, pages "
                  f"{sum(p.startswith('/wiki/') for p in asked)}, 404 {stats['by_status'].get('404', 0)}), "
                  f"{stats['throttled']} answered 429, disallowed {stats['disallowed']}")
            least = least_time(stats["total"], rates)
            print(f"  wall {wall:.1f} s, least the limit allows {least:.1f} s (ratio {wall / max(least, 1e-9):.3f})")
            with psycopg.connect(DATABASE_URL) as conn:
                after = rows(conn)
                print("  rows added: " + ", ".join(f"{t} {after[t] - before[t]}" for t in TABLES))
                for reason, n in conn.execute(
                        'SELECT regexp_replace("Reason", \'[0-9]+\', \'N\', \'g\'), count(*) FROM "QuarantinedRecords" '
                        'WHERE "RunId" = %s GROUP BY 1 ORDER BY 2 DESC', [run["id"]]).fetchall():
                    print(f"  quarantined {n}: {reason[:110]}")
            wiki.reset()
            again = crawl(app, series)
            refreshed = crawl(app, series, refresh=True)
            print(f"  re-crawl: {again['requests']} requests, {again['rows_written']} rows written; with --refresh: "
                  f"{refreshed['requests']} requests, {refreshed['rows_written']} rows written")
        with psycopg.connect(DATABASE_URL) as conn:
            print("\nrows in all: " + ", ".join(f"{t} {n}" for t, n in rows(conn).items()))
            print(parse_speed(conn))
            from workers import sources
            from workers.db.audit import audit

            findings = audit(conn, sources.audit_rules())
            for severity in ("defect", "notice"):
                found = [f for f in findings if f.severity == severity]
                print(f"audit: {sum(len(f.items) for f in found)} {severity}(s)" +
                      "".join(f"\n  {f.check}: {len(f.items)}" for f in found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
