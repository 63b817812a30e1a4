"""Beat: the schedule in one place, each entry with an expiry; two beats started by mistake send each tick
once (RedBeat's lock); a tick never starts a run while the previous scheduled run is still running."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid

import psycopg
import pytest

from harness.workers import Beat, broker_url, worker_nodes
from harness.waiting import wait_until

BROKER = broker_url("beat")
TICK = 2  # seconds between ticks in the integration tests
SCHEDULED = '"Arguments" @> \'{"scheduled": true}\''


# -- the schedule ------------------------------------------------------------------------------------------

def settings(**env):
    from workers.settings import Settings

    return Settings(**env)


def test_every_schedule_entry_sends_a_registered_task_with_an_expiry_no_longer_than_its_period():
    from tasks import app
    from tasks.schedule import beat_schedule

    schedule = beat_schedule(settings())
    assert schedule, "the schedule is empty"
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, name
        assert 0 < entry["options"]["expires"] <= entry["schedule"], name
    assert app.conf.beat_schedule.keys() == schedule.keys(), "the app does not use tasks/schedule.py"


def test_the_follow_tick_entry_follows_follow_tick_and_is_left_out_when_it_is_zero():
    from tasks.schedule import beat_schedule

    default = beat_schedule(settings())["follow"]
    assert default["task"] == "follow_tick" and default["schedule"] == 60 and default["options"]["expires"] == 60
    assert beat_schedule(settings(FOLLOW_TICK=2))["follow"]["schedule"] == 2
    assert "follow" not in beat_schedule(settings(FOLLOW_TICK=0))


def test_beat_results_always_and_auto_leave_the_recent_sync_to_spec_s_default_and_never_keeps_it_results_free():
    from tasks.schedule import beat_schedule

    kwargs = {mode: beat_schedule(settings(BEAT_RESULTS=mode))["sync-recent"]["kwargs"]["include_results"]
              for mode in ("auto", "always", "never")}
    assert kwargs == {"auto": None, "always": None, "never": False}


def test_the_recent_sync_entry_follows_the_beat_settings():
    from tasks.schedule import beat_schedule

    default = beat_schedule(settings())["sync-recent"]
    custom = beat_schedule(settings(BEAT_SYNC_RECENT_EVERY=120, BEAT_RECENT_DAYS=5, BEAT_RESULTS="never",
                                    BEAT_STALE_AFTER=600))["sync-recent"]
    assert default["schedule"] == 86400 and default["kwargs"] == {"days": 3, "include_results": None,
                                                                 "stale_after": 6 * 3600}
    assert custom["schedule"] == 120 and custom["options"]["expires"] == 120
    assert custom["kwargs"] == {"days": 5, "include_results": False, "stale_after": 600}


@pytest.mark.parametrize("name, value", [("BEAT_SYNC_RECENT_EVERY", "0"), ("BEAT_RECENT_DAYS", "zero"),
                                         ("BEAT_RESULTS", "sometimes"), ("BEAT_LOCK_TIMEOUT", "5")])
def test_a_bad_beat_setting_stops_the_program_naming_the_setting_not_its_value(monkeypatch, name, value):
    from workers.settings import SettingsError, load_settings

    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert name in str(caught.value) and f"'{value}'" not in str(caught.value)


def test_the_app_runs_beat_with_redbeat_on_the_broker_redis_with_a_lock_timeout():
    from tasks import app

    from celery.utils.imports import symbol_by_name
    from redbeat import RedBeatScheduler

    assert issubclass(symbol_by_name(app.conf.beat_scheduler), RedBeatScheduler)
    assert app.conf.redbeat_redis_url == app.conf.broker_url
    assert app.conf.redbeat_lock_timeout > app.conf.beat_max_loop_interval


# -- the overlap lock, in-process ----------------------------------------------------------------------------

@pytest.mark.integration
def test_two_ticks_at_once_start_one_run_and_the_other_says_why(database, db, monkeypatch):
    from tasks import schedule

    sent: list[str] = []

    def slow_send(kwargs, task_id):  # holds the start lock until the other tick has answered
        wait_until(lambda: outcomes, 10, "the other tick's answer")
        sent.append(task_id)

    monkeypatch.setattr(schedule.sync_recent, "apply_async", slow_send)
    db.execute(f'DELETE FROM "SyncRuns" WHERE {SCHEDULED}')
    outcomes: list[dict] = []
    ticks = [threading.Thread(target=lambda: outcomes.append(schedule.start_scheduled_recent(3, None, 3600)))
             for _ in range(2)]
    try:
        for t in ticks:
            t.start()
        for t in ticks:
            t.join(10)
        started = [o["started"] for o in outcomes if o["started"]]
        assert len(outcomes) == 2 and started == sent and len(sent) == 1, outcomes
        assert [o["skipped"] for o in outcomes if not o["started"]] == ["another tick is starting a run"]
        row = db.execute('SELECT "Kind", "Arguments", "Status" FROM "SyncRuns" WHERE "Id" = %s', sent).fetchone()
        assert row == ("recent", {"days": 3, "include_results": None, "scheduled": True}, "running")
    finally:
        db.execute(f'DELETE FROM "SyncRuns" WHERE {SCHEDULED}')


def test_the_followed_series_entry_and_its_setting(monkeypatch):
    from tasks import schedule
    from tasks.schedule import beat_schedule
    from workers import sources

    entry = beat_schedule(settings(BEAT_SYNC_SERIES_EVERY=600))["sync-followed-series"]
    assert entry["task"] == "scheduled_sync_series" and entry["schedule"] == 600 and entry["options"]["expires"] == 600
    listed = " Wisconsin Challenge Series, NASCAR_Cup_Series_Central ,"
    for settings_of_the_wiki in (sources.get("thirdturn").settings, sources._settings("thirdturn")):  # loaded, cheap
        monkeypatch.setattr(settings_of_the_wiki, "FOLLOWED_SERIES", listed)
    assert schedule.followed_scopes() == {"thirdturn": ["Wisconsin_Challenge_Series", "NASCAR_Cup_Series_Central"]}
    assert sources.get("thirdturn").followed_scopes() == ["Wisconsin_Challenge_Series", "NASCAR_Cup_Series_Central"]


@pytest.mark.integration
def test_a_followed_series_tick_starts_its_newest_season_and_skips_one_still_running(database, db, monkeypatch):
    from tasks import schedule

    sent: list[dict] = []
    monkeypatch.setattr(schedule.sync_series, "apply_async", lambda kwargs, task_id: sent.append(kwargs))
    monkeypatch.setattr(schedule, "followed_scopes",
                        lambda: {"thirdturn": ["Wisconsin_Challenge_Series", "Badger_Mod_Tour"]})
    db.execute(f'DELETE FROM "SyncRuns" WHERE {SCHEDULED}')
    try:
        first = schedule.scheduled_sync_series(stale_after=3600)
        assert set(first["started"]) == {"Wisconsin_Challenge_Series", "Badger_Mod_Tour"} and not first["skipped"]
        assert sorted(k["title"] for k in sent) == ["Badger_Mod_Tour", "Wisconsin_Challenge_Series"]
        assert all(k["season"] == "latest" and k["include_results"] is None and k["source"] == "thirdturn"
                   for k in sent)
        run = first["started"]["Badger_Mod_Tour"]
        assert db.execute('SELECT "Kind", "Source", "Arguments" FROM "SyncRuns" WHERE "Id" = %s', [run]).fetchone() \
            == ("series", "thirdturn", {"series": "Badger_Mod_Tour", "season": "latest", "include_results": None,
                                        "source": "thirdturn", "scheduled": True})
        db.execute('UPDATE "SyncRuns" SET "Status" = \'succeeded\' WHERE "Id" = %s', [run])
        second = schedule.scheduled_sync_series(stale_after=3600)  # Wisconsin's run still runs, Badger's ended
        assert list(second["started"]) == ["Badger_Mod_Tour"]
        assert "still running" in second["skipped"]["Wisconsin_Challenge_Series"]
    finally:
        db.execute(f'DELETE FROM "SyncRuns" WHERE {SCHEDULED}')


# -- two real beats and a worker -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def beats(database, replay, tmp_path_factory):
    """A worker and two beats (every TICK seconds) on Redis DB 9; the first beat holds the lock."""
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(f'DELETE FROM "SyncRuns" WHERE {SCHEDULED}')
    tmp = tmp_path_factory.mktemp("beat")
    env = {"BEAT_SYNC_RECENT_EVERY": str(TICK), "LOG_FORMAT": "text"}
    with worker_nodes(BROKER, database, tmp, **env) as start:
        (worker,) = start(replay.base_url)
        beat_env = {**worker.env(), **env}
        first = Beat(tmp / "beat-1.log", beat_env)
        first.wait_for("beat: Acquired lock")
        second = Beat(tmp / "beat-2.log", beat_env)
        second.wait_for("beat: Starting...")
        yield worker, first, second
        for beat in (second, first):
            beat.stop()
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(f'DELETE FROM "SyncRuns" WHERE {SCHEDULED}')


def ticks_received(log: str) -> int:
    return len(re.findall(r"Task scheduled_sync_recent\[[0-9a-f-]+\] received", log))


def runs_started(log: str) -> list[str]:
    return re.findall(r"scheduled sync_recent started as run ([0-9a-f-]+)", log)


def markers_of(database: str, run_ids: list[str]) -> set[tuple[str, bool]]:
    with psycopg.connect(database, autocommit=True) as conn:
        rows = conn.execute('SELECT "Kind", "Arguments" FROM "SyncRuns" WHERE "Id"::text = ANY(%s)',
                            [run_ids]).fetchall()
    return {(kind, arguments.get("scheduled")) for kind, arguments in rows}


@pytest.mark.integration
@pytest.mark.slow
def test_a_second_beat_waits_for_the_lock_and_every_tick_is_sent_and_run_once(beats, database):
    worker, first, second = beats
    markers: set[tuple[str, bool]] = set()
    watch_until = time.monotonic() + 4 * TICK + 0.5
    while time.monotonic() < watch_until:  # read each run's row soon after it starts
        markers |= markers_of(database, runs_started(worker.log()))
        time.sleep(0.2)  # beat ticking for four ticks is what is watched; 0.2 s is only how often it is read
    wait_until(lambda: ticks_received(worker.log()) >= first.sent(), 5, "every tick beat sent received",
               interval=0.1)

    sent, log = first.sent(), worker.log()
    started, skipped = runs_started(log), log.count("scheduled sync_recent skipped")
    assert sent >= 3, first.log()
    assert second.sent() == 0 and "Acquired lock" not in second.log(), second.log()
    assert ticks_received(log) == sent, f"{ticks_received(log)} ticks received for {sent} sent"
    assert len(started) + skipped == sent and len(set(started)) == len(started), log[-3000:]
    assert markers == {("recent", True)}, "scheduled runs must carry the scheduled marker"


@pytest.mark.integration
@pytest.mark.slow
def test_a_tick_skips_while_a_scheduled_run_is_running_and_a_stale_run_no_longer_blocks(beats, database):
    worker, _, _ = beats
    blocker = str(uuid.uuid4())
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute('INSERT INTO "SyncRuns" ("Id", "Kind", "Source", "Arguments") VALUES (%s, \'recent\', '
                     '\'openf1\', %s)',
                     [blocker, json.dumps({"days": 3, "include_results": None, "scheduled": True})])
        mark = len(worker.log())
        skipped = f"skipped: previous scheduled run still running {{'running': '{blocker}'"
        blocked = wait_until(lambda: log if skipped in (log := worker.log()[mark:]) else None, 2 * TICK + 10,
                             "a tick skipped for the running run", interval=0.1)

        conn.execute('UPDATE "SyncRuns" SET "StartedAt" = now() - interval \'7 hours\' WHERE "Id" = %s', [blocker])
        mark = len(worker.log())
        after_stale = wait_until(lambda: log if runs_started(log := worker.log()[mark:]) else None, TICK + 10,
                                 "a run started once the blocker is stale", interval=0.1)
        conn.execute('DELETE FROM "SyncRuns" WHERE "Id" = %s', [blocker])

    assert f"skipped: previous scheduled run still running {{'running': '{blocker}'" in blocked, blocked
    assert runs_started(blocked) == [], blocked
    named = r"/ForkPoolWorker-\d\] scheduled_sync_recent\[[0-9a-f-]+\]: scheduled sync_recent skipped"
    assert re.search(named, blocked), "a text line logged inside a task does not name the task"
    assert runs_started(after_stale), f"a run older than BEAT_STALE_AFTER still blocks the schedule:\n{after_stale}"
