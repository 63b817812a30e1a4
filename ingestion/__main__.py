"""`python -m ingestion sync | rebuild | follow | runs | resume | status | verify | healthcheck | record`: the
operators' commands.

`sync` enqueues a run and follows it to the end (with no argument: the current season, results only once
every meeting of it has ended, SPEC §3); every other command lives in its own module under `ingestion/` (also
runnable as `python -m ingestion.<command>`).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from typing import Any

from ingestion.follow import (EXIT_NO_WORKER, LONGEST_LOOK, add_results_flags, client_app, database, enqueue,
                              follow, run_command, worker_answers)

SYNC_DESCRIPTION = ("Send a sync to the workers and follow the run until it ends. With no --year, --recent or "
                    "--series: the current Formula 1 season, with results only once every meeting of it has ended "
                    "(SPEC §3), unless --results or --no-results says otherwise. --series crawls a series of The "
                    "Third Turn by its hub page's title (every season it lists, or --season).")
COMMANDS = ("runs", "resume", "status", "verify", "healthcheck", "record")  # modules of ingestion/, see add_command


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `chosen`, only that command's module is imported (see add_command)."""
    parser = argparse.ArgumentParser(prog="python -m ingestion", description="Parc Fermé ingestion workers")
    sub = parser.add_subparsers(dest="command", required=True)
    sync_parser = sub.add_parser("sync", help="sync the current season (or --year, --recent) and wait for the run "
                                              "to finish", description=SYNC_DESCRIPTION)
    which = sync_parser.add_mutually_exclusive_group()
    which.add_argument("--year", help="season to sync (2023 onwards; default: the current season)")
    which.add_argument("--recent", type=int, metavar="DAYS", help="rounds of the last DAYS days")
    which.add_argument("--series", metavar="HUB_TITLE",
                       help="a series of The Third Turn by its hub page (e.g. Wisconsin_Challenge_Series)")
    sync_parser.add_argument("--season", help="with --series: one season (a year, or 'latest'; default: every season "
                                              "the hub lists)")
    add_results_flags(sync_parser)
    sync_parser.add_argument("--timeout", type=float, default=None, help="stop following after this many seconds")
    sync_parser.add_argument("--poll", type=float, default=LONGEST_LOOK, help=argparse.SUPPRESS)
    sync_parser.set_defaults(handler=sync)
    rebuild_parser = sub.add_parser("rebuild", help="map a season again from the landed answers (no request) and "
                                                    "wait for the run to finish")
    rebuild_parser.add_argument("--year", required=True, help="season to rebuild (it must have been synced once)")
    add_results_flags(rebuild_parser, "write no Results row (default: the results the landing holds)")
    rebuild_parser.add_argument("--timeout", type=float, default=None, help="stop following after this many seconds")
    rebuild_parser.add_argument("--poll", type=float, default=LONGEST_LOOK, help=argparse.SUPPRESS)
    rebuild_parser.set_defaults(handler=rebuild)
    follow_parser = sub.add_parser("follow", help="follow a run (e.g. again after Ctrl-C) until it ends")
    follow_parser.add_argument("run_id", help="the run's id, as `sync` printed it or `runs` lists it")
    follow_parser.add_argument("--timeout", type=float, default=None, help="stop following after this many seconds")
    follow_parser.add_argument("--poll", type=float, default=LONGEST_LOOK, help=argparse.SUPPRESS)
    follow_parser.set_defaults(handler=lambda a: follow(a.run_id, a.timeout, a.poll))
    for name in COMMANDS:
        add_command(sub, name, full=chosen in (None, name))
    return parser


def add_command(sub: argparse._SubParsersAction, name: str, full: bool) -> None:
    """The command of module `ingestion.<name>`. Importing a command module loads what it needs (psycopg,
    pydantic, …), so a command not chosen gets its name only: `sync --help` answers without any of them."""
    if not full:
        sub.add_parser(name)
        return
    module = importlib.import_module(f"ingestion.{name}")
    command = sub.add_parser(name, help=module.HELP, description=module.__doc__)
    module.add_arguments(command)
    command.set_defaults(handler=module.run)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    chosen = argv[0] if argv and not argv[0].startswith("-") else None
    args = build_parser(chosen).parse_args(argv)
    return run_command(args.handler, args)


def dispatcher_call(args: argparse.Namespace) -> tuple[str, list[Any], dict[str, Any]]:
    """The dispatcher task `sync` sends, its arguments and options, checked: a series, the recent rounds, a season,
    or by default the current season (its include_results stays as the flags say: None, SPEC §3's default,
    without one)."""
    from datetime import datetime, timezone

    from workers.errors import BadArgument
    from workers.pipeline.arguments import validate_days, validate_series_season, validate_year

    if args.series is not None:
        from workers.sources.thirdturn.titles import normalise_title

        season = None if args.season is None else validate_series_season(args.season)
        return "sync_series", [normalise_title(args.series)], {"season": season}
    if args.season is not None:
        raise BadArgument("--season goes with --series (a Formula 1 season is --year)")
    if args.recent is not None:
        return "sync_recent", [validate_days(args.recent)], {}
    year = args.year if args.year is not None else datetime.now(timezone.utc).year
    return "sync_season", [validate_year(year)], {}


def sync(args: argparse.Namespace) -> int:
    task_name, task_args, options = dispatcher_call(args)
    return send_and_follow(task_name, task_args, args, **options)


def rebuild(args: argparse.Namespace) -> int:
    from workers.pipeline.arguments import validate_year

    return send_and_follow("rebuild_season", [validate_year(args.year)], args)


def send_and_follow(task_name: str, task_args: list, args: argparse.Namespace, **options: Any) -> int:
    """Send a dispatcher by its registered name once the schema and a worker answer, then follow its run."""
    with database():  # the schema the workers need is there (else: run the migrations), before anything is sent
        pass
    app = client_app()
    if not worker_answers(app):
        return EXIT_NO_WORKER
    run_id = enqueue(app, task_name, task_args, args.include_results, **options)
    return follow(run_id, args.timeout, args.poll)


if __name__ == "__main__":
    code = main()
    gc.freeze()  # about to exit: spare the interpreter collecting every object the command built (about 0.07 s)
    sys.exit(code)
