"""What a sync writes, as one hash: the racing tables' content (harness.tables.content_hash: natural keys and
values, no generated id) after syncing seasons of OpenF1 and Jolpica, and again after crawling series of The
Third Turn, each into an emptied database, with results, from the replays without a limit (two worker nodes).

A change that must not change behaviour (a refactor, a new source) leaves both hashes as they were; compare with
docs/performance.md. Prints the runs' outcomes, rows per table and the two hashes.

    .venv/bin/python bench/content.py [--years 2023 2024] [--series Wisconsin_Challenge_Series ...]

Uses its own database (parcferme_content_bench) and the benches' Redis DB; reads recordings/.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness.workers import broker_url  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_CONTENT_DATABASE_URL",
                              "postgresql://parcferme:localdev@localhost:5432/parcferme_content_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL") or broker_url("bench")
os.environ.update(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL)

import psycopg  # noqa: E402

from harness.runs import client_app, wait_for_run  # noqa: E402
from harness.tables import content_hash, empty_tables, snapshot  # noqa: E402
from harness.workers import worker_nodes  # noqa: E402
from ingestion.send import enqueue, season_call, series_call  # noqa: E402
from workers.db.schema import migrate  # noqa: E402

SERIES = ["Wisconsin_Challenge_Series", "Custom_Windows_Plus_Badger_Mod_Tour_presented_by_Gandrud_Chevrolet"]


def run_all(app, calls: list) -> list[dict]:
    """Each call sent at once with results, as the command line sends it (its run recorded first); each followed
    to its end."""
    runs = [enqueue(app, call, True) for call in calls]
    return [wait_for_run(DATABASE_URL, run_id, 1800) for run_id in runs]


def report(label: str, runs: list[dict]) -> None:
    with psycopg.connect(DATABASE_URL) as conn:
        rows = {table: len(found) for table, found in snapshot(conn).items()}
        digest = content_hash(conn)
    print(f"{label}: runs {[r['status'] for r in runs]}, rows {rows}")
    print(f"{label}: content hash {digest}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, nargs="*", default=[2023, 2024])
    parser.add_argument("--series", nargs="*", default=SERIES)
    args = parser.parse_args()
    from jolpica_replay import JolpicaReplayServer
    from openf1_replay import ReplayServer
    from thirdturn_replay import ThirdTurnReplayServer

    migrate(DATABASE_URL)
    log_dir = Path(os.environ.get("BENCH_LOG_DIR", "/tmp/parcferme-content-bench")) / uuid.uuid4().hex[:6]
    log_dir.mkdir(parents=True, exist_ok=True)
    recordings = REPO / "recordings"
    with ReplayServer(data_dir=str(recordings / "openf1"), port=0) as openf1, \
            JolpicaReplayServer(data_dir=str(recordings / "jolpica"), port=0, rate_limit=None) as jolpica, \
            ThirdTurnReplayServer(data_dir=str(recordings / "thethirdturn"), port=0, rate_limit=None) as wiki, \
            worker_nodes(REDIS_URL, DATABASE_URL, log_dir, OPENF1_RATE_LIMIT="off", JOLPICA_RATE_LIMIT="off",
                         THIRDTURN_RATE_LIMIT="off", JOLPICA_BASE_URL=jolpica.base_url,
                         THIRDTURN_BASE_URL=wiki.base_url, THIRDTURN_CONTACT="bench@parcferme.invalid") as start:
        start(openf1.base_url, 2, concurrency=1)
        app = client_app(REDIS_URL)
        if args.years:
            empty_tables(DATABASE_URL)
            report(f"seasons {' '.join(map(str, args.years))}",
                   run_all(app, [season_call("season", y) for y in args.years]))
        if args.series:
            empty_tables(DATABASE_URL)
            report(f"series {', '.join(s[:24] for s in args.series)}",
                   run_all(app, [series_call(s) for s in args.series]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
