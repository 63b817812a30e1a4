"""Command line: ``python -m jolpica_replay --port 8766 [--data-dir DIR] [--rate-limit SPEC] [--time-scale S]``."""

from __future__ import annotations

import argparse
import os

from replay_kit.cli import EXIT_RUNTIME, EXIT_USAGE  # noqa: F401 - this command's exit codes, as before
from replay_kit.cli import (add_fault_arguments, add_location_arguments, add_verbose_argument, banner_extras,
                            check_port, fault_plan, parse_number, replay_parser, resolve_host, serve, with_extras)
from replay_kit.faults import KINDS

from .dump import DATA_DIR_ENV, default_data_dir
from .server import JOLPICA_RATE_LIMIT, JolpicaReplayServer

PROGRAM = "jolpica_replay"
DEFAULT_PORT = 8766

DESCRIPTION = "Serve the Ergast CSV export like https://api.jolpi.ca/ergast/f1 (offline replay of Jolpica-F1)."
EPILOG = f"""\
Endpoints: /ergast/f1/{{season}}.json (schedule), /{{season}}/results.json,
/{{season}}/qualifying.json, /{{season}}/sprint.json, each also per round
(/{{season}}/{{round}}/results.json); ?limit= (default 30, at most 100) &offset=.
DIR: the export's folder or one holding it as ergast_csv_dump/; default
${DATA_DIR_ENV} if set, else the repository's recordings/jolpica.
Env fallbacks: JOLPICA_REPLAY_PORT, JOLPICA_REPLAY_RATE_LIMIT,
JOLPICA_REPLAY_TIME_SCALE, JOLPICA_REPLAY_HOST (loopback only; else --host).
Limits: fixed windows counting every request, as Jolpica's; over them HTTP 429
{{"detail":"Request was throttled."}} without Retry-After. A query parameter
whose name contains 'cache' gets 403. Faults: {', '.join(KINDS)}.
Controls: GET /__replay/stats, GET /__replay/health, POST /__replay/reset."""


def build_parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = replay_parser(PROGRAM, DESCRIPTION, EPILOG)
    add_location_arguments(parser, "the Ergast CSV export (see below)")
    parser.add_argument("--port", default=env("JOLPICA_REPLAY_PORT", str(DEFAULT_PORT)),
                        help="port, 0 = any free port (default %(default)s)")
    parser.add_argument("--rate-limit", default=env("JOLPICA_REPLAY_RATE_LIMIT", JOLPICA_RATE_LIMIT), metavar="SPEC",
                        help="N/PERIOD rules joined by ';', or 'off' (default %(default)s, Jolpica's)")
    parser.add_argument("--time-scale", default=env("JOLPICA_REPLAY_TIME_SCALE", "1"), metavar="S",
                        help="divide every limit period by S, e.g. 3600 makes the hour a second (default %(default)s)")
    parser.add_argument("--latency", type=float, default=0.0, metavar="SECONDS", help="delay before each answer")
    add_fault_arguments(parser, "requests")
    add_verbose_argument(parser)
    return parser


def create_server(args: argparse.Namespace) -> JolpicaReplayServer:
    port, time_scale = parse_number(args.port, int, "port"), parse_number(args.time_scale, float, "time scale")
    check_port(port)
    return JolpicaReplayServer(args.data_dir or default_data_dir(), host=resolve_host(args.host, "JOLPICA_REPLAY_HOST"),
                               port=port, rate_limit=args.rate_limit, time_scale=time_scale, latency=args.latency,
                               verbose=args.verbose, faults=fault_plan(args))


def banner(server: JolpicaReplayServer, load_seconds: float) -> str:
    seasons = server.dump.seasons
    line = f"Jolpica replay of {server.data_dir} (seasons {seasons[0]}-{seasons[-1]}) on {server.base_url}"
    return with_extras(line, banner_extras(server, always_limit=True, load_seconds=load_seconds))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return serve(PROGRAM, lambda: create_server(args), banner)
