"""`python -m ingestion record --year Y --out DIR [--no-results | --results]`: save the OpenF1 responses a
season sync needs, in the layout the replay server serves (`python -m openf1_replay --data-dir DIR`).

DIR/<year>/meetings.json and sessions.json hold `/meetings?year=` and `/sessions?year=`; each meeting's
`/drivers?meeting_key=` (and, with results, `/session_result` and `/starting_grid`) is split by session
into `<endpoint>_session_<session_key>.json`. Requests go through the workers' OpenF1 client, so within
the fleet's shared rate limit. The year folder is replaced as a whole only once every request succeeded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

from ingestion.arguments import add_results_flags
from ingestion.exits import EXIT_OK, command_main
from ingestion.fetching import through_fleet_limit
MEETING_ENDPOINTS = ("drivers",)
SPOILER_ENDPOINTS = ("session_result", "starting_grid")  # SPEC §3: never requested with --no-results


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", required=True, help="season to record (2023 onwards)")
    parser.add_argument("--out", required=True, type=Path, help="data directory; the files go to OUT/<year>/")
    add_results_flags(parser, "no session_result / starting_grid request, no such file (spoiler-free)")


def run(args: argparse.Namespace) -> int:
    from workers import sources
    from workers.errors import BadArgument
    from workers.pipeline.arguments import validate_year

    year = validate_year(args.year)
    if sources.name_for_season(year) != "openf1":
        raise BadArgument(f"record saves OpenF1 seasons, {sources.get('openf1').first_year()} onwards "
                          f"(the Jolpica replay serves history from the Ergast export), got {year}")
    meetings = fetch("meetings", year=year)
    include = include_results(meetings, args.include_results)
    staging = args.out / f".{year}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        files = record_season(staging, year, meetings, include)
        replace_dir(staging, args.out / str(year))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"recorded {year}: {len(meetings)} meetings, {files} files in {args.out / str(year)} "
          f"({'with' if include else 'without'} results)", flush=True)
    return EXIT_OK


def include_results(meetings: list[dict[str, Any]], asked: bool | None) -> bool:
    """Asked for, or by default (SPEC §3) only when every meeting of the season has ended."""
    from workers.pipeline.dispatch import default_include_results
    from workers.sources.base import RoundRef
    from workers.pipeline.resources import utcnow
    from workers.sources.openf1 import endpoints as ep
    from workers.sources.openf1 import meeting_end

    if asked is not None:
        return asked
    valid, _ = ep.validate(ep.MEETINGS, meetings)
    return default_include_results([RoundRef(str(m.meeting_key), m.date_start, meeting_end(m)) for m in valid], utcnow())


def record_season(folder: Path, year: int, meetings: list[dict[str, Any]], include: bool) -> int:
    write_json(folder / "meetings.json", meetings)
    write_json(folder / "sessions.json", fetch("sessions", year=year))
    endpoints = MEETING_ENDPOINTS + (SPOILER_ENDPOINTS if include else ())
    files = 2
    for key in sorted({m["meeting_key"] for m in meetings if "meeting_key" in m}):
        written = {endpoint: record_meeting(folder, endpoint, key) for endpoint in endpoints}
        files += sum(written.values())
        print(f"meeting {key}: " + ", ".join(f"{e} {n} files" for e, n in written.items()), flush=True)
    return files


def record_meeting(folder: Path, endpoint: str, meeting_key: int) -> int:
    """One `?meeting_key=` request, written as one file per session; returns the number of files."""
    groups = by_session(fetch(endpoint, meeting_key=meeting_key))
    for session_key, records in groups.items():
        suffix = f"session_{session_key}" if session_key is not None else f"all_meeting_{meeting_key}"
        write_json(folder / f"{endpoint}_{suffix}.json", records)
    return len(groups)


def by_session(records: list[Any]) -> dict[int | None, list[Any]]:
    """Records grouped by their integer session_key (None for the others), each group in response order."""
    groups: dict[int | None, list[Any]] = {}
    for record in records:
        key = record.get("session_key") if isinstance(record, dict) else None
        groups.setdefault(key if isinstance(key, int) and not isinstance(key, bool) else None, []).append(record)
    return groups


def fetch(path: str, **params: Any) -> list[Any]:
    """OpenF1's records of `GET path?params` for a command: a wait for the fleet's next OpenF1 slot is slept,
    not given up."""
    from workers.sources.openf1 import SOURCE

    return through_fleet_limit(SOURCE, lambda client: client.get(path, **params))


def write_json(path: Path, records: list[Any]) -> None:
    path.write_text(json.dumps(records, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


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
