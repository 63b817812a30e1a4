"""The season in motion on the real parts: urgent work before bulk work on one plain worker (the queues' order),
and whole live weekends followed through the OpenF1 replay's live mode by real workers and a real beat."""

from __future__ import annotations

import re
import time

import pytest

from harness.runs import client_app
from harness.workers import broker_url, worker_nodes
from harness.waiting import wait_until
from workers import routing

pytestmark = pytest.mark.integration
BROKER = broker_url("season_in_motion")


def finished_keys(log: str) -> list[str]:
    """The round keys of the finish_meeting steps a worker ran, in the order it ran them."""
    return re.findall(r"finish_meeting ok \{'round_key': '([^']+)'", log)


def test_a_plain_worker_takes_every_live_task_then_the_dispatchers_then_the_bulk_rounds(database, tmp_path):
    app = client_app(BROKER)
    with worker_nodes(BROKER, database, tmp_path) as start:
        keys = {routing.BULK: [f"bulk-{i}" for i in range(6)], routing.DISPATCH: ["dispatch-0", "dispatch-1"],
                routing.LIVE: [f"live-{i}" for i in range(3)]}
        for queue in (routing.BULK, routing.DISPATCH, routing.LIVE):  # bulk work queued first, live work last
            for key in keys[queue]:
                app.send_task("finish_meeting", kwargs={"source": "openf1", "season": 2026, "round_key": key},
                              queue=queue)
        node, = start("http://127.0.0.1:9/v1", concurrency=1)  # one process: the order is the order served
        wait_until(lambda: len(finished_keys(node.log())) >= 11, 30, "the 11 tasks finished", interval=0.1,
                   detail=lambda: node.log()[-3000:])
        order = finished_keys(node.log())
    assert order == keys[routing.LIVE] + keys[routing.DISPATCH] + keys[routing.BULK], node.log()[-3000:]


def test_the_routes_send_beat_s_work_and_follow_reads_live_dispatchers_apart_and_rounds_by_their_run():
    from tasks import app

    route = app.amqp.router.route
    assert {name: route({}, name, (), {})["queue"].name for name in
            ("follow_tick", "follow_calendar", "follow_results", "sync_recent", "scheduled_sync_recent",
             "resume_stalled", "sync_season", "sync_series", "rebuild_season", "sync_meeting", "sync_results")} == {
        "follow_tick": "live", "follow_calendar": "live", "follow_results": "live", "sync_recent": "live",
        "scheduled_sync_recent": "live", "resume_stalled": "live", "sync_season": "dispatch",
        "sync_series": "dispatch", "rebuild_season": "dispatch", "sync_meeting": "celery", "sync_results": "celery"}
    assert [routing.queue_of_run(kind) for kind in ("calendar", "results", "recent", "season", "series")] == [
        "live", "live", "live", "celery", "celery"]
    assert [q.name for q in app.conf.task_queues] == ["live", "dispatch", "celery"]
    assert app.conf.broker_transport_options["queue_order_strategy"] == "priority"


# -- whole live weekends, on real workers and a real beat ------------------------------------------------------

TICK, CALENDAR_EVERY, RESULTS_EVERY, CORRECTIONS_AT = 1.0, 4.0, 2.0, "6,12"
SESSION, GAP, PUBLISH_AFTER, STARTS_IN = 8.0, 4.0, 2.0, 25.0
SLACK = 2.5  # seconds a tick, a read and the round steps may take beyond the period that bounds them
ALLOWED_KEYS = {"status", "start", "end", "results", "changed"}  # never a position, time, points, gap, laps …


def lock_ends(timeline: dict, moment) -> object:
    """When OpenF1's free tier may be asked again from `moment`: the end of a live session running then."""
    from harness.live_weekend import when

    for session in timeline["sessions"]:
        if when(session["start"]) <= moment < when(session["end"]):
            return when(session["end"])
    return moment


def bound(timeline: dict, event_at, period: float) -> float:
    """The most seconds a change made upstream at `event_at` may take to reach the database: until the read due
    within `period` may be sent (after a session running then), plus SLACK."""
    from datetime import timedelta

    sent = lock_ends(timeline, lock_ends(timeline, event_at) + timedelta(seconds=period))
    return (sent - event_at).total_seconds() + SLACK


def correction_bound(figures, event_at) -> float:
    """A correction upstream reaches the database at the first correction read after it, plus SLACK."""
    from datetime import timedelta

    reads = [figures.round_end + timedelta(seconds=float(c)) for c in CORRECTIONS_AT.split(",")]
    return (min(at for at in reads if at >= event_at) - event_at).total_seconds() + SLACK


