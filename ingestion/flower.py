"""`flower [--address A] [--port P] [-- FLOWER OPTIONS…]`: Flower, safe by default.

Flower binds every interface unless told otherwise and has no authentication of its own. This launcher
binds 127.0.0.1 unless asked, refuses (exit 2) a non-loopback address without FLOWER_BASIC_AUTH
(`user:password`, several pairs separated by commas), and then execs `celery -A tasks flower`. The
credentials reach Flower through the environment (Flower reads FLOWER_BASIC_AUTH itself), never through
the command line, where `ps` would show them to every user of the machine.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from ingestion.exits import command_main


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--address", default="127.0.0.1",
                        help="interface to bind (default 127.0.0.1; anything else needs FLOWER_BASIC_AUTH)")
    parser.add_argument("--port", type=int, default=5555, help="port (default 5555)")
    parser.add_argument("flower_args", nargs=argparse.REMAINDER,
                        help="after `--`: more Flower options (never --basic-auth: use FLOWER_BASIC_AUTH)")


def flower_command(address: str, port: int, extra: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "tasks", "flower", f"--address={address}", f"--port={port}",
            *extra]


def check(args: argparse.Namespace) -> str | None:
    """The reason to refuse these arguments, or None."""
    from workers.hosts import is_loopback
    from workers.settings import get_settings

    extra = [a for a in args.flower_args if a != "--"]
    if any(a.lstrip("-").replace("-", "_").startswith("basic_auth") for a in extra):
        return "pass the credentials as FLOWER_BASIC_AUTH=user:password, not on the command line (ps shows it)"
    if not 0 < args.port < 65536:
        return f"--port must be between 1 and 65535, got {args.port}"
    if not is_loopback(args.address) and get_settings().FLOWER_BASIC_AUTH is None:
        return (f"refusing to serve Flower on {args.address or 'every interface'} without authentication: "
                "set FLOWER_BASIC_AUTH=user:password (or bind --address 127.0.0.1)")
    return None


def flower_env() -> dict[str, str]:
    """The environment for Flower: FLOWER_BASIC_AUTH from the settings (which may come from .env)."""
    from workers.settings import get_settings

    env = dict(os.environ)
    secret = get_settings().FLOWER_BASIC_AUTH
    if secret is not None:
        env["FLOWER_BASIC_AUTH"] = secret.get_secret_value()
    else:
        env.pop("FLOWER_BASIC_AUTH", None)
    return env


def run(args: argparse.Namespace) -> int:
    """Refuse what check() refuses (exit 2), else exec Flower (this process becomes it)."""
    from workers.errors import BadArgument

    problem = check(args)
    if problem:
        raise BadArgument(problem)
    env = flower_env()
    command = flower_command(args.address, args.port, [a for a in args.flower_args if a != "--"])
    auth = "basic auth" if "FLOWER_BASIC_AUTH" in env else "no auth (loopback only)"
    print(f"starting Flower on {args.address}:{args.port} with {auth}", file=sys.stderr, flush=True)
    os.execvpe(command[0], command, env)
    return 0  # not reached


def main(argv: Sequence[str] | None = None) -> int:
    return command_main(sys.modules[__name__], None if argv is None else list(argv))


if __name__ == "__main__":
    sys.exit(main())
