"""Live mode: a recorded weekend served as if it were happening now, squeezed into minutes.

``LiveWeekend`` says which recorded meeting goes live and how fast: ``t0`` is the moment the server starts plus
``starts_in`` (rounded up to the whole second, as OpenF1 writes its times); the meeting's sessions, in their
recorded order, start ``session_seconds + gap_seconds`` apart and last ``session_seconds`` each; a session's
``session_result`` and ``starting_grid`` appear ``publish_after`` seconds after it ends, its drivers when it
starts, and while one runs the free tier gets 401 ``Session in progress``. The rest of that season is moved
around it: the meetings recorded before it keep their distance to it (all past), the k-th meeting after it
starts ``k * days_between`` days after t0's day (at its recorded time of day), and every meeting and session of
the season gets ``year`` (default: the current UTC year). ``timeline.LiveSeason`` does the serving.

``events`` script the upstream changes the workers must follow (``LiveEvent``): a meeting or a session called
off (``is_cancelled: true``), a session moved (``by`` seconds; its meeting's dates follow), results corrected
(the live session's ``session_result`` switches from ``initial_results``, an earlier state of the results, to
the recording's). An event happens ``at`` seconds after its anchor: ``start`` (t0), ``end`` (the weekend's
last session end) or ``published`` (when session ``key``'s results are published), all as first scheduled.

A scenario (``scenarios/<name>.json``) names a weekend and its events, their times in session lengths so that
they scale with the squeezed clock: ``LiveWeekend.scenario("belgium-2024", session_seconds=20)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .loader import data_files, endpoint_for_filename, read_records

ACTIONS = ("cancel_meeting", "cancel_session", "move_session", "correct_results")
ANCHORS = ("start", "end", "published")
SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
RESULTS = "session_result"

InitialResults = str | Path | Mapping[str, list[dict]] | Sequence[dict] | None


@dataclass(frozen=True)
class LiveEvent:
    """One scripted upstream change: `action` on meeting or session `key`, `at` seconds after `anchor`."""

    action: str
    key: int
    at: float
    anchor: str = "start"
    by: float = 0.0  # move_session: seconds later (negative: earlier)

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown live event action {self.action!r}: expected one of {', '.join(ACTIONS)}")
        if self.anchor not in ANCHORS:
            raise ValueError(f"unknown live event anchor {self.anchor!r}: expected one of {', '.join(ANCHORS)}")
        if self.action == "cancel_meeting" and self.anchor == "published":
            raise ValueError("cancel_meeting names a meeting, which has no results to anchor on: use start or end")


@dataclass(frozen=True)
class LiveWeekend:
    """Which recorded meeting is served live, on which squeezed clock, with which scripted changes."""

    meeting_key: int = 1242
    starts_in: float = 30.0
    session_seconds: float = 60.0
    gap_seconds: float = 30.0
    publish_after: float = 10.0
    days_between: float = 3.0
    year: int | None = None
    events: tuple[LiveEvent, ...] = ()
    initial_results: InitialResults = field(default=None, compare=False, repr=False)
    clock: Callable[[], datetime] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", tuple(self.events))
        if self.session_seconds <= 0 or self.days_between <= 0:
            raise ValueError("session_seconds and days_between must be > 0")
        if self.gap_seconds < 0 or self.publish_after < 0:
            raise ValueError("gap_seconds and publish_after must be >= 0")
        if not all(isinstance(event, LiveEvent) for event in self.events):
            raise TypeError("events must be LiveEvent objects")

    def now(self) -> datetime:
        """The clock's time in UTC (the injected clock's, else the machine's)."""
        moment = self.clock() if self.clock is not None else datetime.now(timezone.utc)
        return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)

    @classmethod
    def scenario(cls, name_or_file: str | Path, **settings) -> "LiveWeekend":
        """The weekend a scenario describes; `settings` (timings, `clock`, ...) override the scenario's own, and
        its events' times, written in session lengths, follow `session_seconds`."""
        scenario = load_scenario(name_or_file)
        meeting_key = settings.pop("meeting_key", scenario["meeting_key"])
        if meeting_key != scenario["meeting_key"]:
            raise ValueError(f"scenario {scenario['name']!r} is about meeting {scenario['meeting_key']}, "
                             f"not {meeting_key}")
        settings = {**scenario.get("settings", {}), **settings}
        session_seconds = settings.get("session_seconds", cls.session_seconds)
        events = tuple(LiveEvent(event["action"], event["key"], event["at_sessions"] * session_seconds,
                                 event.get("anchor", "start"), event.get("by", 0.0))
                       for event in scenario.get("events", ()))
        settings.setdefault("initial_results", scenario.get("initial_results"))
        return cls(meeting_key=meeting_key, events=events, **settings)


def scenario_names() -> list[str]:
    """The scenarios that ship with the replay (``openf1_replay/scenarios/*.json``), by name."""
    return sorted(path.stem for path in SCENARIO_DIR.glob("*.json"))


def load_scenario(name_or_file: str | Path) -> dict:
    """A scenario by name (one of ``scenario_names()``) or from a JSON file."""
    path = Path(name_or_file)
    if not path.is_file():
        path = SCENARIO_DIR / f"{name_or_file}.json"
    if not path.is_file():
        raise ValueError(f"no scenario {str(name_or_file)!r}: name one of {', '.join(scenario_names())} "
                         "or a JSON file")
    scenario = json.loads(path.read_text(encoding="utf-8"))
    scenario.setdefault("name", path.stem)
    return scenario


def load_initial_results(source: InitialResults, data_dir: Path) -> list[dict]:
    """The ``session_result`` records of an earlier state: a directory (relative: to the data directory first)
    holding them in OpenF1's file layout, records loaded already ({endpoint: [...]}), or a list of them."""
    if source is None:
        return []
    if isinstance(source, Mapping):
        return list(source.get(RESULTS, ()))
    if not isinstance(source, (str, Path)):
        return list(source)
    folder = Path(source).expanduser()
    if not folder.is_absolute() and (data_dir / folder).is_dir():
        folder = data_dir / folder
    records = [record for path in data_files(folder) if endpoint_for_filename(path.name) == RESULTS
               for record in read_records(path)]
    if not records:
        raise ValueError(f"no session_result records in {folder}")
    return records
