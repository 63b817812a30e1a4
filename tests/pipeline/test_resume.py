"""The resume sweep (tasks/resume.py) on the real database: what it claims, what it sends again, what it
fails, and that two sweeps at once claim each stalled meeting once. The sends are recorded here; a real
beat, worker and a Redis that lost its data are in tests/system/test_chaos.py."""

from __future__ import annotations

import json
import threading
import uuid

import pytest

pytestmark = pytest.mark.integration
STALLED = 60.0


@pytest.fixture()
def sent(monkeypatch):
    """Every task the sweep sends, as (task name, kwargs), instead of publishing it."""
    from tasks import app
    from workers.pipeline.kinds import KINDS

    calls: list[tuple[str, dict]] = []
    for name in ("sync_meeting", *(kind.task for kind in KINDS.values())):
        monkeypatch.setattr(app.tasks[name], "apply_async",
                            lambda kwargs, _name=name, **options: calls.append((_name, kwargs)))
    return calls


def new_run(db, *, kind="season", arguments=None, meetings=(), age=0.0, include_results=True,
            planned=True) -> str:
    run_id = str(uuid.uuid4())
    db.execute('INSERT INTO "SyncRuns" ("Id", "Kind", "Source", "Arguments", "IncludeResults", "RoundsTotal", '
               '"StartedAt") VALUES (%s, %s, \'openf1\', %s, %s, %s, now() - make_interval(secs => %s))',
               [run_id, kind, json.dumps(arguments or {"year": 2024, "include_results": include_results}),
                include_results if planned else None, len(meetings) if planned else None, age])
    for key, status, idle in meetings:
        db.execute('INSERT INTO "SyncRunRounds" ("RunId", "Season", "RoundKey", "Status", "UpdatedAt") '
                   'VALUES (%s, 2024, %s, %s, now() - make_interval(secs => %s))', [run_id, str(key), status, idle])
    return run_id


def meeting(db, run_id: str, key: int) -> tuple:
    return db.execute('SELECT "Status", "Resent", "Error", extract(epoch FROM now() - "UpdatedAt") < 5 '
                      'FROM "SyncRunRounds" WHERE "RunId" = %s AND "RoundKey" = %s', [run_id, str(key)]).fetchone()


def run_row(db, run_id: str) -> tuple:
    return db.execute('SELECT "Status", "Resent", "Error" FROM "SyncRuns" WHERE "Id" = %s', [run_id]).fetchone()


def test_pending_rounds_of_running_runs_are_sent_again_once_the_whole_fleet_made_no_progress(clean_db, sent):
    from tasks.resume import resume_stalled

    db = clean_db
    run_id = new_run(db, meetings=[(1, "pending", 120), (2, "pending", 10), (3, "done", 120), (4, "failed", 120)])
    finished = new_run(db, meetings=[(5, "pending", 120)])
    db.execute('UPDATE "SyncRuns" SET "Status" = \'failed\' WHERE "Id" = %s', [finished])

    # round 2 moved 10 s ago: the fleet is busy (a long queue), not lost, and nothing is sent
    assert resume_stalled(STALLED, max_resends=3)["rounds_resent"] == [] and sent == []
    db.execute('UPDATE "SyncRunRounds" SET "UpdatedAt" = now() - interval \'90 seconds\' WHERE "RoundKey" = \'2\'')
    outcome = resume_stalled(STALLED, max_resends=3)

    assert sorted(kw["round_key"] for _, kw in sent) == ["1", "2"]
    assert sent[0] == ("sync_meeting", {"source": "openf1", "season": 2024, "round_key": sent[0][1]["round_key"],
                                        "include_results": True, "run_id": run_id})
    assert sorted(outcome["rounds_resent"]) == [[run_id, "1"], [run_id, "2"]] and not outcome["rounds_failed"]
    assert meeting(db, run_id, 1) == ("pending", 1, None, True)  # claimed: counted, and its clock restarted
    assert meeting(db, run_id, 3)[1] == 0 and meeting(db, run_id, 4)[1] == 0 and meeting(db, finished, 5)[1] == 0
    assert resume_stalled(STALLED, max_resends=3)["rounds_resent"] == [], "a fresh claim was sent twice"


def test_a_meeting_sent_again_too_often_fails_with_the_reason_and_its_run_ends(clean_db, sent):
    from tasks.resume import resume_stalled
    from workers.db.runs import get_run

    db = clean_db
    run_id = new_run(db, meetings=[(1, "pending", 120), (2, "done", 120)], include_results=False)
    db.execute('UPDATE "SyncRunRounds" SET "Resent" = 2 WHERE "RunId" = %s AND "RoundKey" = \'1\'', [run_id])

    outcome = resume_stalled(STALLED, max_resends=2)

    assert sent == [] and outcome["rounds_failed"] == [[run_id, "1"]]
    status, resent, error, _ = meeting(db, run_id, 1)
    assert (status, resent) == ("failed", 3) and error == "lost: no progress for 60s, 2 time(s) sent again"
    run = get_run(db, run_id)
    assert run["status"] == "failed" and run["error"].startswith("1 round(s) failed, first 1: lost")
    assert run["resent"] == 3


