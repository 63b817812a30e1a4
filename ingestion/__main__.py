"""`parcferme COMMAND …` (the same program as `python -m ingestion COMMAND …`): every operator command.

Each command is a module of `ingestion/` (COMMANDS below); only the chosen one is imported, so `--help` and
`sync --help` answer without loading psycopg, pydantic or Celery. The seed's spellings keep working:
`python -m ingestion.<module>` (healthcheck, bulk_sync, db, flower, …) runs the same command as
`parcferme <command>`. Every command follows the exit-code table of ingestion/exits.py (shown by --help)."""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from typing import NamedTuple

from ingestion import exits
from ingestion.arguments import Parser

DESCRIPTION = ("Parc Fermé's ingestion workers, for operators: send syncs and follow them, look at runs, check "
               "the parts and the data, keep the database.")


class Command(NamedTuple):
    module: str  # ingestion.<module>: its docstring describes the command
    help: str  # its line in --help
    arguments: str = "add_arguments"  # the module's function that adds its arguments
    handler: str = "run"  # the module's function that runs it


COMMANDS = {
    "sync": Command("ingestion.sync", "send a sync (the current season, --year, --recent or --series) and follow the "
                                      "run to its end"),
    "bulk-sync": Command("ingestion.bulk_sync", "sync several seasons (--all, --start-year) or series (--series, "
                                                "--followed) and follow them all"),
    "rebuild": Command("ingestion.sync", "map a season again from the landed answers (no request) and follow the run",
                       "add_rebuild_arguments", "rebuild"),
    "follow": Command("ingestion.follow", "follow a run until it ends (e.g. again after Ctrl-C)"),
    "runs": Command("ingestion.runs", "the latest runs; `runs show RUN_ID`: one run's rounds, errors, retries and "
                                      "quarantined records"),
    "resume": Command("ingestion.resume", "send again what a lost broker message left pending (the sweep beat runs)"),
    "verify": Command("ingestion.verify", "check each season (or a series) against what its source lists now"),
    "status": Command("ingestion.status", "each source's last read, the rounds under way and what is due next"),
    "healthcheck": Command("ingestion.healthcheck", "check PostgreSQL, the indexes, Redis, the sources and the "
                                                    "workers (exit 0 only if all pass)"),
    "db": Command("ingestion.db", "the database's upkeep: migrate, check, audit, clean-racing"),
    "flower": Command("ingestion.flower", "Flower on 127.0.0.1 (anything else needs FLOWER_BASIC_AUTH)"),
    "record": Command("ingestion.record", "save a season's OpenF1 answers in the replay server's layout"),
}
ALIASES = {"bulk_sync": "bulk-sync"}  # the seed's module name, as a command


class Version(argparse.Action):
    """--version: the installed project's version, read only when asked."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"{parser.prog} {version()}")
        parser.exit()


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("parcferme-ingestion")
    except PackageNotFoundError:
        return "(not installed: run from a source tree)"


def build_parser(chosen: str | None = None, prog: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `chosen` (a command's name, or "" for none), only that command's module is
    imported and the others are named with their help line only."""
    parser = Parser(prog=prog or exits.program(), description=DESCRIPTION, epilog=exits.exit_code_table(),
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=Version)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = ALIASES.get(chosen, chosen) if chosen is not None else None
    for name, command in COMMANDS.items():
        aliases = [alias for alias, target in ALIASES.items() if target == name]
        if chosen is not None and chosen != name:
            sub.add_parser(name, help=command.help, aliases=aliases)
            continue
        module = importlib.import_module(command.module)
        described = sub.add_parser(name, help=command.help, aliases=aliases, description=module.__doc__,
                                   epilog=exits.exit_code_table(), formatter_class=argparse.RawDescriptionHelpFormatter)
        getattr(module, command.arguments)(described)
        described.set_defaults(handler=getattr(module, command.handler))
    return parser


def main(argv: list[str] | None = None, prog: str = "parcferme") -> int:
    """The console script `parcferme`; `python -m ingestion` passes its own name (the commands it suggests read
    as it was started)."""
    argv = sys.argv[1:] if argv is None else argv
    exits.PROGRAM[0] = prog
    chosen = argv[0] if argv and not argv[0].startswith("-") else ""
    args = build_parser(chosen, prog).parse_args(argv)
    return exits.run_command(args.handler, args)


if __name__ == "__main__":
    code = main(prog="python -m ingestion")
    gc.freeze()  # about to exit: spare the interpreter collecting every object the command built (about 0.07 s)
    sys.exit(code)
