"""What the commands' arguments share: the parser that refuses a bad one on one line (exit 2), the types that
refuse a bad value before anything is sent (a non-positive timeout, a malformed run id, a limit out of range),
the results flags, --timeout, --json, and a series title read as its source reads it.

Nothing slow is imported at module level (see exits.py)."""

from __future__ import annotations

import argparse
import math
import sys
import uuid
from typing import NoReturn

from ingestion.exits import EXIT_USAGE

LONGEST_LOOK = 0.1  # seconds: the longest wait between two looks at the run table (follow.look_waits)


class Parser(argparse.ArgumentParser):
    """An argument parser whose refusal is one line on stderr (`error: …`) and exit 2, as every failure is."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def positive_seconds(text: str) -> float:
    """A number of seconds above zero (a timeout of 0, -5 or nan would never, or at once, give up)."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return seconds


def run_id(text: str) -> str:
    """A run's id: a UUID (the dispatcher's task id), as `sync` printed it or `runs` lists it."""
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a run's id, a UUID as `sync` printed it or `runs` lists it "
                                         f"(e.g. 3f2b9c1e-…), got {text!r}") from None


def checked_limit(value: int) -> int:
    """How many rows a command shows: between 1 and 1000, else refused (exit 2)."""
    from workers.errors import BadArgument

    if not 1 <= value <= 1000:
        raise BadArgument(f"--limit must be between 1 and 1000, got {value}")
    return value


def add_results_flags(parser: argparse.ArgumentParser,
                      without: str = "no session_result / starting_grid request, no Results row (spoiler-free)",
                      ) -> None:
    """--no-results / --results; neither means the spoiler rule's default (results only once every meeting has
    ended)."""
    results = parser.add_mutually_exclusive_group()
    results.add_argument("--no-results", dest="include_results", action="store_false", default=None, help=without)
    results.add_argument("--results", dest="include_results", action="store_true",
                         help="include results even for the current season")


def add_following(parser: argparse.ArgumentParser, what: str = "the run") -> None:
    """--timeout, --json and the hidden --poll of a command that follows runs to their end."""
    parser.add_argument("--timeout", type=positive_seconds, default=None, metavar="SECONDS",
                        help=f"stop following {what} after this many seconds (exit 5; it goes on)")
    parser.add_argument("--json", action="store_true", help="one JSON event per line instead of progress lines")
    parser.add_argument("--poll", type=positive_seconds, default=LONGEST_LOOK, help=argparse.SUPPRESS)


def series_title(text: str) -> str:
    """A series' name as the scope source keys it (its wiki's hub page title, from a title or a URL of the wiki),
    normalised or refused with the reason (exit 2) before anything is sent. The one place the command line asks
    the scope source to read a series' name."""
    from workers import sources

    return sources.normalise_scope(text)
