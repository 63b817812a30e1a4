"""Command line: ``python -m openf1_replay [--data-dir DIR] [--port 8765] ...``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, TypeVar

from workers.hosts import is_loopback

from .faults import KINDS, FaultPlan, parse_kinds
from .loader import DATA_DIR_ENV, LOADING_RULE, default_data_dir
from .ratelimit import describe_rules, parse_rate_limit
from .server import DEFAULT_HOST, BackgroundServer, ReplayServer

PROGRAM = "openf1_replay"
DEFAULT_PORT = 8765
EXIT_USAGE = 2
EXIT_RUNTIME = 1

DESCRIPTION = "Serve recorded OpenF1 API responses like https://api.openf1.org/v1 (offline replay)."
EPILOG = f"""\
{textwrap.fill("Data directory: " + LOADING_RULE, 79)}
Default DIR: ${DATA_DIR_ENV} if set, else the repository's recordings/openf1.
Other env fallbacks: OPENF1_REPLAY_PORT,
OPENF1_REPLAY_RATE_LIMIT, OPENF1_REPLAY_LATENCY, OPENF1_REPLAY_HOST (a
non-loopback host is only accepted through --host).
Rate limit SPEC: N/PERIOD rules joined by ';', PERIOD = second|minute|hour|<n>s,
e.g. 30/10s or 3/second;30/minute. Over the limit: HTTP 429 'Rate exceeded'.
Controls: GET /__replay/stats, GET /__replay/health, POST /__replay/reset."""


def build_parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="python -m openf1_replay",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data-dir", type=Path, default=None, metavar="DIR", help="recorded data directory (see below)")
    parser.add_argument("--host", default=None, help=f"address to bind (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=_env_int("OPENF1_REPLAY_PORT", DEFAULT_PORT), help="port, 0 = any free port (default %(default)s)")
    parser.add_argument("--rate-limit", default=env("OPENF1_REPLAY_RATE_LIMIT"), metavar="SPEC", help="e.g. 30/10s or 3/second;30/minute (default: none)")
    parser.add_argument("--latency", type=float, default=_env_float("OPENF1_REPLAY_LATENCY", 0.0), metavar="SECONDS", help="delay before each data answer (default %(default)s)")
    parser.add_argument("--faults", type=float, default=0.0, metavar="RATE",
                        help="share of data requests answered with an injected fault (0..1, default 0)")
    parser.add_argument("--fault-kinds", default="all", metavar="LIST", help=f"comma-separated, among {','.join(KINDS)}")
    parser.add_argument("--fault-seed", type=int, default=0, help="seed of the fault draw (reproducible runs)")
    parser.add_argument("--refuse-ranges", default="", metavar="LIST",
                        help="endpoints whose range queries (a season at once) always get 504, e.g. drivers")
    parser.add_argument("--lockout", type=float, default=0.0, metavar="SECONDS",
                        help="answer 401 'Session in progress' for the first SECONDS")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser


def resolve_host(cli_host: str | None, env_name: str = "OPENF1_REPLAY_HOST") -> str:
    """``--host`` wins; a host from the environment (``env_name``) must be loopback."""
    if cli_host:
        return cli_host
    env_host = os.environ.get(env_name) or DEFAULT_HOST
    if not is_loopback(env_host):
        raise ValueError(f"refusing non-loopback host {env_host!r} from {env_name}; pass --host {env_host} explicitly")
    return env_host


def banner(server: ReplayServer) -> str:
    line = (
        f"OpenF1 replay of {server.data_dir} ({server.record_count} records, "
        f"endpoints: {', '.join(server.endpoints)}) on {server.base_url}"
    )
    return with_extras(line, banner_extras(server, lockout=True))


def banner_extras(server, *, always_limit: bool = False, load_seconds: float | None = None,
                  more: Iterable[str] = (), lockout: bool = False) -> list[str]:
    """A replay banner's notes, in order: the rate limit (only one in force unless `always_limit`), the time
    scale (a server's ``time_scale`` other than 1), the load time, the latency, `more`, the faults (with the
    fault plan's lock-out when `lockout`, then also shown when only it is set)."""
    extras = []
    if server.rate_limit or always_limit:
        extras.append(f"rate limit {describe_rules(server.rate_limit)}")
    if getattr(server, "time_scale", 1) != 1:
        extras.append(f"time scale {server.time_scale:g}")
    if load_seconds is not None:
        extras.append(f"loaded in {load_seconds:.2f}s")
    if server.latency:
        extras.append(f"latency {server.latency:g}s")
    extras.extend(more)
    faults = server.faults
    if faults.rate or (lockout and faults.lockout):
        extras.append(f"faults {faults.rate:g} ({','.join(faults.kinds)})"
                      + (f", lockout {faults.lockout:g}s" if lockout else ""))
    return extras


def with_extras(line: str, extras: list[str]) -> str:
    return f"{line} [{', '.join(extras)}]" if extras else line


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return serve(PROGRAM, lambda: _create_server(args), lambda server, _load_seconds: banner(server))


Server = TypeVar("Server", bound=BackgroundServer)


def serve(program: str, create: Callable[[], Server], banner: Callable[[Server, float], str]) -> int:
    """A replay command's run: ``create()`` the server (ValueError, OSError: exit 2), start it (OSError: exit 1),
    print ``banner(server, seconds create took)``, serve until SIGINT or SIGTERM, stop: exit 0."""
    started = time.perf_counter()
    try:
        server = create()
    except (ValueError, OSError) as error:
        print(f"{program}: error: {error}", file=sys.stderr, flush=True)
        return EXIT_USAGE
    load_seconds = time.perf_counter() - started
    try:
        server.start()
    except OSError as error:
        print(f"{program}: error: cannot listen on {server.host}:{server.port}: {error}", file=sys.stderr, flush=True)
        return EXIT_RUNTIME
    print(banner(server, load_seconds), flush=True)
    wait_for_signal()
    server.stop()
    return 0


def check_port(port: int) -> int:
    if not 0 <= port <= 65535:
        raise ValueError(f"invalid port {port}")
    return port


def parse_number(text: str, kind: type, name: str):
    """``kind(text)`` (int, float), or ValueError naming the setting."""
    try:
        return kind(text)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {text!r}") from None


def _create_server(args: argparse.Namespace) -> ReplayServer:
    host = resolve_host(args.host)
    check_port(args.port)
    rules = parse_rate_limit(args.rate_limit)
    data_dir = (args.data_dir or default_data_dir()).expanduser().resolve()
    faults = FaultPlan(rate=args.faults, seed=args.fault_seed, kinds=parse_kinds(args.fault_kinds), lockout=args.lockout,
                       refuse_ranges=tuple(e.strip() for e in args.refuse_ranges.split(",") if e.strip()))
    return ReplayServer(data_dir, host=host, port=args.port, rate_limit=rules, latency=args.latency, verbose=args.verbose,
                        faults=faults)


def wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return int(value) if value else default
    except ValueError:
        _usage_error(f"{name} must be an integer, got {value!r}")


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError:
        _usage_error(f"{name} must be a number, got {value!r}")


def _usage_error(message: str) -> None:
    print(f"{PROGRAM}: error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(EXIT_USAGE)
