"""A live weekend followed by the workers, measured: for each session of the OpenF1 replay's live weekend, how long
after its start and end the database said InProgress and Completed, and how long after their publication its
results were in; for each scripted upstream change (a meeting called off, a session moved, results corrected), how
long until the database had it. Read from "SessionChanges" (when each change was written) against the replay's own
timeline (`GET /__replay/live`). Shared by tests/system/test_season_in_motion.py and bench/live.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg

from openf1_replay import LiveWeekend

IN_PROGRESS, COMPLETED, CANCELLED = "InProgress", "Completed", "Cancelled"


@dataclass
class SessionFigures:
    key: int
    name: str
    start: datetime
    end: datetime
    published: datetime
    in_progress: float | None = None  # seconds from its start to the change to InProgress
    completed: float | None = None  # from its end to Completed
    results: float | None = None  # from its results' publication upstream to the first results change
    status_changes: list[str] = field(default_factory=list)  # the statuses it changed to, in order


@dataclass
class EventFigures:
    action: str
    key: int
    at: datetime
    seen: float | None = None  # seconds from the change upstream to the database


@dataclass
class WeekendFigures:
    sessions: list[SessionFigures]
    events: list[EventFigures]
    round_end: datetime
    change_keys: set[str]  # every key of every Before/After object written


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def changes(conn: psycopg.Connection) -> list[dict[str, Any]]:
    rows = conn.execute('SELECT s."OpenF1SessionKey", r."OpenF1MeetingKey", c."Kind", c."Before", c."After", c."At" '
                        'FROM "SessionChanges" c JOIN "Sessions" s ON s."Id" = c."SessionId" '
                        'JOIN "Rounds" r ON r."Id" = s."RoundId" ORDER BY c."Id"').fetchall()
    return [dict(zip(("session", "meeting", "kind", "before", "after", "at"), row)) for row in rows]


def _first(found: list[dict[str, Any]], since: datetime | None = None, **match: Any) -> dict[str, Any] | None:
    return next((c for c in found if all(c[k] == v for k, v in match.items()) and (since is None or c["at"] >= since)),
                None)


def _seconds(change: dict[str, Any] | None, since: datetime) -> float | None:
    return None if change is None else round((change["at"] - since).total_seconds(), 2)


def measure(conn: psycopg.Connection, timeline: dict[str, Any]) -> WeekendFigures:
    found = changes(conn)
    sessions = []
    for live in timeline["sessions"]:
        start, end, published = when(live["start"]), when(live["end"]), when(live["results_published"])
        mine = [c for c in found if c["session"] == live["session_key"]]
        figures = SessionFigures(live["session_key"], live["name"], start, end, published,
                                 status_changes=[c["after"]["status"] for c in mine if c["kind"] == "status"])
        figures.in_progress = _seconds(_first(mine, kind="status", after={"status": IN_PROGRESS}), start)
        figures.completed = _seconds(_first(mine, kind="status", after={"status": COMPLETED}), end)
        results = next((c for c in mine if c["kind"] == "results" and c["after"]["results"] > 0), None)
        figures.results = _seconds(results, published)
        sessions.append(figures)
    events = [EventFigures(e["action"], e["key"], when(e["at"])) for e in timeline["events"]]
    for event in events:
        event.seen = _seconds(_seen(conn, found, event), event.at)
    keys = {key for c in found for key in (*c["before"], *c["after"])}
    return WeekendFigures(sessions, events, max(s.end for s in sessions), keys)


def _seen(conn: psycopg.Connection, found: list[dict[str, Any]], event: EventFigures) -> dict[str, Any] | None:
    """The change row that shows the scripted change in the database (the last of a meeting's sessions)."""
    if event.action == "cancel_meeting":
        cancelled = [c for c in found if c["meeting"] == event.key and c["after"] == {"status": CANCELLED}]
        sessions = conn.execute('SELECT count(*) FROM "Sessions" s JOIN "Rounds" r ON r."Id" = s."RoundId" '
                                'WHERE r."OpenF1MeetingKey" = %s', [event.key]).fetchone()[0]
        done = len({c["session"] for c in cancelled}) == sessions > 0
        return max(cancelled, key=lambda c: c["at"]) if done else None
    if event.action == "cancel_session":
        return _first(found, session=event.key, after={"status": CANCELLED})
    if event.action == "move_session":
        return _first(found, session=event.key, kind="schedule")
    return _first(found, event.at, session=event.key, kind="results")


def table(figures: WeekendFigures) -> str:
    """The figures as the bench prints them."""
    lines = ["session                 start→InProgress  end→Completed  published→results  statuses"]
    for s in figures.sessions:
        lines.append(f"{s.key} {s.name:<17} {_s(s.in_progress):>16} {_s(s.completed):>14} {_s(s.results):>18}  "
                     f"{' → '.join(s.status_changes)}")
    for e in figures.events:
        lines.append(f"{e.action} {e.key} at {e.at:%H:%M:%S}: in the database {_s(e.seen)} later")
    return "\n".join(lines)


def _s(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.1f}s"


def follow_env(tick: float, calendar_every: float, results_every: float, corrections_at: str) -> dict[str, str]:
    """The FOLLOW_* settings of a squeezed weekend, and the live lock-out's wait squeezed alike."""
    return {"FOLLOW_TICK": str(tick), "FOLLOW_CALENDAR_EVERY": str(calendar_every),
            "FOLLOW_RESULTS_EVERY": str(results_every), "FOLLOW_CORRECTIONS_AT": corrections_at,
            "OPENF1_LIVE_RETRY_SECONDS": str(results_every), "BEAT_RESUME_EVERY": "3600",
            "BEAT_SYNC_SERIES_EVERY": "86400"}


def weekend_over(timeline: dict[str, Any], corrections_at: str, slack: float) -> datetime:
    """When every scripted event, the weekend and its last correction read are past (plus `slack` seconds)."""
    end = max(when(s["end"]) for s in timeline["sessions"])
    last = max([end + timedelta(seconds=float(corrections_at.split(",")[-1]))]
               + [when(e["at"]) for e in timeline["events"]])
    return last + timedelta(seconds=slack)


def squeezed(starts_in: float, session_seconds: float, gap_seconds: float, publish_after: float) -> LiveWeekend:
    return LiveWeekend.scenario("belgium-2024", starts_in=starts_in, session_seconds=session_seconds,
                                gap_seconds=gap_seconds, publish_after=publish_after)
