"""The exit codes every command follows, and the one place a failure becomes one line on stderr and its code.

A command raises; `run_command` says what went wrong on one line (`error: …`, with what to do) and exits with the
code of the table below, never with a traceback: a bad argument or setting, PostgreSQL or Redis that cannot be
reached (refused, a wrong password, a missing database or role), no worker, a follow that gave up. With --json, the
same failure is also one JSON event on stdout.

Nothing slow is imported here at module level: every command imports this module, and `--help` must answer
without loading psycopg, pydantic or Celery."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NO_WORKER, EXIT_UNREACHABLE, EXIT_TIMED_OUT = 0, 1, 2, 3, 4, 5
EXIT_INTERRUPTED = 130  # Ctrl-C: the shell's own code for SIGINT

EXIT_CODES = (
    (EXIT_OK, "done: the run(s) succeeded, all checks passed, nothing missing"),
    (EXIT_FAILED, "failed: a run failed, a check or the audit found something, an error of the workers"),
    (EXIT_USAGE, "usage: a bad argument or setting (an unknown or malformed run id too), refused before anything "
                 "is sent"),
    (EXIT_NO_WORKER, "no Celery worker answered (nothing was sent)"),
    (EXIT_UNREACHABLE, "PostgreSQL or Redis cannot be reached or refuses us: down, a wrong password, a missing "
                       "database or role"),
    (EXIT_TIMED_OUT, "following gave up after --timeout; the run goes on (follow it again)"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C): following stopped, the run goes on"),
)

PROGRAM = ["python -m ingestion"]  # how this program was started, for the commands it suggests (see program())


def program() -> str:
    """The command that started this program (`parcferme` or `python -m ingestion`), to suggest the next one."""
    return PROGRAM[0]


def exit_code_table() -> str:
    """The table of exit codes, for --help's epilog."""
    return "exit codes:\n" + "\n".join(f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES)


class NoWorker(Exception):
    """No Celery worker answered the ping: nothing was sent."""


class FollowTimedOut(Exception):
    """--timeout passed before the run(s) ended; they go on."""


def run_command(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a command, its log lines on stderr at LOG_LEVEL (ingestion/logs.py); any failure is one line on stderr
    (and a JSON event with --json) and the table's code."""
    try:
        from ingestion import logs

        logs.setup()  # a bad LOG_LEVEL or LOG_FORMAT is a failure of its own: one line, exit 2
        return handler(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # every failure is told on one line (see failure()); a bug is raised again
        code, message = failure(exc)
        if code is None:
            raise  # a bug: its traceback is what a developer needs
        report(message, code, getattr(args, "json", False))
        return code


def report(message: str, code: int, as_json: bool = False) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)
    if as_json:
        print(json.dumps({"event": "error", "exit_code": code, "message": message}), flush=True)


def failure(exc: BaseException) -> tuple[int | None, str]:
    """(exit code, the one line) of a failure; (None, "") for an exception no command expects (a bug)."""
    from workers.errors import BadArgument, BrokerUnavailable, DatabaseUnavailable, IngestionError
    from workers.settings import SettingsError

    if isinstance(exc, (SettingsError, BadArgument)):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, NoWorker):
        return EXIT_NO_WORKER, str(exc)
    if isinstance(exc, FollowTimedOut):
        return EXIT_TIMED_OUT, str(exc)
    if isinstance(exc, (DatabaseUnavailable, BrokerUnavailable)):
        return EXIT_UNREACHABLE, str(exc)
    if isinstance(exc, IngestionError):
        return EXIT_FAILED, str(exc)
    unreachable = _infrastructure(exc)
    if unreachable is not None:
        return EXIT_UNREACHABLE, unreachable
    return None, ""


def _infrastructure(exc: BaseException) -> str | None:
    """The line for a PostgreSQL or Redis failure that reached the top without a command catching it (a server
    lost in the middle of a command): psycopg's, redis's and kombu's errors, told by preflight."""
    from ingestion import preflight
    from workers.settings import get_settings

    if _is(exc, "psycopg", "OperationalError"):
        return str(preflight.postgres_failure(exc, get_settings().DATABASE_URL))
    if _is(exc, "redis", "RedisError") or _is(exc, "kombu.exceptions", "OperationalError"):
        return str(preflight.redis_failure(exc, get_settings().REDIS_URL))
    return None


def _is(exc: BaseException, module: str, name: str) -> bool:
    """isinstance(exc, module.name) without importing the module (a command that never loaded it raised none)."""
    kind = getattr(sys.modules.get(module), name, None)
    return isinstance(kind, type) and isinstance(exc, kind)


def command_main(module: Any, argv: list[str] | None = None, **parser_options: Any) -> int:
    """`python -m ingestion.<command>` (the seed's spelling, still working): the module's own parser, with its
    docstring as description, run as every command is."""
    from ingestion.arguments import Parser

    parser = Parser(prog=f"python -m {module.__spec__.name}", description=module.__doc__, epilog=exit_code_table(),
                    formatter_class=argparse.RawDescriptionHelpFormatter, **parser_options)
    module.add_arguments(parser)
    return run_command(module.run, parser.parse_args(argv))
