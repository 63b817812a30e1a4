"""`python -m ingestion sync --year Y | --recent N [--no-results]`: enqueue a run and follow it to the end."""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import datetime, timezone

from workers.errors import BadArgument, IngestionError
from workers.settings import SettingsError

EXIT_FAILED, EXIT_USAGE, EXIT_NO_WORKER = 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ingestion", description="Parc Fermé ingestion workers")
    sub = parser.add_subparsers(dest="command", required=True)
    sync = sub.add_parser("sync", help="sync a season or the recent meetings, and wait for the run to finish")
    which = sync.add_mutually_exclusive_group(required=True)
    which.add_argument("--year", help="season to sync (2023 onwards)")
    which.add_argument("--recent", type=int, metavar="DAYS", help="meetings of the last DAYS days")
    results = sync.add_mutually_exclusive_group()
    results.add_argument("--no-results", dest="include_results", action="store_false", default=None,
                         help="no session_result / starting_grid request, no Results row (spoiler-free)")
    results.add_argument("--results", dest="include_results", action="store_true",
                         help="include results even for the current season")
    sync.add_argument("--timeout", type=float, default=None, help="stop following after this many seconds")
    sync.add_argument("--poll", type=float, default=1.0, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return sync(args)
    except (SettingsError, BadArgument) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except IngestionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED


def sync(args: argparse.Namespace) -> int:
    from workers import pipeline  # settings are read here, after argparse answered --help

    if args.year is not None:
        task_name, task_args = "sync_season", [pipeline.validate_year(args.year)]
    else:
        task_name, task_args = "sync_recent", [pipeline.validate_days(args.recent)]
    pipeline.ensure_schema()
    from tasks import app

    if not app.control.ping(timeout=2.0):
        print("error: no Celery worker answered within 2 s; start one with:\n"
              "  celery -A tasks worker --loglevel=INFO", file=sys.stderr)
        return EXIT_NO_WORKER
    run_id = str(uuid.uuid4())
    app.send_task(task_name, args=task_args, kwargs={"include_results": args.include_results}, task_id=run_id)
    print(f"{task_name}{tuple(task_args)} queued as run {run_id}", flush=True)
    return follow(run_id, args.timeout, args.poll)


def follow(run_id: str, timeout: float | None, poll: float) -> int:
    """Print progress (counts only, never a result value) until the run ends; exit 0 only if it succeeded."""
    from workers import pipeline

    started, last = time.monotonic(), None
    try:
        while timeout is None or time.monotonic() - started < timeout:
            run = pipeline.run_status(run_id)
            line = progress_line(run, time.monotonic() - started)
            if line != last:
                print(line, flush=True)
                last = line
            if run and run["status"] != "running":
                return 0 if run["status"] == "succeeded" else EXIT_FAILED
            time.sleep(poll)
    except KeyboardInterrupt:
        print(f"\nstopped following; the run goes on. Its state is in \"SyncRuns\" (Id = {run_id}).")
        return 130
    print(f"gave up following after {timeout:.0f}s; the run goes on (Id = {run_id})", file=sys.stderr)
    return EXIT_FAILED


def progress_line(run: dict | None, elapsed: float) -> str:
    if run is None:
        return "waiting for a worker to start the run…"
    total = run["meetings_total"]
    head = f"[{run['status']}] meetings {run['meetings_done']}/{total if total is not None else '?'}"
    tail = (f", {run['meetings_failed']} failed, {run['requests']} requests, {run['rows_written']} rows written, "
            f"{run['quarantined']} quarantined")
    if run["status"] != "running":
        tail += f", {_duration(run)}"
        if run["error"]:
            tail += f" — {run['error']}"
    return head + tail


def _duration(run: dict) -> str:
    end = run["finished_at"] or datetime.now(timezone.utc)
    return f"took {(end - run['started_at']).total_seconds():.1f}s"


if __name__ == "__main__":
    sys.exit(main())
