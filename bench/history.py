"""Benchmark: the whole Formula 1 history (1950–2022) from the Jolpica replay under Jolpica's limits, time-scaled.

Starts the Jolpica replay with `4/second;500/hour` at `--scale` times the speed (written in whole seconds, as
both `limits` and the replay take them: scale 2 is 8 per second and 500 per 1800 s, the same shape twice as
fast), sets the same limit in JOLPICA_RATE_LIMIT, then syncs every season without results and again with them,
as `bulk_sync --all --no-results` then `--results` would (one sync_season per year, all sent at once; with
`--with-results-only`, once with results, as `bulk_sync --all` does by default for seasons that have ended), through
`--workers` single-process worker nodes sharing the fleet limit. Prints per phase and in all: requests, 429s,
wall, the least time the limit allows for those requests, rows per table, quarantined records by reason, what the
bridge matched; then a second complete run's requests (0: every landed answer is younger than
JOLPICA_REFRESH_AFTER). `--interrupt kill` SIGKILLs one worker node mid-way (another takes its tasks back after
the visibility timeout), `--interrupt flush` empties Redis mid-way (the resume sweep sends the lost rounds and
dispatchers again); both end compared with an uninterrupted run's content hash (`--expect HASH`).

    .venv/bin/python bench/history.py [--first 1950] [--last 2022] [--workers 1] [--scale 2 | --limit 4/1s;100/30s]
                                      [--interrupt kill]

Uses its own database (parcferme_history_bench) and the benches' Redis DB; reads recordings/jolpica.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness.workers import broker_url  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_HISTORY_DATABASE_URL",
                              "postgresql://parcferme:localdev@localhost:5432/parcferme_history_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL") or broker_url("bench")
# With --interrupt only: a message a killed worker held comes back after 10 s, and a round is lost after 12 s
# without progress (instead of an hour and two), so the recovery is measured in seconds. Without it the workers run
# with the defaults, as a deployment does.
FAST = {"REDIS_VISIBILITY_TIMEOUT": "10", "RESUME_STALLED_AFTER": "12", "TASK_MAX_RETRIES": "20"}
os.environ.update(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL)

import psycopg  # noqa: E402
import redis  # noqa: E402

from jolpica_replay import JolpicaReplayServer  # noqa: E402
from ingestion.send import record_run, season_call  # noqa: E402
from harness.runs import client_app, wait_for_run  # noqa: E402
from harness.tables import content_hash, empty_tables  # noqa: E402
from harness.workers import worker_nodes  # noqa: E402
from workers.db.schema import migrate  # noqa: E402
from workers.ratelimit import least_time, parse_rates  # noqa: E402


def scaled_limits(scale: int) -> tuple[str, str]:
    """(replay notation, limits notation) of 4/second;500/hour at `scale` times the speed, in whole seconds."""
    per_second, hour = 4 * scale, 3600 // scale
    return f"{per_second}/1s;500/{hour}s", f"{per_second}/1 second;500/{hour} seconds"


def given_limits(spec: str) -> tuple[str, str]:
    """(replay notation, limits notation) of a limit given as `N/Ps;M/Qs` (whole seconds), e.g. `4/1s;100/30s`:
    the same windows in the replay (fixed, as Jolpica's) and in JOLPICA_RATE_LIMIT (the fleet's)."""
    rules = [rule.strip() for rule in spec.split(";") if rule.strip()]
    client = []
    for rule in rules:
        count, _, period = rule.partition("/")
        if not (count.isdigit() and period.endswith("s") and period[:-1].isdigit()):
            raise SystemExit(f"--limit takes N/Ps rules separated by ';' (e.g. 4/1s;100/30s), got {rule!r}")
        client.append(f"{count}/{period[:-1]} seconds")
    return ";".join(rules), ";".join(client)


def sync_all(app, years: list[int], results: bool, timeout: float, interrupt=None) -> list[dict]:
    """One sync_season per year sent at once, each run recorded first, as `bulk_sync` does."""
    runs = [str(uuid.uuid4()) for _ in years]
    for run_id, year in zip(runs, years):
        record_run(run_id, season_call("season", year), {"include_results": results})
        app.send_task("sync_season", args=[year], kwargs={"include_results": results}, task_id=run_id)
    if interrupt:
        interrupt()
    return [wait_for_run(DATABASE_URL, run_id, timeout) for run_id in runs]


def sweeping(stop_after: float):
    """The resume sweep, as beat runs it, every second until the runs end (after a Redis that lost its data)."""
    import threading

    from tasks.resume import resume_stalled

    done = threading.Event()

    def loop() -> None:
        while not done.wait(1.0):
            resume_stalled()

    threading.Thread(target=loop, daemon=True).start()
    return done


def report(conn: psycopg.Connection) -> None:
    tables = ("Circuits", "Rounds", "Sessions", "Drivers", "Teams", "Entrants", "Results")
    counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    print("rows: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    for reason, n in conn.execute('SELECT regexp_replace("Reason", \'[0-9]+\', \'N\', \'g\'), count(*) FROM '
                                  '"QuarantinedRecords" GROUP BY 1 ORDER BY 2 DESC LIMIT 8').fetchall():
        print(f"quarantined {n}: {reason[:110]}")
    bridged = conn.execute('SELECT i."Kind", count(*) FROM "SourceIdentities" i WHERE i."Source" = \'jolpica\' AND '
                           'EXISTS (SELECT 1 FROM "SourceIdentities" o WHERE o."Source" = \'openf1\' AND '
                           'o."RowId" = i."RowId") GROUP BY 1 ORDER BY 1').fetchall()
    print("bridged to OpenF1 rows: " + (", ".join(f"{k} {n}" for k, n in bridged) or "none"))
    from workers import sources
    from workers.db.audit import audit

    findings = audit(conn, sources.audit_rules())
    for severity in ("defect", "notice"):
        items = [f for f in findings if f.severity == severity]
        print(f"audit: {sum(len(f.items) for f in items)} {severity}(s)" +
              "".join(f"\n  {f.check}: {len(f.items)}" for f in items))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--first", type=int, default=1950)
    parser.add_argument("--last", type=int, default=2022)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--scale", type=int, default=2, choices=(1, 2, 3, 4, 6, 12))
    parser.add_argument("--with-results-only", action="store_true",
                        help="one phase, with results (bulk_sync --all's default), instead of without then with")
    parser.add_argument("--per-second", action="store_true", help="also print the requests answered each second")
    parser.add_argument("--limit", default=None,
                        help="instead of --scale: the limit itself, N/Ps rules (e.g. 4/1s;100/30s)")
    parser.add_argument("--interrupt", choices=("kill", "flush"), default=None)
    parser.add_argument("--expect", default=None, help="content hash of an uninterrupted run, to compare with")
    parser.add_argument("--openf1", type=int, nargs="*", default=[],
                        help="OpenF1 seasons (from its replay) synced after history, with results: the bridge then "
                             "ties them")
    parser.add_argument("--openf1-dir",
                        default=os.environ.get("OPENF1_REPLAY_DIR", str(REPO / "recordings" / "openf1")))
    parser.add_argument("--data-dir",
                        default=os.environ.get("JOLPICA_REPLAY_DIR", str(REPO / "recordings" / "jolpica")))
    args = parser.parse_args()

    fast = FAST if args.interrupt else {}
    os.environ.update(fast)  # before the first look at the settings (the resume sweep's)
    server_limit, client_limit = given_limits(args.limit) if args.limit else scaled_limits(args.scale)
    migrate(DATABASE_URL)
    empty_tables(DATABASE_URL)
    years = list(range(args.first, args.last + 1))
    log_dir = Path(os.environ.get("BENCH_LOG_DIR", "/tmp/parcferme-history-bench")) / uuid.uuid4().hex[:6]
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"seasons {args.first}-{args.last}; replay limit {server_limit}, JOLPICA_RATE_LIMIT={client_limit!r}; "
          f"{args.workers} worker process(es); interrupt: {args.interrupt or 'none'}")
    from openf1_replay import ReplayServer

    with JolpicaReplayServer(data_dir=args.data_dir, port=0, rate_limit=server_limit) as replay, \
            ReplayServer(data_dir=args.openf1_dir, port=0) as openf1, \
            worker_nodes(REDIS_URL, DATABASE_URL, log_dir, JOLPICA_RATE_LIMIT=client_limit, OPENF1_RATE_LIMIT="off",
                         **fast) as start:
        nodes = start(openf1.base_url, args.workers, concurrency=1, JOLPICA_BASE_URL=replay.base_url)
        if args.interrupt == "kill" and args.workers < 2:
            nodes += start(openf1.base_url, 1, concurrency=1, JOLPICA_BASE_URL=replay.base_url)
        app = client_app(REDIS_URL)
        started = time.monotonic()
        phases = {}
        for results in (True,) if args.with_results_only else (False, True):
            interrupt = interrupter(args.interrupt, nodes) if results else None
            before, t0 = replay.stats()["requests"], time.monotonic()
            runs = sync_all(app, years, results, 3600, interrupt)
            phases["with results" if results else "without results"] = (
                replay.stats()["requests"] - before, time.monotonic() - t0, runs, t0 - started)
        total_wall = time.monotonic() - started
        stats = replay.stats()
        if args.openf1:
            synced = sync_all(app, args.openf1, True, 600)
            print(f"OpenF1 {args.openf1}: {[r['status'] for r in synced]}, {openf1.stats()['requests']} requests")
        rates = parse_rates(client_limit)
        for name, (requests, wall, runs, _) in phases.items():
            failed = [r["arguments"] for r in runs if r["status"] != "succeeded"]
            print(f"{name}: {requests} requests, {wall:.1f} s (least {least_time(requests, rates):.1f} s), "
                  f"{sum(r['rounds_done'] for r in runs)} rounds, failed runs {failed or 'none'}")
        print(f"in all: {stats['requests']} requests, {stats['rejected']} answered 429, wall {total_wall:.1f} s, "
              f"least the limit allows {least_time(stats['requests'], rates):.1f} s "
              f"(ratio {total_wall / max(least_time(stats['requests'], rates), 1e-9):.3f})")
        available = [at for requests, _, _, at in phases.values() for _ in range(requests)]
        least = least_time_from(available, rates)
        print(f"in all, each phase's requests asked no sooner than the phase began: least {least:.1f} s "
              f"(ratio {total_wall / max(least, 1e-9):.3f})")
        limiter = {name: int(redis.Redis.from_url(REDIS_URL).get(f"parcferme:jolpica:stats:{name}") or 0)
                   for name in ("throttled", "lost")}
        print(f"the fleet limiter: {limiter['throttled']} waits for a slot re-scheduled, {limiter['lost']} slots lost "
              "(their task came back after the slot's grace)")
        longest = max(replay.rate_limit, key=lambda rule: rule.period, default=None)
        if longest is not None:
            print(f"requests per window of the replay's {longest.limit}/{longest.period:g}s rule: "
                  f"{per_window(stats['log'], longest.period)}")
        if args.per_second:
            print(f"requests per second: {per_window(stats['log'], 1.0)}")
        with psycopg.connect(DATABASE_URL) as conn:
            report(conn)
            digest = content_hash(conn)
        print(f"content hash {digest}" + (f" ({'equal to' if digest == args.expect else 'DIFFERENT from'} the "
                                          f"uninterrupted run's)" if args.expect else ""))
        before = replay.stats()["requests"]
        again = sync_all(app, years, True, 600)
        written = sum(r["rows_written"] for r in again)
        print(f"second complete run: {replay.stats()['requests'] - before} requests, {written} rows written, "
              f"{sum(r['status'] == 'succeeded' for r in again)}/{len(again)} runs succeeded")
    return 0


def least_time_from(available: list[float], rates) -> float:
    """The least seconds requests take under sliding windows of these rates when each may go no sooner than its
    time in `available` (seconds from the start): the results phase asks nothing before the phase without results
    has ended."""
    times: list[float] = []
    for k, at in enumerate(sorted(available)):
        times.append(max([at] + [times[k - r.limit] + r.period for r in rates if k >= r.limit]))
    return times[-1] if times else 0.0


def per_window(log: list[dict], period: float) -> list[int]:
    """Requests the replay answered (not 429) in each fixed window of `period` seconds from its first request."""
    times = sorted(entry["t"] for entry in log if entry["status"] != 429)
    if not times:
        return []
    counts = [0] * (int((times[-1] - times[0]) // period) + 1)
    for t in times:
        counts[int((t - times[0]) // period)] += 1
    return counts


def interrupter(kind: str | None, nodes):
    """What happens mid-way through the results phase: a worker SIGKILLed, or Redis emptied."""
    if kind is None:
        return None

    def interrupt() -> None:
        time.sleep(10)
        if kind == "kill":
            os.killpg(nodes[0].process.pid, signal.SIGKILL)
            print("killed one worker node (SIGKILL) 10 s into the results phase")
        else:
            redis.Redis.from_url(REDIS_URL).flushdb()
            print("emptied Redis 10 s into the results phase; the resume sweep runs every second")
            sweeping(0)
    return interrupt


if __name__ == "__main__":
    sys.exit(main())
