"""OpenF1's answers saved in the layout its replay serves (`python -m ingestion record`, then
`python -m openf1_replay --data-dir DIR`): FOLDER/meetings.json and sessions.json hold `/meetings?year=` and
`/sessions?year=`; each meeting's `/drivers?meeting_key=` (and, with results, `/session_result` and
`/starting_grid`) is split by session into `<endpoint>_session_<session_key>.json`. Every request goes through
`fetch` (the command's: the workers' client, within the fleet's limit)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from workers.http import Answer
from workers.sources.base import Recorded
from workers.sources.openf1 import endpoints as ep
from workers.sources.openf1.client import records

MEETING_ENDPOINTS = (ep.DRIVERS.path,)
SPOILER_ENDPOINTS = (ep.SESSION_RESULT.path, ep.STARTING_GRID.path)  # the spoiler rule: never requested without results


def record_season(folder: Path, year: int, include_results: bool | None, fetch: Callable[[str], Answer],
                  now: datetime, progress: Callable[[str], None] = lambda line: None) -> Recorded:
    """The season's answers written into `folder`; results as asked, else (the spoiler rule) only when every meeting of
    the season has ended."""
    from workers.sources.openf1.source import meeting_end

    meetings = records(fetch(f"{ep.MEETINGS.path}?year={year}"))
    valid, _ = ep.validate(ep.MEETINGS, meetings)
    include = include_results if include_results is not None else \
        bool(valid) and all(meeting_end(m) < now for m in valid)
    write_json(folder / "meetings.json", meetings)
    write_json(folder / "sessions.json", records(fetch(f"{ep.SESSIONS.path}?year={year}")))
    endpoints = MEETING_ENDPOINTS + (SPOILER_ENDPOINTS if include else ())
    files = 2
    keys = sorted({m["meeting_key"] for m in meetings if isinstance(m, dict) and "meeting_key" in m})
    for key in keys:
        written = {endpoint: record_meeting(folder, endpoint, key, fetch) for endpoint in endpoints}
        files += sum(written.values())
        progress(f"meeting {key}: " + ", ".join(f"{e} {n} files" for e, n in written.items()))
    return Recorded(len(meetings), files, include)


def record_meeting(folder: Path, endpoint: str, meeting_key: int, fetch: Callable[[str], Answer]) -> int:
    """One `?meeting_key=` request, written as one file per session; returns the number of files."""
    groups = by_session(records(fetch(f"{endpoint}?meeting_key={meeting_key}")))
    for session_key, found in groups.items():
        suffix = f"session_{session_key}" if session_key is not None else f"all_meeting_{meeting_key}"
        write_json(folder / f"{endpoint}_{suffix}.json", found)
    return len(groups)


def by_session(found: list[Any]) -> dict[int | None, list[Any]]:
    """Records grouped by their integer session_key (None for the others), each group in response order."""
    groups: dict[int | None, list[Any]] = {}
    for record in found:
        key = record.get("session_key") if isinstance(record, dict) else None
        groups.setdefault(key if isinstance(key, int) and not isinstance(key, bool) else None, []).append(record)
    return groups


def write_json(path: Path, found: list[Any]) -> None:
    path.write_text(json.dumps(found, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
