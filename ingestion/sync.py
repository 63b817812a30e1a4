"""`sync [--year Y | --recent DAYS | --series TITLE [--season S]] [--no-results | --results]` and `rebuild --year Y`:
send one run to the workers and follow it until it ends.

With no --year, --recent or --series: the current Formula 1 season, with results only once every meeting of it
has ended (the spoiler rule, docs/data-model.md), unless --results or --no-results says otherwise. --series
crawls a series of The Third Turn by its hub page's title (a wiki URL of it is read as its title), every season
it lists or --season. Every argument is checked before anything is sent (exit 2); then the schema, Redis and a
worker (exit 1, 4, 3)."""

from __future__ import annotations

import argparse
import sys

from ingestion.arguments import add_following, add_results_flags, series_title
from ingestion.exits import command_main
from ingestion.send import Call, recent_call, season_call, send_and_follow, series_call


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--year", help="season to sync (default: the current season)")
    which.add_argument("--recent", type=int, metavar="DAYS", help="rounds of the last DAYS days")
    which.add_argument("--series", metavar="HUB_TITLE",
                       help="a series of The Third Turn by its hub page (e.g. Wisconsin_Challenge_Series)")
    parser.add_argument("--season", help="with --series: one season (a year, or 'latest'; default: every season "
                                         "the hub lists)")
    add_results_flags(parser)
    add_following(parser)


def add_rebuild_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", required=True, help="season to rebuild (it must have been synced once)")
    add_results_flags(parser, "write no Results row (default: the results the landing holds)")
    add_following(parser)


def dispatcher_call(args: argparse.Namespace) -> Call:
    """The run `sync` sends, its arguments checked: a series, the recent rounds, a season, or by default the
    current season (its include_results stays as the flags say: None, the spoiler rule's default, without one)."""
    from datetime import datetime, timezone

    from workers.errors import BadArgument
    from workers.pipeline.arguments import validate_days, validate_series_season, validate_year

    if args.series is not None:
        season = None if args.season is None else validate_series_season(args.season)
        return series_call(series_title(args.series), season=season)
    if args.season is not None:
        raise BadArgument("--season goes with --series (a Formula 1 season is --year)")
    if args.recent is not None:
        return recent_call(validate_days(args.recent))
    year = args.year if args.year is not None else datetime.now(timezone.utc).year
    return season_call("season", validate_year(year))


def run(args: argparse.Namespace) -> int:
    return send_and_follow([dispatcher_call(args)], args)


def rebuild(args: argparse.Namespace) -> int:
    from workers.pipeline.arguments import validate_year

    return send_and_follow([season_call("rebuild", validate_year(args.year))], args)


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
