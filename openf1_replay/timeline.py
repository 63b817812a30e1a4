"""The live weekend's clockwork: a season's records as OpenF1 would serve them at a given moment.

``LiveSeason`` is built once per server start from the recordings and a ``LiveWeekend`` (see ``live``). It
plans every session of the live meeting's season on the wall clock, resolves each scripted event to a moment,
and answers a data request as of `now`: the meetings and sessions of the season with their dates, ``year`` and
cancellations as they stand, the live meeting's drivers from each session's start and its results and grids
from ``publish_after`` after each end, an earlier meeting's everything, a later meeting's nothing but its
meeting and sessions. Other seasons' records are served as recorded. Pure: the moment comes from the caller.

Event times are fixed by the first schedule (a moved session does not move an event anchored on it); what the
records say follows the events applied by then (a moved session's drivers and results follow its new times).
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Mapping

from .live import RESULTS, LiveEvent, LiveWeekend
from .query import answer_query, parse_datetime

MEETINGS, SESSIONS = "meetings", "sessions"
PUBLISHED_ENDPOINTS = (RESULTS, "starting_grid")  # filed under their session, published after it ends
EARLIER, LIVE, LATER = "earlier", "live", "later"


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime

    def shifted(self, delta: timedelta) -> "Span":
        return Span(self.start + delta, self.end + delta)

    def mapper(self, new: "Span") -> Callable[[datetime], datetime]:
        """The time in `new` of a time in this span (linear: a squeezed session squeezes its records' times)."""
        length = (self.end - self.start).total_seconds()
        ratio = (new.end - new.start).total_seconds() / length if length > 0 else 1.0
        return lambda moment: new.start + (moment - self.start) * ratio


@dataclass
class State:
    """Where the season stands once the first `applied` events have happened."""

    spans: dict[int, Span]
    cancelled_meetings: set[int] = field(default_factory=set)
    cancelled_sessions: set[int] = field(default_factory=set)
    corrected: set[int] = field(default_factory=set)
    moved_meetings: set[int] = field(default_factory=set)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def whole_second_after(moment: datetime) -> datetime:
    return moment.replace(microsecond=0) + (timedelta(seconds=1) if moment.microsecond else timedelta())


def date_fields(record: dict) -> Iterable[str]:
    return [name for name, value in record.items()
            if (name == "date" or name.startswith("date_")) and parse_datetime(value) is not None]


def retimed(record: dict, moved: Callable[[datetime], datetime], **fixed) -> dict:
    """A copy of `record` with every date field moved, then `fixed` fields set."""
    copy = dict(record)
    for name in date_fields(record):
        copy[name] = iso(moved(parse_datetime(record[name])))
    copy.update(fixed)
    return copy


class LiveSeason:
    """The live meeting's season planned on the wall clock from `started` (see the module doc)."""

    def __init__(self, weekend: LiveWeekend, records: Mapping[str, list[dict]], started: datetime,
                 initial_results: Iterable[dict] = ()) -> None:
        self.weekend = weekend
        self.records = records
        self.t0 = whole_second_after(started + timedelta(seconds=weekend.starts_in))
        self.year = weekend.year or started.astimezone(timezone.utc).year
        live = next((m for m in records.get(MEETINGS, ()) if m.get("meeting_key") == weekend.meeting_key), None)
        if live is None:
            raise ValueError(f"meeting {weekend.meeting_key} is not in the recorded meetings")
        self.recorded_year = live.get("year")
        self.meetings = {m["meeting_key"]: m for m in records[MEETINGS] if m.get("year") == self.recorded_year}
        self.sessions = {s["session_key"]: s for s in records.get(SESSIONS, ())
                         if s.get("meeting_key") in self.meetings}
        self.live_keys = sorted((key for key, s in self.sessions.items() if s["meeting_key"] == weekend.meeting_key),
                                key=lambda key: (self._recorded(key).start, key))
        if not self.live_keys:
            raise ValueError(f"meeting {weekend.meeting_key} has no recorded sessions")
        self.place, self.planned, self.deltas = self._plan()
        self.events = self._resolve(weekend.events)
        self.initial = self._initial(initial_results)
        self._views: dict[int, dict] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ planning

    def _recorded(self, session_key: int) -> Span:
        session = self.sessions[session_key]
        return Span(parse_datetime(session["date_start"]), parse_datetime(session["date_end"]))

    def _meeting_start(self, key: int) -> datetime:
        recorded = parse_datetime(self.meetings[key].get("date_start"))
        starts = [self._recorded(s).start for s, session in self.sessions.items() if session["meeting_key"] == key]
        return recorded or min(starts, default=datetime.min.replace(tzinfo=timezone.utc))

    def _plan(self) -> tuple[dict[int, str], dict[int, Span], dict[int, timedelta]]:
        """Each meeting's place (earlier, live, later), each session's planned span, and how far each meeting
        other than the live one moves."""
        weekend, live_key = self.weekend, self.weekend.meeting_key
        live_start = self._meeting_start(live_key)
        ordered = sorted(self.meetings, key=lambda key: (self._meeting_start(key), key))
        later = ordered[ordered.index(live_key) + 1:]
        day = self.t0.replace(hour=0, minute=0, second=0, microsecond=0)
        place, deltas = {}, {}
        for key in ordered:
            start = self._meeting_start(key)
            if key in later:
                time_of_day = start - start.replace(hour=0, minute=0, second=0, microsecond=0)
                days = (later.index(key) + 1) * weekend.days_between
                place[key], deltas[key] = LATER, whole_second_after(day + timedelta(days=days) + time_of_day) - start
            else:
                place[key], deltas[key] = (LIVE if key == live_key else EARLIER), self.t0 - live_start
        planned = {key: self._recorded(key).shifted(deltas[session["meeting_key"]])
                   for key, session in self.sessions.items()}
        slot = timedelta(seconds=weekend.session_seconds + weekend.gap_seconds)
        for index, key in enumerate(self.live_keys):
            start = self.t0 + index * slot
            planned[key] = Span(start, start + timedelta(seconds=weekend.session_seconds))
        return place, planned, deltas

    def _resolve(self, events: Iterable[LiveEvent]) -> list[tuple[datetime, LiveEvent]]:
        """Each event with the moment it happens, in time order (ties in the order given)."""
        resolved = []
        for event in events:
            self._check(event)
            anchor = {"start": self.t0, "end": self.planned[self.live_keys[-1]].end}.get(event.anchor)
            if anchor is None:
                anchor = self.planned[event.key].end + timedelta(seconds=self.weekend.publish_after)
            resolved.append((anchor + timedelta(seconds=event.at), event))
        return sorted(resolved, key=lambda pair: pair[0])

    def _check(self, event: LiveEvent) -> None:
        if event.action == "cancel_meeting":
            if event.key not in self.meetings:
                raise ValueError(f"{event.action}: meeting {event.key} is not a meeting of the live season")
        elif event.action == "correct_results" and event.key not in self.live_keys:
            raise ValueError(f"{event.action}: session {event.key} is not a session of the live meeting")
        elif event.key not in self.sessions:
            raise ValueError(f"{event.action}: session {event.key} is not a session of the live season")

    def _initial(self, records: Iterable[dict]) -> dict[int, list[dict]]:
        initial: dict[int, list[dict]] = {}
        for record in records:
            if record.get("session_key") in self.live_keys:
                initial.setdefault(record["session_key"], []).append(record)
        return initial

    # ------------------------------------------------------------------ state at a moment

    def applied(self, now: datetime) -> int:
        """How many events have happened by `now`."""
        return bisect_right([moment for moment, _ in self.events], now)

    def state(self, applied: int) -> State:
        state = State(dict(self.planned))
        for _, event in self.events[:applied]:
            if event.action == "cancel_meeting":
                state.cancelled_meetings.add(event.key)
            elif event.action == "cancel_session":
                state.cancelled_sessions.add(event.key)
            elif event.action == "correct_results":
                state.corrected.add(event.key)
            else:
                state.spans[event.key] = state.spans[event.key].shifted(timedelta(seconds=event.by))
                state.moved_meetings.add(self.sessions[event.key]["meeting_key"])
        return state

    def running(self, now: datetime) -> int | None:
        """The live session running at `now` (start <= now < end, neither it nor its meeting called off)."""
        state = self.state(self.applied(now))
        if self.weekend.meeting_key in state.cancelled_meetings:
            return None
        return next((key for key in self.live_keys if key not in state.cancelled_sessions
                     and state.spans[key].start <= now < state.spans[key].end), None)

    def session_running(self, now: datetime) -> bool:
        """Whether the free tier is locked out at `now` (401 Session in progress)."""
        return self.running(now) is not None

    # ------------------------------------------------------------------ answers

    def answer(self, endpoint: str, query: str, now: datetime) -> tuple[int, object]:
        """HTTP status and JSON payload of ``GET /v1/<endpoint>?<query>`` at `now`."""
        rows = [record for record, since in self._rows(endpoint, self.applied(now)) if since is None or since <= now]
        return answer_query({endpoint: rows}, endpoint, query)

    def _rows(self, endpoint: str, applied: int) -> list[tuple[dict, datetime | None]]:
        """The endpoint's records once `applied` events have happened, each with the moment it appears."""
        with self._lock:
            view = self._views.setdefault(applied, {})
            if endpoint not in view:
                view[endpoint] = self._build(endpoint, self.state(applied))
            return view[endpoint]

    def _build(self, endpoint: str, state: State) -> list[tuple[dict, datetime | None]]:
        if endpoint == MEETINGS:
            return [(self._meeting(record, state), None) for record in self.records.get(MEETINGS, ())]
        if endpoint == SESSIONS:
            return [(self._session(record, state), None) for record in self.records.get(SESSIONS, ())]
        rows = []
        for record in self._with_initial(endpoint, state):
            meeting_key = self._meeting_of(record)
            if meeting_key not in self.meetings:
                rows.append((record, None))
            elif self.place[meeting_key] != LATER:
                rows.append(self._season_row(endpoint, record, meeting_key, state))
        return rows

    def _with_initial(self, endpoint: str, state: State) -> list[dict]:
        """The endpoint's recorded records, a live session's results in their earlier state until corrected."""
        records = self.records.get(endpoint, [])
        if endpoint != RESULTS:
            return records
        earlier = {key for key in self.initial if key not in state.corrected}
        merged, placed = [], set()
        for record in records:
            key = record.get("session_key")
            if key not in earlier:
                merged.append(record)
            elif key not in placed:
                merged.extend(self.initial[key])
                placed.add(key)
        return merged + [record for key in sorted(earlier - placed) for record in self.initial[key]]

    def _meeting_of(self, record: dict) -> int | None:
        session = self.sessions.get(record.get("session_key"))
        return session["meeting_key"] if session is not None else record.get("meeting_key")

    def _season_row(self, endpoint: str, record: dict, meeting_key: int,
                    state: State) -> tuple[dict, datetime | None]:
        key = record.get("session_key")
        if key in self.sessions:
            record = retimed(record, self._recorded(key).mapper(state.spans[key])) if date_fields(record) else record
        elif date_fields(record):
            record = retimed(record, self._meeting_mover(meeting_key, state))
        if self.place[meeting_key] == EARLIER:
            return record, None
        if key not in self.sessions:
            return record, self._meeting_span(meeting_key, state).start
        span = state.spans[key]
        if endpoint in PUBLISHED_ENDPOINTS:
            return record, span.end + timedelta(seconds=self.weekend.publish_after)
        return record, span.start

    def _meeting_span(self, key: int, state: State, spans: Mapping[int, Span] | None = None) -> Span:
        """The span from a meeting's first session start to its last session end (in `spans`, default: now)."""
        spans = [(spans or state.spans)[s] for s, session in self.sessions.items() if session["meeting_key"] == key]
        return Span(min(span.start for span in spans), max(span.end for span in spans))

    def _follows_sessions(self, key: int, state: State) -> bool:
        """Whether a meeting's dates are its sessions' (the live meeting, or one with a session moved), rather
        than its recorded dates shifted."""
        return key == self.weekend.meeting_key or key in state.moved_meetings

    def _meeting_mover(self, key: int, state: State) -> Callable[[datetime], datetime]:
        """Where a time of a meeting's records goes: squeezed with its sessions, or shifted with the meeting."""
        if self._follows_sessions(key, state):
            recorded = {s: self._recorded(s) for s, session in self.sessions.items() if session["meeting_key"] == key}
            return self._meeting_span(key, state, recorded).mapper(self._meeting_span(key, state))
        return lambda moment: moment + self.deltas[key]

    def _meeting(self, record: dict, state: State) -> dict:
        key = record.get("meeting_key")
        if key not in self.meetings:
            return record
        fixed = {"year": self.year}
        if self._follows_sessions(key, state):
            span = self._meeting_span(key, state)
            fixed.update({name: iso(getattr(span, name[5:])) for name in ("date_start", "date_end") if name in record})
        if key in state.cancelled_meetings:
            fixed["is_cancelled"] = True
        return retimed(record, self._meeting_mover(key, state), **fixed)

    def _session(self, record: dict, state: State) -> dict:
        key = record.get("session_key")
        if key not in self.sessions:
            return record
        span = state.spans[key]
        fixed = {"year": self.year, "date_start": iso(span.start), "date_end": iso(span.end)}
        if key in state.cancelled_sessions:
            fixed["is_cancelled"] = True
        return retimed(record, self._recorded(key).mapper(span), **fixed)

    # ------------------------------------------------------------------ timeline

    def timeline(self, now: datetime) -> dict:
        """What ``GET /__replay/live`` answers: the clock, the live sessions and the scripted events at `now`."""
        applied = self.applied(now)
        state = self.state(applied)
        publish = timedelta(seconds=self.weekend.publish_after)
        running = self.running(now)
        return {
            "now": iso(now),
            "t0": iso(self.t0),
            "year": self.year,
            "recorded_year": self.recorded_year,
            "meeting_key": self.weekend.meeting_key,
            "locked_out": running is not None,
            "running": running,
            "sessions": [{"session_key": key, "meeting_key": self.weekend.meeting_key,
                          "name": self.sessions[key].get("session_name"),
                          "start": iso(state.spans[key].start), "end": iso(state.spans[key].end),
                          "results_published": iso(state.spans[key].end + publish),
                          "cancelled": key in state.cancelled_sessions} for key in self.live_keys],
            "events": [{"action": event.action, "key": event.key, "anchor": event.anchor, "after": event.at,
                        "by": event.by, "at": iso(moment), "applied": index < applied}
                       for index, (moment, event) in enumerate(self.events)],
            "meetings": [{"meeting_key": key, "name": self.meetings[key].get("meeting_name"), "place": self.place[key],
                          **{name: value for name, value in self._meeting(self.meetings[key], state).items()
                             if name in ("date_start", "date_end", "is_cancelled")}}
                         for key in sorted(self.meetings, key=lambda key: (self._meeting_start(key), key))],
        }
