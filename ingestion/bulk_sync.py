"""`python -m ingestion.bulk_sync --all | --start-year A --end-year B | --series A,B | --followed [--no-results |
--results] [--refresh]`: sync several seasons, or several series of The Third Turn, at once. --series takes hub
page titles, comma-separated; --followed the series the team follows (THIRDTURN_FOLLOWED_SERIES). Seasons: with
--all, every season from the first a source covers (1950) to the current one, each from its source (history
before OPENF1_FIRST_YEAR, OpenF1 from it). The years (or titles) are checked before anything is sent (exit 2);
then one `sync_season` per year (`sync_series` per series) is enqueued and every run followed to its end: a line
per run, and one for them all (runs done, requests made, and about how long the rest takes at the sources' fleet
limits). Progress lines carry counts only. What the landing holds younger than its source's REFRESH_AFTER is
mapped again without a request, unless --refresh. Exit 0 only if every run succeeded, 1 otherwise, 3 when no
worker answers."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Callable

from ingestion.follow import (EXIT_NO_WORKER, LONGEST_LOOK, add_results_flags, client_app, command_main, database,
                              enqueue, follow_runs, worker_answers)
from workers.errors import BadArgument


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
    parser.add_argument("--timeout", type=float, default=None, help="stop following after this many seconds")
    parser.add_argument("--poll", type=float, default=LONGEST_LOOK, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from datetime import timezone

    series = selected_series(args)
    years = [] if series else selected_years(args, datetime.now(timezone.utc))
    with database():  # the schema the workers need is there (else: run the migrations)
        pass
    app = client_app()
    if not worker_answers(app):
        return EXIT_NO_WORKER
    options = {"refresh": True} if args.refresh else {}
    if series:
        runs = {title: enqueue(app, "sync_series", [title], args.include_results, **options) for title in series}
        return follow_runs(runs, args.timeout, args.poll, summary=series_summary)
    runs = {str(year): enqueue(app, "sync_season", [year], args.include_results, **options) for year in years}
    return follow_runs(runs, args.timeout, args.poll, summary=seasons_summary)


def selected_series(args: argparse.Namespace) -> list[str]:
    """The hub titles asked for (normalised, each once, in order); refused when none is given."""
    from workers.sources.thirdturn.titles import normalise_title

    if args.followed:
        from workers import sources

        listed = sources.get(sources.SERIES_SOURCE).settings.FOLLOWED_SERIES
        if not listed.strip():
            raise BadArgument("--followed: no series is followed (THIRDTURN_FOLLOWED_SERIES is empty)")
    elif args.series is not None:
        listed = args.series
    else:
        return []
    if args.end_year is not None:
        raise BadArgument("--end-year goes with --start-year, not with a series")
    titles = [normalise_title(title) for title in listed.split(",") if title.strip()]
    if not titles:
        raise BadArgument("--series needs at least one hub page title")
    return list(dict.fromkeys(titles))


def series_summary(runs: dict[str, dict | None]) -> str:
    """`series 1/2 done, 95 requests, about 7min left at the wiki's limit` (counts only)."""
    from workers import sources

    return summary("series", runs, lambda _: sources.SERIES_SOURCE, "the wiki's limit")


def seasons_summary(runs: dict[str, dict | None]) -> str:
    """`seasons 12/73 done, 140 requests, about 1h 02min left at the sources' limits` (counts only)."""
    from workers import sources

    return summary("seasons", runs, lambda year: sources.for_season(int(year)).name, "the sources' limits")


def summary(noun: str, runs: dict[str, dict | None], source_of: Callable[[str], str], limits: str) -> str:
    done = [key for key, run in runs.items() if run and run["status"] != "running"]
    requests = sum(run["requests"] for run in runs.values() if run)
    left = time_left(runs, source_of)
    tail = f", about {duration(left)} left at {limits}" if left is not None else ""
    return f"{noun} {len(done)}/{len(runs)} done, {requests} requests{tail}"


def time_left(runs: dict[str, dict | None], source_of: Callable[[str], str]) -> float | None:
    """The least time the requests still to come take under each source's fleet limit (the sources in parallel),
    a run still to come costing what a finished run of its source cost on average; None before any ended."""
    from workers import sources
    from workers.ratelimit import least_time, parse_rates

    by_source: dict[str, list[tuple[dict | None, bool]]] = {}
    for key, run in runs.items():
        ended = bool(run and run["status"] != "running")
        by_source.setdefault(source_of(key), []).append((run, ended))
    waits = []
    for name, of_source in by_source.items():
        finished = [run["requests"] for run, ended in of_source if ended]
        if not finished:
            return None
        average = sum(finished) / len(finished)
        remaining = sum(max(0.0, average - (run["requests"] if run else 0)) for run, ended in of_source if not ended)
        waits.append(least_time(round(remaining), parse_rates(sources.get(name).settings.RATE_LIMIT)))
    return max(waits, default=0.0)


def duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{seconds:.0f}s" if seconds < 90 else f"{minutes // 60}h {minutes % 60:02d}min" if minutes >= 60 else f"{minutes}min"


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
