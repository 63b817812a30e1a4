"""Benchmark on paper: what following the season costs upstream at the default settings, by the planner itself.

Replays the real 2024 OpenF1 calendar (recordings/openf1/2024: every meeting's sessions at their real times) through
`workers.pipeline.follow.plan`, the very function beat's follow tick runs, on a clock stepping FOLLOW_TICK seconds,
with the default FOLLOW_* and BEAT_* settings (or those given), OpenF1's free tier (no read while a session runs)
and results published `--publish-after` seconds after each session ends. Beat's hourly recent sync is counted too
(its index, its rounds' sessions and drivers, and their results once the rounds have ended; skipped while a
session runs). Prints the requests of a race week (the Monday before a chosen weekend to the Monday after) and of
a quiet week (the summer break), by kind of read. No database, no worker: the planner is pure.

    .venv/bin/python bench/live_paper.py [--weekend 1242] [--quiet-week 2024-08-05] [--publish-after 600]
    FOLLOW_TICK=0 BEAT_SYNC_RECENT_EVERY=3600 .venv/bin/python bench/live_paper.py    # the schedule before
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workers.pipeline.follow import (CALENDAR, FollowedRound, FollowedSession, Rules, SourceState,  # noqa: E402
                                     plan, running_sessions)
from workers.rows import SessionStatus  # noqa: E402
from workers.settings import Settings  # noqa: E402

CALENDAR_REQUESTS = 2  # the index (meetings?year) and one interval of sessions
RESULTS_REQUESTS = 3  # drivers, session_result, starting_grid of one meeting
RESULTS_COUNT = 20  # rows a published session holds (any count above zero)


def calendar(data_dir: Path) -> list[FollowedRound]:
    meetings = json.loads((data_dir / "2024" / "meetings.json").read_text())
    sessions = json.loads((data_dir / "2024" / "sessions.json").read_text())
    rounds = []
    for meeting in meetings:
        held = [s for s in sessions if s["meeting_key"] == meeting["meeting_key"]]
        if not held:
            continue
        rounds.append(FollowedRound(2024, str(meeting["meeting_key"]), tuple(
            FollowedSession(s["session_key"], 0, datetime.fromisoformat(s["date_start"]),
                            datetime.fromisoformat(s["date_end"]), int(SessionStatus.SCHEDULED), 0) for s in held),
            name=meeting["meeting_name"]))
    return rounds


def published(round_: FollowedRound, at: datetime, after: timedelta) -> FollowedRound:
    """The round as a read at `at` finds it: results of every session that ended `after` before it."""
    sessions = tuple(replace(s, results=RESULTS_COUNT) if s.end + after <= at else s for s in round_.sessions)
    return replace(round_, sessions=sessions)


def steady(round_: FollowedRound, rules: Rules, since: datetime, publish_after: timedelta) -> FollowedRound:
    """The round as a deployment that ran before `since` holds it: results published by then, the corrections whose
    time had come read."""
    done = sum(1 for offset in rules.corrections_at if round_.end + offset <= since)
    return replace(published(round_, since, publish_after), corrections_done=done)


def simulate(rounds: list[FollowedRound], rules: Rules, tick: timedelta, recent_every: timedelta, recent_days: int,
             since: datetime, until: datetime, publish_after: timedelta, following: bool = True) -> Counter:
    """Requests by kind of read between `since` and `until`, the follow tick every `tick` (unless not
    `following`: FOLLOW_TICK=0, as before it existed), beat's recent sync every `recent_every`."""
    counts: Counter = Counter()
    by_key = {r.key: steady(r, rules, since, publish_after) for r in rounds}
    calendar_read_at: datetime | None = since - rules.calendar_every  # the deployment ran before `since`
    next_recent, now = since, since
    while now < until:
        near = tuple(r for r in by_key.values()  # what the tick loads (workers/db/follow.rounds_near)
                     if r.end >= now - rules.horizon and r.start <= now + rules.lookahead)
        state = SourceState("openf1", near, True, calendar_read_at, False)
        for read in (r for r in plan(state, rules, now) if r.at <= now and following):
            if read.what == CALENDAR:
                calendar_read_at = now
                counts["calendar reads"] += CALENDAR_REQUESTS
            else:
                round_ = published(by_key[read.round_key], now, publish_after)
                done = read.correction if read.correction is not None else round_.corrections_done
                by_key[read.round_key] = replace(round_, results_read_at=now, corrections_done=done)
                counts["corrections" if read.correction else "results looks"] += RESULTS_REQUESTS
        if now >= next_recent:
            next_recent = now + recent_every
            if not running_sessions(state, now):
                counts["beat's recent sync"] += recent_requests(rounds, now, recent_days)
        now += tick
    return counts


def recent_requests(rounds: list[FollowedRound], now: datetime, days: int) -> int:
    """sync_recent: the index, then sessions and drivers of the rounds of the last days, and their results when
    every one of them has ended (the spoiler rule)."""
    selected = [r for r in rounds if r.start <= now and r.end >= now - timedelta(days=days)]
    if not selected:
        return 1
    return 1 + 2 + (2 if all(r.end < now for r in selected) else 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(REPO / "recordings" / "openf1"))
    parser.add_argument("--weekend", default="1242", help="the meeting key of the race week (default: Belgium)")
    parser.add_argument("--quiet-week", default="2024-08-05", help="a Monday with no session that week")
    parser.add_argument("--publish-after", type=float, default=600.0, help="seconds from a session's end to its "
                                                                           "results upstream")
    args = parser.parse_args()
    settings = Settings()
    rules = Rules.from_settings(settings)
    rounds = calendar(Path(args.data_dir))
    weekend = next(r for r in rounds if r.key == args.weekend)
    monday = datetime.combine((weekend.start - timedelta(days=weekend.start.weekday())).date(), datetime.min.time(),
                              timezone.utc)
    quiet = datetime.fromisoformat(args.quiet_week).replace(tzinfo=timezone.utc)
    tick = timedelta(seconds=settings.FOLLOW_TICK or 60)
    print(f"defaults: FOLLOW_TICK={settings.FOLLOW_TICK:g} FOLLOW_CALENDAR_EVERY={settings.FOLLOW_CALENDAR_EVERY:g} "
          f"FOLLOW_RESULTS_EVERY={settings.FOLLOW_RESULTS_EVERY:g} "
          f"FOLLOW_CORRECTIONS_AT={settings.FOLLOW_CORRECTIONS_AT} "
          f"FOLLOW_LOOKAHEAD_DAYS={settings.FOLLOW_LOOKAHEAD_DAYS:g} BEAT_RESULTS={settings.BEAT_RESULTS} "
          f"BEAT_SYNC_RECENT_EVERY={settings.BEAT_SYNC_RECENT_EVERY:g} BEAT_RECENT_DAYS={settings.BEAT_RECENT_DAYS}; "
          f"results upstream {args.publish_after:g}s after a session ends")
    for label, since in ((f"race week of {weekend.name} ({monday:%Y-%m-%d} to +7 days)", monday),
                         (f"quiet week ({quiet:%Y-%m-%d} to +7 days)", quiet)):
        counts = simulate(rounds, rules, tick, timedelta(seconds=settings.BEAT_SYNC_RECENT_EVERY),
                          settings.BEAT_RECENT_DAYS, since, since + timedelta(days=7),
                          timedelta(seconds=args.publish_after), following=settings.FOLLOW_TICK > 0)
        following = sum(n for kind, n in counts.items() if kind != "beat's recent sync")
        print(f"{label}: {sum(counts.values())} requests ({following} following the season: "
              + ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
