"""Command line: ``python -m thirdturn_replay --port 8003 [--data-dir DIR] [--rate-limit 1/5second]
[--time-scale S] [--redirect OLD=NEW ...] [--robots FILE] [--faults RATE --fault-kinds LIST --seed N]``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from replay_kit.cli import EXIT_RUNTIME, EXIT_USAGE  # noqa: F401 - this command's exit codes, as before
from replay_kit.cli import (add_fault_arguments, add_location_arguments, add_verbose_argument, banner_extras,
                            check_port, fault_plan, parse_number, replay_parser, resolve_host, serve, with_extras)
from replay_kit.faults import KINDS

from .pages import DATA_DIR_ENV, default_data_dir
from .server import POLITE_RATE_LIMIT, ThirdTurnReplayServer

PROGRAM = "thirdturn_replay"
DEFAULT_PORT = 8003

DESCRIPTION = "Serve recorded pages of The Third Turn like https://www.thethirdturn.com/wiki/ (offline replay)."
EPILOG = f"""\
Pages: every *.html under DIR, at /wiki/<its wgPageName> and /w/index.php?title=;
a title in another form (spaces, lower-case first letter) gets 301 to the
canonical URL, one not recorded 404 "There is currently no text in this page".
DIR default: ${DATA_DIR_ENV} if set, else the repository's recordings/thethirdturn.
Env fallbacks: THIRDTURN_REPLAY_PORT, THIRDTURN_REPLAY_RATE_LIMIT,
THIRDTURN_REPLAY_TIME_SCALE, THIRDTURN_REPLAY_HOST (loopback only; else --host).
Limit: fixed windows counting every request (robots.txt too); over it HTTP 429
with Retry-After. Requests robots.txt disallows are answered but counted.
Faults: {', '.join(KINDS)}. Controls: GET /__replay/stats, GET /__replay/health,
POST /__replay/reset. Content: The Third Turn, CC BY-NC-SA 4.0."""


def build_parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = replay_parser(PROGRAM, DESCRIPTION, EPILOG)
    add_location_arguments(parser, "recorded pages (see below)")
    parser.add_argument("--port", default=env("THIRDTURN_REPLAY_PORT", str(DEFAULT_PORT)),
                        help="port, 0 = any free port (default %(default)s)")
    parser.add_argument("--rate-limit", default=env("THIRDTURN_REPLAY_RATE_LIMIT", POLITE_RATE_LIMIT),
                        metavar="SPEC", help="N/PERIOD rules joined by ';', or 'off' (default %(default)s)")
    parser.add_argument("--time-scale", default=env("THIRDTURN_REPLAY_TIME_SCALE", "1"), metavar="S",
                        help="divide every limit period and the latency by S (default %(default)s)")
    parser.add_argument("--latency", type=float, default=0.0, metavar="SECONDS",
                        help="render time before each recorded page, scaled (default 0)")
    parser.add_argument("--redirect", action="append", default=[], metavar="OLD=NEW",
                        help="a redirect page: /wiki/OLD answers 301 to /wiki/NEW (repeatable)")
    parser.add_argument("--redirect-status", type=int, choices=(301, 200), default=301,
                        help="301 (default) or 200: serve NEW's page at /wiki/OLD as MediaWiki does")
    parser.add_argument("--robots", type=Path, default=None, metavar="FILE", help="robots.txt to serve instead")
    add_fault_arguments(parser, "page views", seed_flags=("--seed",))
    add_verbose_argument(parser)
    return parser


def parse_redirects(pairs: list[str]) -> dict[str, str]:
    redirects = {}
    for pair in pairs:
        old, equals, new = pair.partition("=")
        if not equals or not old.strip() or not new.strip():
            raise ValueError(f"invalid --redirect {pair!r}: expected OLD=NEW")
        redirects[old.strip()] = new.strip()
    return redirects


def create_server(args: argparse.Namespace) -> ThirdTurnReplayServer:
    port, time_scale = parse_number(args.port, int, "port"), parse_number(args.time_scale, float, "time scale")
    check_port(port)
    robots = args.robots.read_text(encoding="utf-8") if args.robots else None
    return ThirdTurnReplayServer(args.data_dir or default_data_dir(),
                                 host=resolve_host(args.host, "THIRDTURN_REPLAY_HOST"),
                                 port=port, rate_limit=args.rate_limit, time_scale=time_scale, latency=args.latency,
                                 faults=fault_plan(args), redirects=parse_redirects(args.redirect),
                                 redirect_status=args.redirect_status, robots=robots, verbose=args.verbose)


def banner(server: ThirdTurnReplayServer, load_seconds: float) -> str:
    redirects = [f"{len(server.redirects)} redirect(s) ({server.redirect_status})"] if server.redirects else []
    line = f"The Third Turn replay of {server.data_dir} ({len(server.pages)} pages) on {server.base_url}/wiki/"
    return with_extras(line, banner_extras(server, always_limit=True, load_seconds=load_seconds, more=redirects))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return serve(PROGRAM, lambda: create_server(args), banner)
