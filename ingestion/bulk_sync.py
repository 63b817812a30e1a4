"""`bulk-sync --all | --start-year A [--end-year B] | --series A,B | --followed [--no-results | --results]
[--refresh] [--timeout S] [--json]`: sync several seasons, or several series of The Third Turn, at once.

--series takes hub page titles (or their wiki URLs), comma-separated; --followed the series the team follows
(THIRDTURN_FOLLOWED_SERIES). Seasons: with --all, every season from the first a source covers (1950) to the current
one, each from its source (history before OPENF1_FIRST_YEAR, OpenF1 from it). The years (or titles) are checked
before anything is sent (exit 2); then one `sync_season` per year (`sync_series` per series) is enqueued and every
run followed to its end: a line (or bar) per run, and one for them all (runs done, requests made, and how long the
rest takes: from the rates seen so far, never below what the sources' fleet limits allow). Progress carries counts
only. What the landing holds younger than its source's REFRESH_AFTER is mapped again without a request, unless
--refresh. Exit 0 only if every run succeeded (the table of exit codes: --help)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from ingestion.arguments import add_following, add_results_flags, series_title
from ingestion.exits import command_main
from ingestion.send import season_call, send_and_follow, series_call


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every season from 1950 to the current year")
    which.add_argument("--start-year", help="first season of the range (with --end-year)")
    which.add_argument("--series", metavar="HUB_TITLES",
                       help="series of The Third Turn by their hub pages' titles, comma-separated")
    which.add_argument("--followed", action="store_true",
                       help="every series the team follows (THIRDTURN_FOLLOWED_SERIES)")
    parser.add_argument("--end-year", help="last season of the range (default: the start year)")
    add_results_flags(parser)
    parser.add_argument("--refresh", action="store_true",
                        help="ask the sources again for what the landing holds, however young")
    add_following(parser, "the runs")


def run(args: argparse.Namespace) -> int:
    from datetime import timezone

    series = selected_series(args)
    options = {"refresh": True} if args.refresh else {}
    if series:
        calls = [series_call(title, label=title, **options) for title in series]
        return send_and_follow(calls, args, noun="series", limits="the wiki's limit")
    years = selected_years(args, datetime.now(timezone.utc))
    calls = [season_call("season", year, label=str(year), **options) for year in years]
    return send_and_follow(calls, args, noun="seasons")


def selected_series(args: argparse.Namespace) -> list[str]:
    """The hub titles asked for (normalised, each once, in order); refused when none is given."""
    from workers.errors import BadArgument

    if args.followed:
        from workers import sources

        name = sources.scope_source_name()
        titles = sources.followed_scopes(name)[name]
        if not titles:
            setting = sources.env_name(name, sources.about(name).followed_setting or "FOLLOWED_SERIES")
            raise BadArgument(f"--followed: no series is followed ({setting} is empty)")
    elif args.series is not None:
        titles = [series_title(title) for title in args.series.split(",") if title.strip()]
    else:
        return []
    if args.end_year is not None:
        raise BadArgument("--end-year goes with --start-year, not with a series")
    if not titles:
        raise BadArgument("--series needs at least one hub page title")
    return list(dict.fromkeys(titles))


def selected_years(args: argparse.Namespace, now: datetime) -> list[int]:
    """The seasons asked for, each between the first season a source covers and the current year, in order."""
    from workers.errors import BadArgument
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
    from workers.errors import BadArgument
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
