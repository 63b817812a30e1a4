"""`python -m ingestion.bulk_sync --all | --start-year A --end-year B [--no-results | --results]`: sync several
seasons at once. The years (2023 to the current year) are checked before anything is sent (exit 2); then one
`sync_season` per year is enqueued and every run followed to its end (progress lines carry counts only).
Exit 0 only if every run succeeded, 1 otherwise, 3 when no worker answers."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from ingestion.follow import (EXIT_NO_WORKER, LONGEST_LOOK, add_results_flags, client_app, command_main, database, enqueue, follow_runs, worker_answers)
from workers.errors import BadArgument


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every season from 2023 to the current year")
    which.add_argument("--start-year", help="first season of the range (with --end-year)")
    parser.add_argument("--end-year", help="last season of the range (default: the start year)")
    add_results_flags(parser)
    parser.add_argument("--timeout", type=float, default=None, help="stop following after this many seconds")
    parser.add_argument("--poll", type=float, default=LONGEST_LOOK, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from datetime import timezone

    years = selected_years(args, datetime.now(timezone.utc))
    with database():  # the schema the workers need is there (else: run the migrations)
        pass
    app = client_app()
    if not worker_answers(app):
        return EXIT_NO_WORKER
    runs = {str(year): enqueue(app, "sync_season", [year], args.include_results) for year in years}
    return follow_runs(runs, args.timeout, args.poll)


def selected_years(args: argparse.Namespace, now: datetime) -> list[int]:
    """The seasons asked for, each between the first season a source covers and the current year, in order."""
    from workers.sources import first_season

    FIRST_YEAR = first_season()

    if args.all:
        if args.end_year is not None:
            raise BadArgument("--end-year goes with --start-year, not with --all")
        return list(range(FIRST_YEAR, now.year + 1))
    start = season(args.start_year, "--start-year", now)
    end = season(args.end_year, "--end-year", now) if args.end_year is not None else start
    if end < start:
        raise BadArgument(f"--end-year ({end}) is before --start-year ({start})")
    return list(range(start, end + 1))


def season(value: str, option: str, now: datetime) -> int:
    from workers.sources import first_season

    FIRST_YEAR = first_season()

    if not value.strip().isdigit():
        raise BadArgument(f"{option} must be a whole number between {FIRST_YEAR} and {now.year}, got {value!r}")
    year = int(value)
    if not FIRST_YEAR <= year <= now.year:
        raise BadArgument(f"{option} must be between {FIRST_YEAR} (the first season a source covers) and {now.year} "
                          f"(the current season), got {year}")
    return year


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
