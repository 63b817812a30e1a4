"""The OpenF1 replay's live mode on the real recordings: the 2024 Belgian GP served as happening now.

Time comes from an injected clock (`Clock`), so every outcome is decided by a moment the test sets, never by a
sleep. Most tests ask `LiveSeason` directly; the lock-out, the stats log, `/__replay/live` and the command line
go over real HTTP. No database, no Redis. Expected values come from the recorded files themselves.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from harness.commands import running
from openf1_replay import ReplayServer, load_records
from openf1_replay.handler import SESSION_IN_PROGRESS
from openf1_replay.live import LiveEvent, LiveWeekend, load_initial_results, load_scenario, scenario_names
from openf1_replay.timeline import LiveSeason

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = (REPO / "recordings" / "openf1").resolve()
SNAPSHOT = "snapshot_2025-12_all_sessions_2023-2025"
BELGIUM, DUTCH, ITALIAN = 1242, 1243, 1244
FP1, QUALIFYING, RACE = 9567, 9570, 9574
ITALIAN_RACE = 9590
RUSSELL = 63
STARTED = datetime(2026, 7, 1, 13, 59, 50, 250000, tzinfo=timezone.utc)  # the server's start in most tests
TINY = timedelta(microseconds=1)

pytestmark = pytest.mark.recordings(DATA_DIR, "recorded OpenF1 data")  # missing, every test here fails


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


# ---------------------------------------------------------------- helpers


def recorded(relative_path: str) -> list[dict]:
    return json.loads((DATA_DIR / relative_path).read_text(encoding="utf-8"))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def recorded_span(record: dict) -> tuple[datetime, datetime]:
    return utc(record["date_start"]), utc(record["date_end"])


@pytest.fixture(scope="module")
def records():
    return load_records(DATA_DIR)


@pytest.fixture(scope="module")
def snapshot_results():
    return load_initial_results(SNAPSHOT, DATA_DIR)


def season(records, started: datetime = STARTED, initial=(), **settings) -> LiveSeason:
    return LiveSeason(LiveWeekend(**settings), records, started, initial)


def rows(live: LiveSeason, endpoint: str, query: str, now: datetime) -> list[dict]:
    """The records an answer holds ([] for OpenF1's 404 No results found)."""
    status, payload = live.answer(endpoint, query, now)
    assert status in (200, 404), payload
    return payload if status == 200 else []


def starts(live: LiveSeason, key: int) -> tuple[datetime, datetime]:
    session = rows(live, "sessions", f"session_key={key}", live.t0)[0]
    return recorded_span(session)


# ---------------------------------------------------------------- the squeezed weekend and the season around it


def test_t0_is_the_start_plus_starts_in_rounded_up_to_the_whole_second(records):
    live = season(records, starts_in=30)
    assert live.t0 == datetime(2026, 7, 1, 14, 0, 21, tzinfo=timezone.utc)
    assert season(records, started=STARTED.replace(microsecond=0), starts_in=30).t0 == STARTED.replace(microsecond=0) \
        + timedelta(seconds=30)


def test_the_live_sessions_are_squeezed_in_their_recorded_order_and_the_meeting_spans_them(records):
    live = season(records, session_seconds=60, gap_seconds=30)
    recorded_keys = [s["session_key"] for s in sorted(recorded("2024/sessions.json"), key=lambda s: s["date_start"])
                     if s["meeting_key"] == BELGIUM]
    served = rows(live, "sessions", f"meeting_key={BELGIUM}", live.t0)
    assert [s["session_key"] for s in served] == recorded_keys == [9567, 9568, 9569, 9570, 9574]
    for index, session in enumerate(served):
        start = live.t0 + timedelta(seconds=90 * index)
        assert recorded_span(session) == (start, start + timedelta(seconds=60))
    (meeting,) = rows(live, "meetings", f"meeting_key={BELGIUM}", live.t0)
    assert recorded_span(meeting) == (live.t0, live.t0 + timedelta(seconds=4 * 90 + 60))


def test_earlier_meetings_keep_their_distance_to_the_live_one_and_are_all_past(records):
    live = season(records)
    recorded_meetings = {m["meeting_key"]: m for m in recorded("2024/meetings.json")}
    belgium_start = utc(recorded_meetings[BELGIUM]["date_start"])
    earlier = [key for key, m in recorded_meetings.items() if utc(m["date_start"]) < belgium_start]
    assert len(earlier) == 14
    for key in earlier:
        (served,) = rows(live, "meetings", f"meeting_key={key}", live.t0)
        start, end = recorded_span(recorded_meetings[key])
        assert recorded_span(served) == (live.t0 - (belgium_start - start), live.t0 - (belgium_start - end))
        assert recorded_span(served)[1] < live.t0


def test_the_kth_later_meeting_starts_k_times_days_between_after_t0s_day_with_its_own_session_offsets(records):
    live = season(records, days_between=3.0)
    day = live.t0.replace(hour=0, minute=0, second=0, microsecond=0)
    recorded_meetings = sorted(recorded("2024/meetings.json"), key=lambda m: m["date_start"])
    later = recorded_meetings[[m["meeting_key"] for m in recorded_meetings].index(BELGIUM) + 1:]
    assert [m["meeting_key"] for m in later][:2] == [DUTCH, ITALIAN] and len(later) == 10
    for k, meeting in enumerate(later, start=1):
        old_start = utc(meeting["date_start"])
        (served,) = rows(live, "meetings", f"meeting_key={meeting['meeting_key']}", live.t0)
        new_start = utc(served["date_start"])
        assert new_start == day + timedelta(days=3 * k) + (old_start - old_start.replace(hour=0, minute=0, second=0))
        assert utc(served["date_end"]) - new_start == utc(meeting["date_end"]) - old_start
        for session in [s for s in recorded("2024/sessions.json") if s["meeting_key"] == meeting["meeting_key"]]:
            start, end = starts(live, session["session_key"])
            assert (start - new_start, end - start) == (utc(session["date_start"]) - old_start,
                                                         utc(session["date_end"]) - utc(session["date_start"]))


def test_every_meeting_and_session_of_the_season_gets_the_year_and_other_seasons_are_unchanged(records):
    live = season(records)
    assert live.year == 2026  # the clock's year, as no year was given
    meetings_2024 = recorded("2024/meetings.json")
    served = rows(live, "meetings", "year=2026", live.t0)
    assert [m["meeting_key"] for m in served] == [m["meeting_key"] for m in meetings_2024]
    assert {m["meeting_name"] for m in served} == {m["meeting_name"] for m in meetings_2024}
    assert len(rows(live, "sessions", "year=2026", live.t0)) == len(recorded("2024/sessions.json"))
    assert rows(live, "meetings", "year=2024", live.t0) == []
    assert rows(live, "meetings", "year=2023", live.t0) == recorded("2023/meetings.json")
    assert rows(live, "sessions", "year=2023", live.t0) == recorded("2023/sessions.json")
    assert season(records, year=2031).answer("sessions", "year=2031", STARTED)[0] == 200


def test_date_and_key_filters_see_the_rewritten_dates(records):
    live = season(records)
    sessions = rows(live, "sessions", "year=2026", live.t0)
    past = [s for s in sessions if utc(s["date_end"]) <= live.t0]
    coming = [s for s in sessions if utc(s["date_start"]) >= live.t0]
    assert len(past) + len(coming) == len(sessions)
    assert {s["meeting_key"] for s in coming} == set(range(BELGIUM, 1253))
    as_of = live.t0.isoformat().replace("+", "%2B")
    assert rows(live, "sessions", f"date_end<={as_of}&year=2026", live.t0) == past
    assert rows(live, "sessions", f"date_start>={as_of}&year=2026", live.t0) == coming
    fortnight = (live.t0 + timedelta(days=14)).isoformat().replace("+", "%2B")
    in_a_fortnight = rows(live, "meetings", f"date_start>={as_of}&date_start<={fortnight}", live.t0)
    assert [m["meeting_key"] for m in in_a_fortnight] == [BELGIUM, DUTCH, ITALIAN, 1245, 1246]  # 3 days apart
    by_keys = rows(live, "sessions", f"meeting_key>={DUTCH}&meeting_key<=1252", live.t0)
    assert by_keys == [s for s in coming if s["meeting_key"] >= DUTCH]


def test_another_date_field_of_a_live_session_is_squeezed_with_it(records):
    (fp1,) = [s for s in recorded("2024/sessions.json") if s["session_key"] == FP1]
    halfway = utc(fp1["date_start"]) + (utc(fp1["date_end"]) - utc(fp1["date_start"])) / 2
    laps = [{"meeting_key": BELGIUM, "session_key": FP1, "lap_number": 1, "date_start": halfway.isoformat()}]
    live = LiveSeason(LiveWeekend(session_seconds=60), {**records, "laps": laps}, STARTED)
    (lap,) = rows(live, "laps", f"session_key={FP1}", live.t0 + timedelta(seconds=1))
    assert utc(lap["date_start"]) == live.t0 + timedelta(seconds=30)


# ---------------------------------------------------------------- what appears when


def test_a_live_sessions_drivers_appear_at_its_start(records):
    live = season(records)
    start, _ = starts(live, FP1)
    assert rows(live, "drivers", f"session_key={FP1}", start - TINY) == []
    assert rows(live, "drivers", f"session_key={FP1}", start) == recorded(f"2024/drivers_session_{FP1}.json")
    assert rows(live, "drivers", f"session_key={RACE}", start) == []


def test_results_and_the_grid_appear_publish_after_the_sessions_end(records):
    live = season(records, publish_after=10)
    for key, endpoint, path in ((FP1, "session_result", f"2024/session_result_session_{FP1}.json"),
                                (QUALIFYING, "starting_grid", f"2024/starting_grid_session_{QUALIFYING}.json")):
        _, end = starts(live, key)
        published = end + timedelta(seconds=10)
        assert rows(live, endpoint, f"session_key={key}", published - TINY) == []
        assert rows(live, endpoint, f"session_key={key}", published) == recorded(path)


def test_earlier_meetings_serve_everything_and_later_ones_only_their_meeting_and_sessions(records):
    live = season(records)
    for endpoint in ("drivers", "session_result", "starting_grid"):
        earlier = [r for r in records[endpoint] if r["meeting_key"] == 1241]
        assert earlier and rows(live, endpoint, "meeting_key=1241", live.t0) == earlier
        assert [r for r in records[endpoint] if r["meeting_key"] == DUTCH]
        assert rows(live, endpoint, f"meeting_key={DUTCH}", live.t0 + timedelta(days=30)) == []
        assert rows(live, endpoint, "meeting_key>=1243&meeting_key<=1252", live.t0 + timedelta(days=30)) == []
    assert len(rows(live, "sessions", f"meeting_key={DUTCH}", live.t0)) == 5


def test_the_free_tier_is_locked_out_exactly_while_a_live_session_runs(records):
    live = season(records, session_seconds=60, gap_seconds=30)
    for key in live.live_keys:
        start, end = starts(live, key)
        assert [live.session_running(moment) for moment in (start - TINY, start, end - TINY, end)] == \
            [False, True, True, False]
        assert live.running(start) == key
    assert not live.session_running(live.t0 + timedelta(seconds=75))  # in the gap after Practice 1


# ---------------------------------------------------------------- scripted events


def test_a_meeting_is_called_off_at_its_event_and_not_before(records):
    live = season(records, events=[LiveEvent("cancel_meeting", DUTCH, at=15)])
    moment = live.t0 + timedelta(seconds=15)
    assert "is_cancelled" not in rows(live, "meetings", f"meeting_key={DUTCH}", moment - TINY)[0]
    assert rows(live, "meetings", f"meeting_key={DUTCH}", moment)[0]["is_cancelled"] is True
    assert rows(live, "meetings", "is_cancelled=true", moment) == rows(live, "meetings", f"meeting_key={DUTCH}", moment)


def test_a_live_session_called_off_is_marked_and_locks_nobody_out_from_then(records):
    # Qualifying runs 270-330 s after t0, the race ends at 420 s: 120 s before the weekend's end is mid-session.
    live = season(records, session_seconds=60, gap_seconds=30,
                  events=[LiveEvent("cancel_session", QUALIFYING, at=-120, anchor="end")])
    called_off = live.t0 + timedelta(seconds=300)
    assert "is_cancelled" not in rows(live, "sessions", f"session_key={QUALIFYING}", called_off - TINY)[0]
    assert live.session_running(called_off - TINY)
    assert rows(live, "sessions", f"session_key={QUALIFYING}", called_off)[0]["is_cancelled"] is True
    assert not live.session_running(called_off)


def test_a_moved_session_starts_and_ends_later_from_its_event_and_its_meeting_follows(records):
    three_hours = 3 * 3600
    live = season(records, events=[LiveEvent("move_session", ITALIAN_RACE, at=165, by=three_hours)])
    moment = live.t0 + timedelta(seconds=165)
    before_start, before_end = recorded_span(rows(live, "sessions", f"session_key={ITALIAN_RACE}", moment - TINY)[0])
    (meeting_before,) = rows(live, "meetings", f"meeting_key={ITALIAN}", moment - TINY)
    after = recorded_span(rows(live, "sessions", f"session_key={ITALIAN_RACE}", moment)[0])
    assert after == (before_start + timedelta(hours=3), before_end + timedelta(hours=3))
    (meeting,) = rows(live, "meetings", f"meeting_key={ITALIAN}", moment)
    assert (meeting["date_start"], utc(meeting["date_end"])) == (meeting_before["date_start"], after[1])
    assert utc(meeting_before["date_end"]) == before_end


def test_a_moved_live_session_locks_out_and_shows_its_drivers_on_its_new_times(records):
    live = season(records, events=[LiveEvent("move_session", FP1, at=-10, by=20)])
    start, end = live.planned[FP1].start, live.planned[FP1].end
    assert starts(live, FP1) == (start + timedelta(seconds=20), end + timedelta(seconds=20))
    assert not live.session_running(start + timedelta(seconds=19))
    assert rows(live, "drivers", f"session_key={FP1}", start + timedelta(seconds=19)) == []
    assert live.session_running(end + timedelta(seconds=19))


def test_the_russell_correction_serves_the_snapshot_state_then_the_recordings(records, snapshot_results):
    live = season(records, initial=snapshot_results, publish_after=10,
                  events=[LiveEvent("correct_results", RACE, at=20, anchor="published")])
    _, end = starts(live, RACE)
    published, corrected = end + timedelta(seconds=10), end + timedelta(seconds=30)
    query = f"session_key={RACE}&driver_number={RUSSELL}"
    assert rows(live, "session_result", query, published - TINY) == []
    (first,) = rows(live, "session_result", query, published)
    assert (first["position"], first["dsq"]) == (None, False)
    assert rows(live, "session_result", f"session_key={RACE}", corrected - TINY) == \
        [r for r in snapshot_results if r["session_key"] == RACE]
    (second,) = rows(live, "session_result", query, corrected)
    assert (second["position"], second["dsq"]) == (None, True)
    assert rows(live, "session_result", f"session_key={RACE}", corrected) == \
        recorded(f"2024/session_result_session_{RACE}.json")


def test_an_event_on_a_session_outside_the_season_or_an_unknown_meeting_is_refused_at_once(records):
    with pytest.raises(ValueError, match="meeting 999"):
        season(records, meeting_key=999)
    with pytest.raises(ValueError, match="session 9582 is not a session of the live meeting"):
        season(records, events=[LiveEvent("correct_results", 9582, at=0)])
    with pytest.raises(ValueError, match="meeting 1209"):
        season(records, events=[LiveEvent("cancel_meeting", 1209, at=0)])  # 2023's
    with pytest.raises(ValueError, match="unknown live event action"):
        LiveEvent("postpone", DUTCH, at=0)


# ---------------------------------------------------------------- the ready scenario


def test_the_belgium_scenario_scales_its_events_with_the_squeezed_clock(records, snapshot_results):
    assert "belgium-2024" in scenario_names()
    weekend = LiveWeekend.scenario("belgium-2024", session_seconds=20, gap_seconds=10, publish_after=5)
    assert weekend.meeting_key == BELGIUM and weekend.initial_results == SNAPSHOT
    assert [(e.action, e.key, e.anchor, e.at, e.by) for e in weekend.events] == [
        ("cancel_meeting", DUTCH, "start", 5.0, 0.0),
        ("move_session", ITALIAN_RACE, "start", 55.0, 3 * 3600),
        ("correct_results", RACE, "published", 5.0, 0.0),
    ]
    live = LiveSeason(weekend, records, STARTED, snapshot_results)
    moments = [moment for moment, _ in live.events]
    assert moments[0] - live.t0 == timedelta(seconds=5)
    assert live.planned[9568].end < moments[1] < live.planned[9569].start  # between Practice 2 and 3
    assert moments[2] == live.planned[RACE].end + timedelta(seconds=10)
    assert load_scenario("belgium-2024")["events"] == json.loads(
        (REPO / "openf1_replay" / "scenarios" / "belgium-2024.json").read_text())["events"]


# ---------------------------------------------------------------- over HTTP


@pytest.fixture
def clock():
    return Clock(STARTED)


@pytest.fixture
def live_server(records, clock):
    weekend = LiveWeekend.scenario("belgium-2024", clock=clock, starts_in=5, session_seconds=20, gap_seconds=10,
                                   publish_after=5)
    with ReplayServer(records=records, credentials=("sponsor", "secret"), live=weekend) as server:
        yield server


def test_the_timeline_is_served_at_replay_live_with_every_session_and_event(live_server, clock):
    timeline = requests.get(f"{live_server.root_url}/__replay/live", timeout=10).json()
    assert timeline == live_server.live_timeline()
    t0 = STARTED.replace(microsecond=0) + timedelta(seconds=6)
    assert (timeline["now"], timeline["t0"], timeline["year"], timeline["locked_out"]) == \
        (STARTED.isoformat(), t0.isoformat(), 2026, False)
    assert [(s["session_key"], s["name"], s["start"], s["end"], s["results_published"]) for s in timeline["sessions"]] \
        == [(key, name, (t0 + timedelta(seconds=30 * i)).isoformat(), (t0 + timedelta(seconds=30 * i + 20)).isoformat(),
             (t0 + timedelta(seconds=30 * i + 25)).isoformat())
            for i, (key, name) in enumerate([(9567, "Practice 1"), (9568, "Practice 2"), (9569, "Practice 3"),
                                              (QUALIFYING, "Qualifying"), (RACE, "Race")])]
    assert [(e["action"], e["key"], e["at"], e["applied"]) for e in timeline["events"]] == [
        ("cancel_meeting", DUTCH, (t0 + timedelta(seconds=5)).isoformat(), False),
        ("move_session", ITALIAN_RACE, (t0 + timedelta(seconds=55)).isoformat(), False),
        ("correct_results", RACE, (t0 + timedelta(seconds=150)).isoformat(), False),
    ]
    clock.moment = t0 + timedelta(seconds=60)
    timeline = requests.get(f"{live_server.root_url}/__replay/live", timeout=10).json()
    assert [e["applied"] for e in timeline["events"]] == [True, True, False]
    assert (timeline["locked_out"], timeline["running"]) == (True, 9569)


def test_while_a_session_runs_the_free_tier_gets_401_and_a_sponsor_is_served_and_both_are_logged(live_server, clock):
    timeline = live_server.live_timeline()
    start, end = (utc(timeline["sessions"][0][name]) for name in ("start", "end"))
    url = f"{live_server.base_url}/drivers?session_key={FP1}"
    token = requests.post(f"{live_server.base_url}/token", data={"username": "sponsor", "password": "secret"},
                          timeout=10).json()["access_token"]
    sponsor = {"Authorization": f"Bearer {token}"}
    clock.moment = start - TINY
    assert requests.get(url, timeout=10).status_code == 404  # not yet started: no drivers, no lock-out
    clock.moment = start
    locked = requests.get(url, timeout=10)
    assert (locked.status_code, locked.content) == (401, SESSION_IN_PROGRESS)
    assert requests.get(f"{live_server.base_url}/meetings?year=2026", timeout=10).status_code == 401
    served = requests.get(url, headers=sponsor, timeout=10)
    assert (served.status_code, served.json()) == (200, recorded(f"2024/drivers_session_{FP1}.json"))
    forged = requests.get(url, headers={"Authorization": "Bearer forged"}, timeout=10)
    assert (forged.status_code, forged.json()) == (401, {"detail": "Could not validate credentials"})
    clock.moment = end
    assert requests.get(url, timeout=10).status_code == 200
    log = live_server.stats()["log"]
    assert [(e["status"], e["auth"], e["at"]) for e in log] == [
        (404, False, (start - TINY).isoformat()), (401, False, start.isoformat()), (401, False, start.isoformat()),
        (200, True, start.isoformat()), (401, True, start.isoformat()), (200, False, end.isoformat())]


def test_the_rate_limit_still_answers_429_before_the_lock_out(live_server, clock):
    clock.moment = utc(live_server.live_timeline()["sessions"][0]["start"])
    live_server.set_rate_limit("1/10s")
    statuses = [requests.get(f"{live_server.base_url}/sessions?year=2026", timeout=10).status_code for _ in range(2)]
    assert statuses == [401, 429]
    assert [e["status"] for e in live_server.stats()["log"]] == [401, 429]


def test_each_start_of_the_server_counts_t0_from_then(records, clock):
    server = ReplayServer(records=records, live=LiveWeekend(clock=clock, starts_in=10))
    clock.moment = STARTED + timedelta(hours=1)
    with server:
        t0 = STARTED.replace(microsecond=0) + timedelta(hours=1, seconds=11)
        assert server.live_timeline()["t0"] == t0.isoformat()


def test_a_replay_without_a_live_weekend_has_no_live_route(records):
    with ReplayServer(records=records) as server:
        assert requests.get(f"{server.root_url}/__replay/live", timeout=10).status_code == 404
        assert not server.session_running()
        with pytest.raises(RuntimeError):
            server.live_timeline()


# ---------------------------------------------------------------- command line


def test_the_command_line_serves_a_live_scenario_and_its_timeline():
    with running("openf1_replay", "--port", "0", "--live", str(BELGIUM), "--scenario", "belgium-2024",
                 "--starts-in", "600", "--session-seconds", "20", "--gap-seconds", "10", "--publish-after", "5",
                 "--days-between", "2", "--year", "2030", env={"OPENF1_REPLAY_DIR": str(DATA_DIR)}) as process:
        ready, _, _ = select.select([process.stdout], [], [], 20)
        banner = process.stdout.readline() if ready else ""
        assert "live meeting 1242 as 2030" in banner and "3 scripted events" in banner
        root = re.search(r" on (http://\S+)/v1 ", banner).group(1)
        timeline = requests.get(f"{root}/__replay/live", timeout=10).json()
        assert timeline["year"] == 2030 and not timeline["locked_out"]
        starts_at = [utc(s["start"]) for s in timeline["sessions"]]
        assert [b - a for a, b in zip(starts_at, starts_at[1:])] == [timedelta(seconds=30)] * 4
        assert utc(timeline["t0"]) - utc(timeline["now"]) > timedelta(seconds=590)
        dutch = requests.get(f"{root}/v1/meetings?meeting_key={DUTCH}", timeout=10).json()[0]
        assert utc(dutch["date_start"]).date() == utc(timeline["t0"]).date() + timedelta(days=2)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


@pytest.mark.parametrize("arguments", [["--scenario", "belgium-2024"], ["--session-seconds", "5"],
                                       ["--live", "1243", "--scenario", "belgium-2024"], ["--live", "999"]])
def test_the_command_line_refuses_live_options_that_do_not_fit_with_exit_code_2(arguments):
    result = subprocess.run([sys.executable, "-m", "openf1_replay", "--port", "0", *arguments], cwd=REPO,
                            env={**os.environ, "OPENF1_REPLAY_DIR": str(DATA_DIR)}, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2 and result.stderr.startswith("openf1_replay: error: ")