def test_a_run_whose_dispatcher_never_planned_gets_its_dispatcher_again_then_fails(clean_db, sent):
    from tasks.resume import resume_stalled

    db = clean_db
    season = new_run(db, age=90, planned=False, arguments={"year": 2023, "include_results": None})
    recent = new_run(db, kind="recent", age=90, planned=False,
                     arguments={"days": 3, "include_results": False, "scheduled": True})
    young = new_run(db, age=10, planned=False)

    resume_stalled(STALLED, max_resends=1)
    assert sorted(sent) == sorted([("sync_season", {"year": 2023, "include_results": None, "run_id": season}),
                                   ("sync_recent", {"days": 3, "include_results": False, "run_id": recent})])
    assert run_row(db, season)[:2] == ("running", 1) and run_row(db, young)[:2] == ("running", 0)

    sent.clear()
    assert resume_stalled(STALLED, max_resends=1)["runs_resent"] == [], "the next threshold is twice as far"
    db.execute('UPDATE "SyncRuns" SET "StartedAt" = now() - interval \'125 seconds\' WHERE "Id" = %s', [season])
    outcome = resume_stalled(STALLED, max_resends=1)
    assert outcome["runs_failed"] == [season] and sent == []
    assert run_row(db, season) == ("failed", 2, "lost: no progress for 60s, 1 time(s) sent again")


def test_a_series_whose_dispatcher_never_planned_is_sent_again_with_its_title(clean_db, sent):
    from tasks.resume import resume_stalled

    db = clean_db
    series = new_run(db, kind="series", age=90, planned=False,
                     arguments={"series": "Wisconsin_Challenge_Series", "season": "latest", "include_results": None,
                                "scheduled": True})
    resume_stalled(STALLED, max_resends=1)
    assert sent == [("sync_series", {"title": "Wisconsin_Challenge_Series", "season": "latest",
                                     "include_results": None, "run_id": series})]


def test_two_sweeps_at_once_claim_each_stalled_meeting_once(clean_db, sent):
    from tasks.resume import resume_stalled

    db = clean_db
    run_id = new_run(db, meetings=[(k, "pending", 120) for k in range(1, 41)])
    barrier = threading.Barrier(2)
    outcomes: list[dict] = []

    def sweep():
        barrier.wait()
        outcomes.append(resume_stalled(STALLED, max_resends=3))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    claimed = [int(k) for o in outcomes for _, k in o["rounds_resent"]]
    assert sorted(claimed) == list(range(1, 41)), claimed
    assert sorted(int(kw["round_key"]) for _, kw in sent) == list(range(1, 41))
    assert db.execute('SELECT max("Resent") FROM "SyncRunRounds" WHERE "RunId" = %s', [run_id]).fetchone()[0] == 1


def test_a_retry_or_throttle_counts_as_progress(clean_db, sent):
    from tasks.resume import resume_stalled
    from workers.db.runs import count_retry

    db = clean_db
    run_id = new_run(db, meetings=[(1, "pending", 120), (2, "pending", 120)])
    count_retry(db, run_id, "1", throttle=True)
    count_retry(db, run_id, "2", throttle=False)
    assert resume_stalled(STALLED, max_resends=3)["rounds_resent"] == []


def test_the_threshold_must_exceed_the_visibility_timeout(monkeypatch):
    from workers.settings import SettingsError, load_settings

    monkeypatch.setenv("REDIS_VISIBILITY_TIMEOUT", "600")
    monkeypatch.setenv("RESUME_STALLED_AFTER", "600")
    with pytest.raises(SettingsError, match="RESUME_STALLED_AFTER must exceed REDIS_VISIBILITY_TIMEOUT"):
        load_settings()
    monkeypatch.delenv("RESUME_STALLED_AFTER")
    assert load_settings().stalled_after == 1200


def test_the_beat_schedule_sweeps_every_beat_resume_every_seconds():
    from tasks import app
    from tasks.schedule import beat_schedule
    from workers.settings import Settings

    entry = beat_schedule(Settings(BEAT_RESUME_EVERY=45))["resume-stalled"]
    assert entry["task"] == "resume_stalled" and "resume_stalled" in app.tasks
    assert entry["schedule"] == 45 and entry["options"]["expires"] == 45