def wait_until_followed(database: str, replay, deadline_at) -> object:
    """Until every session, result and scripted change has reached the database, or the weekend and its last
    correction read are over; the figures then."""
    from datetime import datetime, timezone

    import psycopg

    from harness.live_weekend import measure

    while True:
        with psycopg.connect(database, autocommit=True) as conn:
            figures = measure(conn, replay.live_timeline())
        complete = all(s.completed is not None and s.results is not None for s in figures.sessions) and all(
            e.seen is not None for e in figures.events)
        if complete or datetime.now(timezone.utc) > deadline_at:
            return figures  # incomplete at the deadline: the test's assertions say what is missing
        time.sleep(0.5)  # how often the figures are read, inside a wait with a deadline: it decides nothing


@pytest.mark.slow
@pytest.mark.parametrize("backfill", [False, True], ids=["alone", "during a backfill"])
def test_a_live_weekend_is_followed_within_the_follow_periods_every_change_announced_once(
        backfill, clean_db, database, history_replay, tmp_path):
    import os
    from datetime import datetime, timezone

    from openf1_replay import ReplayServer
    from harness.recordings import OPENF1_DIR as DATA_DIR
    from harness.live_weekend import follow_env, squeezed, table, weekend_over
    from harness.runs import send, wait_for_run
    from harness.workers import Beat

    env = follow_env(TICK, CALENDAR_EVERY, RESULTS_EVERY, CORRECTIONS_AT)
    replay = ReplayServer(data_dir=str(DATA_DIR), port=0, live=squeezed(STARTS_IN, SESSION, GAP, PUBLISH_AFTER))
    replay.start()
    beat = None
    try:
        with worker_nodes(BROKER, database, tmp_path, **env) as start:
            start(replay.base_url, 2, concurrency=2, JOLPICA_BASE_URL=history_replay.base_url)
            app = client_app(BROKER)
            year = replay.live_timeline()["year"]
            season = wait_for_run(database, send(app, "sync_season", year), 60)  # the initial state
            assert season["status"] == "succeeded" and season["rounds_total"] > 20
            if backfill:  # a backfill queued first, on the same workers
                history = [send(app, "sync_season", y, include_results=True) for y in range(1950, 1966)]
            beat = Beat(tmp_path / "beat.log", {**os.environ, **env, "REDIS_URL": BROKER, "DATABASE_URL": database,
                                                "OPENF1_BASE_URL": replay.base_url})
            timeline = replay.live_timeline()
            assert datetime.now(timezone.utc) < datetime.fromisoformat(timeline["t0"]), "started too late"
            figures = wait_until_followed(database, replay, weekend_over(timeline, CORRECTIONS_AT, 3 * SLACK))
            if backfill:
                with psycopg_connect(database) as conn:
                    done = conn.execute('SELECT count(*) FROM "SyncRunRounds" m '
                                        'JOIN "SyncRuns" r ON r."Id" = m."RunId" '
                                        'WHERE r."Id" = ANY(%s::uuid[]) AND m."Status" = \'done\'',
                                        [history]).fetchone()[0]
                assert done > 0, "the backfill made no progress"
    finally:
        if beat is not None:
            beat.stop()
        stats = replay.stats()
        replay.stop()
    report = table(figures) + f"\n{stats['requests']} requests, " \
        f"{sum(1 for e in stats['log'] if e['status'] == 401)} answered 401, {stats['rejected']} answered 429"
    print(report)
    for session in figures.sessions:
        assert session.status_changes == ["InProgress", "Completed"], report  # each move once, none twice
        assert 0 <= session.in_progress <= TICK + SLACK and 0 <= session.completed <= TICK + SLACK, report
    race = figures.sessions[-1]
    assert 0 <= race.results <= RESULTS_EVERY + SLACK, report
    for event in figures.events:
        limit = correction_bound(figures, event.at) if event.action == "correct_results" else \
            bound(timeline, event.at, CALENDAR_EVERY)
        assert event.seen is not None and 0 <= event.seen <= limit, report
    assert figures.change_keys <= ALLOWED_KEYS, report
    assert sum(1 for e in stats["log"] if e["status"] == 401) == 0, report  # no request while a session ran
    with psycopg_connect(database) as conn:
        russell = conn.execute('SELECT x."Status" FROM "Results" x JOIN "Sessions" s ON s."Id" = x."SessionId" '
                               'JOIN "Entrants" e ON e."Id" = x."EntrantId" JOIN "Drivers" d ON d."Id" = e."DriverId" '
                               'WHERE s."OpenF1SessionKey" = 9574 AND d."Slug" = \'george-russell\'').fetchone()
        early = conn.execute('SELECT count(*) FROM "SessionChanges" c JOIN "Sessions" s ON s."Id" = c."SessionId" '
                             'JOIN "Rounds" r ON r."Id" = s."RoundId" WHERE r."OpenF1MeetingKey" = 1242 '
                             'AND c."Kind" = \'results\' AND c."At" < %s', [figures.round_end]).fetchone()[0]
    assert russell == (3,), report  # disqualified, as corrected upstream after publication
    assert early == 0, report  # no result of the weekend before its last session ended (SPEC §3)


def psycopg_connect(database: str):
    import psycopg

    return psycopg.connect(database, autocommit=True)
