"""`python -m ingestion record --year Y --out DIR [--no-results | --results]`: save the answers a season sync
needs, in the layout the source's replay serves (for OpenF1: `python -m openf1_replay --data-dir DIR`).

The season's source (the registry's, by year) writes the files (`Source.record_season`); only a source whose
replay serves answers recorded from it records (`records_seasons`: OpenF1; the Jolpica replay serves the Ergast
export and The Third Turn's saved pages). Every request goes through the source's client, within the fleet's
shared limit. The year folder is replaced as a whole only once every request succeeded. Progress lines carry
counts only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import uuid
from pathlib import Path

from ingestion.arguments import add_results_flags
from ingestion.exits import EXIT_OK, command_main


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", required=True, help="season to record (2023 onwards)")
    parser.add_argument("--out", required=True, type=Path, help="data directory; the files go to OUT/<year>/")
    add_results_flags(parser, "no result or starting grid request, no such file (spoiler-free)")


def run(args: argparse.Namespace) -> int:
    from ingestion.fetching import fetch_answer
    from workers import sources
    from workers.errors import BadArgument
    from workers.pipeline.arguments import validate_year
    from workers.pipeline.resources import utcnow

    year = validate_year(args.year)
    source = sources.for_season(year)
    if not source.records_seasons:
        recorders = [s for s in sources.all_sources() if s.records_seasons]
        since = ", ".join(f"{s.label} seasons, {s.first_year()} onwards" for s in recorders) or "no season"
        raise BadArgument(f"record saves {since} (the {source.label} replay serves data of its own), got {year}")
    staging = args.out / f".{year}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        saved = source.record_season(staging, year, args.include_results, lambda target: fetch_answer(source, target),
                                     utcnow(), progress=lambda line: print(line, flush=True))
        replace_dir(staging, args.out / str(year))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"recorded {year}: {saved.rounds} {source.rounds_called}, {saved.files} files in {args.out / str(year)} "
          f"({'with' if saved.include_results else 'without'} results)", flush=True)
    return EXIT_OK


def replace_dir(staging: Path, target: Path) -> None:
    """Swap the finished recording in; a previous recording of the year is removed only afterwards."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
