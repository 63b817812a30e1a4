"""Command line: ``python -m openf1_replay [--data-dir DIR] [--port 8765] ...``."""

from __future__ import annotations

import argparse
import os
import textwrap

from replay_kit.cli import EXIT_RUNTIME, EXIT_USAGE  # noqa: F401 - this command's exit codes, as before
from replay_kit.cli import (add_fault_arguments, add_location_arguments, add_verbose_argument, banner_extras,
                            check_port, env_number, fault_plan, replay_parser, resolve_host, serve, with_extras)
from replay_kit.ratelimit import parse_rate_limit

from .live import LiveWeekend, scenario_names
from .loader import DATA_DIR_ENV, LOADING_RULE, default_data_dir
from .server import ReplayServer

PROGRAM = "openf1_replay"
DEFAULT_PORT = 8765
HOST_ENV = "OPENF1_REPLAY_HOST"

DESCRIPTION = "Serve recorded OpenF1 API responses like https://api.openf1.org/v1 (offline replay)."
EPILOG = f"""\
{textwrap.fill("Data directory: " + LOADING_RULE, 79)}
Default DIR: ${DATA_DIR_ENV} if set, else the repository's recordings/openf1.
Other env fallbacks: OPENF1_REPLAY_PORT,
OPENF1_REPLAY_RATE_LIMIT, OPENF1_REPLAY_LATENCY, OPENF1_REPLAY_HOST (a
non-loopback host is only accepted through --host).
Rate limit SPEC: N/PERIOD rules joined by ';', PERIOD = second|minute|hour|<n>s,
e.g. 30/10s or 3/second;30/minute. Over the limit: HTTP 429 'Rate exceeded'.
Controls: GET /__replay/stats, GET /__replay/health, POST /__replay/reset.
Live mode (--live MEETING): that recorded meeting happens now, its sessions
squeezed (--session-seconds apart by --gap-seconds, from --starts-in), its
results --publish-after each end, 401 'Session in progress' while one runs
(not for a bearer token), the season moved around it, --scenario's changes
scripted; GET /__replay/live gives the timeline."""
LIVE_OPTIONS = ("starts_in", "session_seconds", "gap_seconds", "publish_after", "days_between", "year")


def build_parser() -> argparse.ArgumentParser:
    parser = replay_parser(PROGRAM, DESCRIPTION, EPILOG)
    add_location_arguments(parser, "recorded data directory (see below)")
    parser.add_argument("--port", type=int, default=env_number(PROGRAM, "OPENF1_REPLAY_PORT", int, DEFAULT_PORT),
                        help="port, 0 = any free port (default %(default)s)")
    parser.add_argument("--rate-limit", default=os.environ.get("OPENF1_REPLAY_RATE_LIMIT"), metavar="SPEC",
                        help="e.g. 30/10s or 3/second;30/minute (default: none)")
    parser.add_argument("--latency", type=float, default=env_number(PROGRAM, "OPENF1_REPLAY_LATENCY", float, 0.0),
                        metavar="SECONDS", help="delay before each data answer (default %(default)s)")
    add_fault_arguments(parser, "data requests")
    parser.add_argument("--refuse-ranges", default="", metavar="LIST",
                        help="endpoints whose range queries (a season at once) always get 504, e.g. drivers")
    parser.add_argument("--lockout", type=float, default=0.0, metavar="SECONDS",
                        help="answer 401 'Session in progress' for the first SECONDS")
    add_live_arguments(parser)
    add_verbose_argument(parser)
    return parser


def add_live_arguments(parser: argparse.ArgumentParser) -> None:
    """``--live MEETING`` and its timings (unset: LiveWeekend's defaults, or the scenario's)."""
    live = LiveWeekend()
    parser.add_argument("--live", type=int, default=None, metavar="MEETING",
                        help="serve this recorded meeting as happening now (e.g. 1242)")
    for option, help_text in (("starts-in", "seconds from the server's start to the first session"),
                              ("session-seconds", "length of each squeezed session"),
                              ("gap-seconds", "pause between two sessions"),
                              ("publish-after", "seconds from a session's end to its results and grid"),
                              ("days-between", "days between the later meetings of the season")):
        default = getattr(live, option.replace("-", "_"))
        parser.add_argument(f"--{option}", type=float, default=None, metavar="S", help=f"{help_text} ({default:g})")
    parser.add_argument("--year", type=int, default=None, help="the live season's year (default: this year)")
    parser.add_argument("--scenario", default=None, metavar="NAME|FILE",
                        help=f"scripted upstream changes: {', '.join(scenario_names())} or a JSON file")


def live_weekend(args: argparse.Namespace) -> LiveWeekend | None:
    """The weekend ``--live`` and its options describe (None without --live; its options alone are an error)."""
    settings = {name: getattr(args, name) for name in LIVE_OPTIONS if getattr(args, name) is not None}
    if args.live is None:
        if settings or args.scenario:
            raise ValueError("--scenario and the live timings need --live MEETING")
        return None
    if args.scenario:
        return LiveWeekend.scenario(args.scenario, meeting_key=args.live, **settings)
    return LiveWeekend(meeting_key=args.live, **settings)


def banner(server: ReplayServer) -> str:
    line = (
        f"OpenF1 replay of {server.data_dir} ({server.record_count} records, "
        f"endpoints: {', '.join(server.endpoints)}) on {server.base_url}"
    )
    return with_extras(line, banner_extras(server, lockout=True, more=live_extras(server)))


def live_extras(server: ReplayServer) -> list[str]:
    if server.live_season is None:
        return []
    live, season = server.live, server.live_season
    return [f"live meeting {live.meeting_key} as {season.year} from {season.t0.isoformat()}: "
            f"{len(season.live_keys)} sessions of {live.session_seconds:g}s, {live.gap_seconds:g}s apart, "
            f"results {live.publish_after:g}s after each end, {len(season.events)} scripted events"]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return serve(PROGRAM, lambda: _create_server(args), lambda server, _load_seconds: banner(server))


def _create_server(args: argparse.Namespace) -> ReplayServer:
    host = resolve_host(args.host, HOST_ENV)
    check_port(args.port)
    rules = parse_rate_limit(args.rate_limit)
    data_dir = (args.data_dir or default_data_dir()).expanduser().resolve()
    faults = fault_plan(args, lockout=args.lockout,
                        refuse_ranges=tuple(e.strip() for e in args.refuse_ranges.split(",") if e.strip()))
    return ReplayServer(data_dir, host=host, port=args.port, rate_limit=rules, latency=args.latency,
                        verbose=args.verbose, faults=faults, live=live_weekend(args))
