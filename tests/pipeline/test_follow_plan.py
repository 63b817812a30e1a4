"""Following the season in motion, planned (workers/pipeline/follow.py): which read of a source is due when, from
what is held of its rounds and reads, the FOLLOW_* rules and the time. Pure: no database, no clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from workers.db.changes import SessionState, compare
from workers.pipeline.follow import (CALENDAR, RESULTS, FollowedRound, FollowedSession, Rules, SourceState, plan,
                                     unlocked)
from workers.rows import SessionStatus, SessionType

T0 = datetime(2026, 7, 26, 11, 30, tzinfo=timezone.utc)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
SCHEDULED, COMPLETED, CANCELLED = (int(SessionStatus.SCHEDULED), int(SessionStatus.COMPLETED),
                                   int(SessionStatus.CANCELLED))


def rules(results: str = "auto", corrections: tuple[float, ...] = (3600, 86400, 259200, 1209600)) -> Rules:
    return Rules(lookahead=timedelta(days=14), calendar_every=HOUR, results_every=timedelta(minutes=5),
                 corrections_at=tuple(timedelta(seconds=s) for s in corrections), results=results,
                 stale_after=21600)


def weekend(results: int = 0, status: int = SCHEDULED, **round_options) -> FollowedRound:
    """A conventional weekend from T0: FP1, FP2 (T0 + 3.5 h), FP3 (T0 + 1 d), qualifying (+1 d 3.5 h), race
    (+2 d 1.5 h), an hour each but the race (two)."""
    starts = [(SessionType.FP1, T0, HOUR), (SessionType.FP2, T0 + timedelta(hours=3.5), HOUR),
              (SessionType.FP3, T0 + DAY - timedelta(hours=1), HOUR),
              (SessionType.QUALIFYING, T0 + DAY + timedelta(hours=2.5), HOUR),
              (SessionType.RACE, T0 + 2 * DAY + timedelta(hours=1.5), 2 * HOUR)]
    sessions = tuple(FollowedSession(i, int(kind), start, start + length, status, results)
                     for i, (kind, start, length) in enumerate(starts))
    return FollowedRound(2026, "1242", sessions, **round_options)


def state(*rounds: FollowedRound, locked: bool = True, read_at: datetime | None = T0 - 10 * DAY,
          reading: bool = False) -> SourceState:
    return SourceState("openf1", rounds, locked, read_at, reading)


def reads(the_state: SourceState, the_rules: Rules, now: datetime, what: str | None = None) -> list:
    return [r for r in plan(the_state, the_rules, now) if what is None or r.what == what]


# -- the calendar ------------------------------------------------------------------------------------------

def test_a_calendar_never_read_is_due_at_once_and_then_every_follow_calendar_every():
    assert [(r.what, r.at) for r in reads(state(read_at=None), rules(), T0 - DAY)] == [(CALENDAR, T0 - DAY)]
    read_at = T0 - DAY - timedelta(minutes=20)
    assert reads(state(read_at=read_at), rules(), T0 - DAY, CALENDAR)[0].at == read_at + HOUR


def test_no_calendar_read_is_planned_while_the_previous_one_still_runs():
    assert reads(state(read_at=T0 - 2 * HOUR, reading=True), rules(), T0 - DAY, CALENDAR) == []


def test_no_read_is_sent_while_a_session_runs_for_a_source_that_locks_its_free_tier_out():
    during_fp1 = T0 + timedelta(minutes=20)
    calendar = reads(state(weekend(), read_at=T0 - 2 * HOUR), rules(), during_fp1, CALENDAR)[0]
    assert calendar.at == T0 + HOUR and "locked out" in calendar.why  # FP1's end, not at once


def test_a_sponsor_login_is_not_locked_out_so_its_reads_are_not_held_back():
    during_fp1 = T0 + timedelta(minutes=20)
    assert reads(state(weekend(), locked=False, read_at=T0 - 2 * HOUR), rules(), during_fp1, CALENDAR)[0].at == \
        T0 - HOUR


def test_sessions_back_to_back_hold_a_read_back_until_the_last_of_them_ends():
    round_ = weekend()
    back_to_back = FollowedRound(2026, "1", (FollowedSession(1, 0, T0, T0 + HOUR, SCHEDULED, 0),
                                            FollowedSession(2, 1, T0 + HOUR, T0 + 2 * HOUR, SCHEDULED, 0)))
    assert unlocked(state(back_to_back), T0 + timedelta(minutes=5)) == T0 + 2 * HOUR
    assert unlocked(state(round_), T0 - timedelta(minutes=5)) == T0 - timedelta(minutes=5)


def test_a_cancelled_session_locks_nothing_out():
    cancelled = FollowedRound(2026, "1", (FollowedSession(1, 0, T0, T0 + HOUR, CANCELLED, 0),))
    assert unlocked(state(cancelled), T0 + timedelta(minutes=5)) == T0 + timedelta(minutes=5)


# -- results --------------------------------------------------------------------------------------------------

def test_by_default_results_are_looked_for_once_the_round_s_last_session_has_ended_and_not_before():
    round_ = weekend()
    race_end = round_.end
    look = reads(state(round_), rules(), T0 + DAY, RESULTS)[0]
    assert look.at == race_end and look.correction is None and look.round_key == "1242" and look.season == 2026
    assert reads(state(round_), rules(), race_end, RESULTS)[0].at == race_end


def test_with_beat_results_always_each_session_s_results_are_looked_for_as_soon_as_it_ends():
    round_ = weekend()
    fp1_end = T0 + HOUR
    assert reads(state(round_), rules("always"), T0 + timedelta(minutes=30), RESULTS)[0].at == fp1_end


def test_results_are_looked_for_every_follow_results_every_until_every_session_holds_some():
    ended = weekend(status=COMPLETED, results_read_at=T0 + 2 * DAY + timedelta(hours=3, minutes=31))
    now = T0 + 2 * DAY + timedelta(hours=3, minutes=33)
    look = reads(state(ended), rules(), now, RESULTS)[0]
    assert look.at == ended.results_read_at + timedelta(minutes=5) and look.correction is None
    landed = weekend(results=20, status=COMPLETED, results_read_at=ended.results_read_at)
    next_read = reads(state(landed), rules(), now, RESULTS)[0]
    assert next_read.correction == 1 and next_read.at == landed.end + HOUR  # only the corrections are left


def test_looks_for_results_that_never_come_stop_when_the_first_correction_read_takes_over():
    ended = weekend(status=COMPLETED, results_read_at=T0 + 2 * DAY + 4 * HOUR)
    after_an_hour = ended.end + HOUR + timedelta(minutes=1)
    read = reads(state(ended), rules(), after_an_hour, RESULTS)[0]
    assert read.correction == 1 and read.at == ended.end + HOUR


def test_a_correction_read_comes_at_each_offset_after_the_round_ended_and_missed_ones_are_one_read():
    landed = weekend(results=20, status=COMPLETED, corrections_done=1)
    assert reads(state(landed), rules(), landed.end + 2 * HOUR, RESULTS)[0].at == landed.end + DAY
    late = reads(state(landed), rules(), landed.end + 4 * DAY, RESULTS)[0]  # the workers were down for days
    assert late.at == landed.end + DAY and late.correction == 3  # the 1-day and 3-day reads at once
    done = weekend(results=20, status=COMPLETED, corrections_done=4)
    assert reads(state(done), rules(), done.end + 30 * DAY, RESULTS) == []


def test_beat_results_never_plans_no_results_read_at_all():
    round_ = weekend(status=COMPLETED)
    assert reads(state(round_), rules("never"), round_.end + 2 * HOUR, RESULTS) == []


def test_no_results_read_is_planned_while_the_round_s_previous_read_still_runs():
    round_ = weekend(status=COMPLETED, reading=True)
    assert reads(state(round_), rules(), round_.end + timedelta(minutes=2), RESULTS) == []


def test_a_round_whose_every_session_was_cancelled_has_no_results_read():
    cancelled = weekend(status=CANCELLED)
    assert reads(state(cancelled), rules(), cancelled.end + 2 * HOUR, RESULTS) == []


def test_reads_come_in_time_order():
    found = plan(state(weekend(), read_at=T0 - 30 * 60 * timedelta(seconds=1)), rules(), T0 - DAY)
    assert [r.at for r in found] == sorted(r.at for r in found) and {r.what for r in found} == {CALENDAR, RESULTS}


@pytest.mark.parametrize("corrections", [(), (60.0, 120.0)])
def test_the_corrections_setting_decides_when_looks_give_up(corrections):
    ended = weekend(status=COMPLETED)
    the_rules = rules(corrections=corrections)
    give_up = ended.end + (timedelta(seconds=corrections[0]) if corrections else DAY)
    assert the_rules.looked_for_until() == give_up - ended.end
    assert [r.correction for r in reads(state(ended), the_rules, give_up - timedelta(seconds=1), RESULTS)] == [None]


# -- what a change is ---------------------------------------------------------------------------------------

def test_a_change_is_a_status_or_a_start_or_end_of_a_session_held_before_and_a_new_session_is_none():
    before = {"1": SessionState("a", SCHEDULED, T0, T0 + HOUR), "2": SessionState("b", SCHEDULED, T0, T0 + HOUR)}
    after = {"1": SessionState("a", CANCELLED, T0, T0 + HOUR),
             "2": SessionState("b", SCHEDULED, T0 + 3 * HOUR, T0 + 4 * HOUR),
             "3": SessionState("c", SCHEDULED, T0, T0 + HOUR)}
    found = compare(before, after)
    assert [(c.session_id, c.kind) for c in found] == [("a", "status"), ("b", "schedule")]
    assert found[0].before == {"status": "Scheduled"} and found[0].after == {"status": "Cancelled"}
    assert found[1].after == {"start": (T0 + 3 * HOUR).isoformat(), "end": (T0 + 4 * HOUR).isoformat()}
    assert compare(after, after) == []
