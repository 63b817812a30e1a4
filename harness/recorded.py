"""Expectations computed straight from the recorded OpenF1 files (independently of workers.mapping)."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def load(data_dir: Path, year: int, pattern: str) -> list[dict]:
    records: list[dict] = []
    for path in sorted((data_dir / str(year)).glob(pattern)):
        records += json.loads(path.read_text())
    return records


@dataclass
class Season:
    year: int
    meetings: int
    championship_rounds: int
    sessions: int
    entrants: set
    drivers: set
    teams: set
    results: int
    invalid_driver_rows: int


def season(data_dir: Path, year: int) -> Season:
    meetings = load(data_dir, year, "meetings.json")
    sessions = load(data_dir, year, "sessions.json")
    drivers = load(data_dir, year, "drivers_session_*.json")
    valid = [d for d in drivers if d.get("team_name") and d.get("first_name") and d.get("last_name")]
    numbers = {(d["meeting_key"], d["driver_number"]) for d in valid}
    results = [r for r in load(data_dir, year, "session_result_session_*.json")
               if (r["meeting_key"], r["driver_number"]) in numbers]
    championship = [m for m in meetings if "Testing" not in m["meeting_name"]
                    and not m.get("is_cancelled") and not m["meeting_official_name"].startswith("CALLED OFF")]
    return Season(
        year=year,
        meetings=len(meetings),
        championship_rounds=len(championship),
        sessions=len(sessions),
        entrants={(d["meeting_key"], _slug(f"{d['first_name']} {d['last_name']}"), _slug(d["team_name"]))
                  for d in valid},
        drivers={_slug(f"{d['first_name']} {d['last_name']}") for d in valid},
        teams={_slug(d["team_name"]) for d in valid},
        results=len(results),
        invalid_driver_rows=len(drivers) - len(valid),
    )
