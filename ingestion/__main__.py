"""`python -m ingestion sync | rebuild | follow | runs | resume | verify | healthcheck | record`: the operators'
commands.

`sync` enqueues a run and follows it to the end; every other command lives in its own module under
`ingestion/` (also runnable as `python -m ingestion.<command>`).
"""

from __future__ import annotations

import argparse
import sys

from ingestion import healthcheck, record, resume, runs, verify
from ingestion.follow import EXIT_NO_WORKER, add_results_flags, enqueue, follow, run_command, worker_answers

COMMANDS = {"runs": runs, "resume": resume, "verify": verify, "healthcheck": healthcheck, "record": record}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ingestion", description="Parc Fermé ingestion workers")
    sub = parser.add_subparsers(dest="command", required=True)
    sync_parser = sub.add_parser("sync", help="sync a season or the recent meetings, and wait for the run to finish")
    which = sync_parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--year", help="season to sync (2023 onwards)")
    which.add_argument("--recent", type=int, metavar="DAYS", help="meetings of the last DAYS days")
    add_results_flags(sync_parser)
    sync_parser.add_argument("--timeout", type=float, default=None, help="stop following after this many seconds")
    sync_parser.add_argument("--poll", type=float, default=1.0, help=argparse.SUPPRESS)
    sync_parser.set_defaults(handler=sync)
    rebuild_parser = sub.add_parser("rebuild", help="map a season again from the landed answers (no request) and "
                                                    "wait for the run to finish")
    rebuild_parser.add_argument("--year", required=True, help="season to rebuild (it must have been synced once)")
    add_results_flags(rebuild_parser, "write no Results row (default: the results the landing holds)")
    rebuild_parser.add_argument("--timeout", type=float, default=None, help="stop following after this many seconds")
    rebuild_parser.add_argument("--poll", type=float, default=1.0, help=argparse.SUPPRESS)
    rebuild_parser.set_defaults(handler=rebuild)
    follow_parser = sub.add_parser("follow", help="follow a run (e.g. again after Ctrl-C) until it ends")
    follow_parser.add_argument("run_id", help="the run's id, as `sync` printed it or `runs` lists it")
    follow_parser.add_argument("--timeout", type=float, default=None, help="stop following after this many seconds")
    follow_parser.add_argument("--poll", type=float, default=1.0, help=argparse.SUPPRESS)
    follow_parser.set_defaults(handler=lambda a: follow(a.run_id, a.timeout, a.poll))
    for name, module in COMMANDS.items():
        command = sub.add_parser(name, help=module.HELP, description=module.__doc__)
        module.add_arguments(command)
        command.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_command(args.handler, args)


def sync(args: argparse.Namespace) -> int:
    from workers.pipeline.arguments import validate_days, validate_year  # settings are read after --help

    if args.year is not None:
        return send_and_follow("sync_season", [validate_year(args.year)], args)
    return send_and_follow("sync_recent", [validate_days(args.recent)], args)


def rebuild(args: argparse.Namespace) -> int:
    from workers.pipeline.arguments import validate_year

    return send_and_follow("rebuild_season", [validate_year(args.year)], args)


def send_and_follow(task_name: str, task_args: list, args: argparse.Namespace) -> int:
    """Send a dispatcher by its registered name once the schema and a worker answer, then follow its run."""
    from workers.pipeline.resources import ensure_schema

    ensure_schema()
    from tasks import app

    if not worker_answers(app):
        return EXIT_NO_WORKER
    run_id = enqueue(app, task_name, task_args, args.include_results)
    return follow(run_id, args.timeout, args.poll)


if __name__ == "__main__":
    sys.exit(main())
