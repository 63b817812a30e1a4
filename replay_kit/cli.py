"""What every replay's command line shares: the options they have alike, the bind address (a non-loopback
host only through an explicit ``--host``), numbers checked with the setting's name, the banner's notes, and
the run itself: create the server, start it, print the banner, serve until SIGINT or SIGTERM, stop."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, TypeVar

from workers.hosts import is_loopback

from .faults import KINDS, FaultPlan, parse_kinds
from .ratelimit import describe_rules
from .server import DEFAULT_HOST, BackgroundServer

EXIT_USAGE = 2
EXIT_RUNTIME = 1


# ---------------------------------------------------------------- options


def replay_parser(program: str, description: str, epilog: str) -> argparse.ArgumentParser:
    """``python -m PROGRAM``'s parser, its epilog printed as written."""
    return argparse.ArgumentParser(prog=f"python -m {program}", description=description, epilog=epilog,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def add_location_arguments(parser: argparse.ArgumentParser, data_help: str) -> None:
    """``--data-dir DIR`` and ``--host`` (the port differs from replay to replay)."""
    parser.add_argument("--data-dir", type=Path, default=None, metavar="DIR", help=data_help)
    parser.add_argument("--host", default=None, help=f"address to bind (default {DEFAULT_HOST})")


def add_fault_arguments(parser: argparse.ArgumentParser, answered: str, seed_flags: tuple[str, ...] = ()) -> None:
    """``--faults RATE`` (the share of `answered` given a fault), ``--fault-kinds``, ``--fault-seed`` (and any
    other spelling of it in `seed_flags`)."""
    parser.add_argument("--faults", type=float, default=0.0, metavar="RATE",
                        help=f"share of {answered} answered with an injected fault (0..1, default 0)")
    parser.add_argument("--fault-kinds", default="all", metavar="LIST",
                        help=f"comma-separated, among {','.join(KINDS)}")
    parser.add_argument(*seed_flags, "--fault-seed", dest="fault_seed", type=int, default=0,
                        metavar="SEED" if seed_flags else "FAULT_SEED",
                        help="seed of the fault draw (reproducible runs)")


def add_verbose_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")


def fault_plan(args: argparse.Namespace, **more) -> FaultPlan:
    """The faults ``add_fault_arguments``'s options ask for (plus a replay's own settings in `more`)."""
    return FaultPlan(rate=args.faults, seed=args.fault_seed, kinds=parse_kinds(args.fault_kinds), **more)


def resolve_host(cli_host: str | None, env_name: str) -> str:
    """``--host`` wins; a host from the environment (``env_name``) must be loopback."""
    if cli_host:
        return cli_host
    env_host = os.environ.get(env_name) or DEFAULT_HOST
    if not is_loopback(env_host):
        raise ValueError(f"refusing non-loopback host {env_host!r} from {env_name}; pass --host {env_host} explicitly")
    return env_host


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


def env_number(program: str, name: str, kind: type, default):
    """The environment variable `name` as `kind` (unset or empty: `default`); a bad value ends the command with
    a usage error (exit 2) naming it."""
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return kind(value)
    except ValueError:
        noun = "an integer" if kind is int else "a number"
        print(f"{program}: error: {name} must be {noun}, got {value!r}", file=sys.stderr, flush=True)
        raise SystemExit(EXIT_USAGE) from None


# ---------------------------------------------------------------- banner


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


# ---------------------------------------------------------------- the run


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


def wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
