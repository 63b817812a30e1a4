"""The source layout: the year picks the source, and what OpenF1's module asks for (pure, from the recorded
meetings): a season in a handful of requests, a few meetings by their interval, a fallback per meeting."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from workers import sources
from workers.sources.base import ENTRANTS, RESULTS, SESSIONS, RoundRef, parts
from workers.sources.openf1 import SOURCE as OPENF1

DATA_DIR = Path(os.environ.get("OPENF1_REPLAY_DIR", Path(__file__).resolve().parents[2] / "recordings" / "openf1"))


class Landed:
    """The landing as the source sees it: the recorded `meetings?year=` answer."""

    def __init__(self, year: int) -> None:
        self.meetings = json.loads((DATA_DIR / str(year) / "meetings.json").read_text())

    def records(self, endpoint: str, round_key: str | None = None) -> list:
        return self.meetings if endpoint == "meetings" else []


def season(year: int) -> list[RoundRef]:
    return OPENF1.rounds(year, Landed(year)).rounds


def test_the_year_picks_the_source_and_a_year_before_every_source_is_refused():
    assert sources.for_season(2023) is OPENF1 and sources.for_season(2026) is OPENF1
    assert sources.for_season(2022).name == sources.name_for_season(1950) == "jolpica"
    assert sources.name_for_season(2023) == "openf1"
    with pytest.raises(ValueError, match="no source covers the 1949 season"):
        sources.for_season(1949)


def test_a_season_with_results_is_five_requests_three_of_them_one_meeting_key_interval():
    rounds = season(2024)
    wanted = OPENF1.content_requests(2024, rounds, True, parts(True), frozenset(), Landed(2024))
    first, last = min(int(r.key) for r in rounds), max(int(r.key) for r in rounds)
    interval = f"meeting_key>={first}&meeting_key<={last}"
    assert [r.key for r in OPENF1.index_requests(2024) + wanted] == [
        "meetings?year=2024", "sessions?year=2024", f"drivers?{interval}", f"session_result?{interval}",
        f"starting_grid?{interval}"]
    assert all(r.rounds is None and r.season == 2024 for r in wanted)  # each covers the whole season
    assert [r.spoiler for r in wanted] == [False, False, True, True]
    assert [r.fallback for r in wanted] == [False, True, True, True]


def test_without_results_no_spoiler_endpoint_is_asked_for():
    wanted = OPENF1.content_requests(2024, season(2024), True, parts(False), frozenset(), Landed(2024))
    assert [r.endpoint for r in wanted] == ["sessions", "drivers"]


def test_a_few_meetings_are_asked_for_by_their_interval_and_one_meeting_by_its_key():
    rounds = season(2024)
    two = [r for r in rounds if r.key in ("1250", "1251")]
    wanted = OPENF1.content_requests(2024, two, False, parts(True), frozenset(), Landed(2024))
    assert {r.key for r in wanted} == {f"{e}?meeting_key>=1250&meeting_key<=1251"
                                       for e in ("sessions", "drivers", "session_result", "starting_grid")}
    assert all(r.rounds == ("1250", "1251") for r in wanted)
    one = OPENF1.content_requests(2024, two[:1], False, parts(False), frozenset(), Landed(2024))
    assert [(r.key, r.rounds, r.fallback) for r in one] == [("sessions?meeting_key=1250", ("1250",), False),
                                                            ("drivers?meeting_key=1250", ("1250",), False)]


def test_an_endpoint_that_fell_back_is_asked_for_once_per_meeting():
    rounds = season(2023)
    wanted = OPENF1.content_requests(2023, rounds, True, parts(False), frozenset({"drivers"}), Landed(2023))
    drivers = [r for r in wanted if r.endpoint == "drivers"]
    assert sorted(r.key for r in drivers) == sorted(f"drivers?meeting_key={r.key}" for r in rounds)
    assert all(r.rounds == (r.key.split("=")[1],) for r in drivers)


def test_the_calendar_ahead_is_its_sessions_by_one_interval_and_a_round_s_results_three_requests_by_its_key():
    rounds = [r for r in season(2024) if r.key in ("1242", "1243", "1244")]
    calendar = OPENF1.content_requests(2024, rounds, False, frozenset({SESSIONS}), frozenset(), Landed(2024))
    assert [r.key for r in calendar] == ["sessions?meeting_key>=1242&meeting_key<=1244"]
    one = OPENF1.content_requests(2024, rounds[:1], False, frozenset({ENTRANTS, RESULTS}), frozenset(), Landed(2024))
    assert [r.key for r in one] == [f"{e}?meeting_key=1242" for e in ("drivers", "session_result", "starting_grid")]
    assert [r.spoiler for r in one] == [False, True, True]
    entrants_only = OPENF1.content_requests(2024, rounds[:1], False, frozenset({ENTRANTS}), frozenset(), Landed(2024))
    assert [r.endpoint for r in entrants_only] == ["drivers"]  # no spoiler endpoint without RESULTS


def test_rounds_of_the_index_end_when_their_last_session_ends():
    bahrain = next(r for r in season(2024) if r.key == "1229")
    assert bahrain.start == datetime(2024, 2, 29, 11, 30, tzinfo=timezone.utc)
    assert bahrain.end > bahrain.start

