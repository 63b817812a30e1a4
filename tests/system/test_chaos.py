"""Nothing lost under faults: upstream errors, a killed worker, PostgreSQL and Redis restarts, overlapping
runs and upstream rewriting history all end in the database a clean run gives (a content hash of the
racing tables built from natural keys, never uuids)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from openf1_replay import ReplayServer, load_records
from replay_kit.faults import FaultPlan
from harness.runs import send, wait_for_run
from harness.tables import content_hash, empty_tables
from harness.workers import Beat, Worker, broker_url, worker_nodes
from harness.waiting import wait_until
from workers.ratelimit import parse_rates
from workers.sources.thirdturn.client import user_agent

pytestmark = [pytest.mark.integration, pytest.mark.slow]
BROKER = broker_url("chaos")
FAST_RETRIES = {"OPENF1_READ_TIMEOUT": "1", "OPENF1_LIVE_RETRY_SECONDS": "1", "OPENF1_BACKOFF_SECONDS": "0.1",
                "REDIS_VISIBILITY_TIMEOUT": "10", "TASK_MAX_RETRIES": "10"}


def state_hash(database_url: str) -> str:
    with psycopg.connect(database_url) as conn:
        return content_hash(conn)


def sync_years(worker: Worker, years, timeout: float = 240) -> list[dict]:
    """Send one sync_season per year at once and wait for every run."""
    run_ids = [send(worker.app, "sync_season", year, include_results=True) for year in years]
    return [wait_for_run(worker.database_url, run_id, timeout, worker) for run_id in run_ids]


@pytest.fixture()
def workers(database, tmp_path):
    """start(openf1_url, count=1, broker=..., **env): worker nodes with fast retries on DB 8 (or `broker`)."""
    with worker_nodes(BROKER, database, tmp_path, **FAST_RETRIES) as start:
        yield start


@pytest.fixture(scope="module")
def clean_state(database, replay, tmp_path_factory):
    """Content hash of a clean sync of the given years from the current recording (computed once each)."""
    cache: dict[tuple, str] = {}

    def of(*years: int) -> str:
        if years not in cache:
            empty_tables(database)
            replay.reset()
            with worker_nodes(BROKER, database, tmp_path_factory.mktemp("clean")) as start:
                (w,) = start(replay.base_url)
                assert all(r["status"] == "succeeded" for r in sync_years(w, years))
            cache[years] = state_hash(database)
        return cache[years]

    return of


def test_upstream_faults_of_every_kind_end_in_the_clean_state(clean_state, workers, database, data_dir):
    expected = clean_state(2023, 2024)
    empty_tables(database)
    # A season is a handful of requests now: half of them faulted, with a seed whose first 15 draws hold every
    # kind and never more than two faults in a row (so no season-wide request is refused four times running).
    plan = FaultPlan(rate=0.5, seed=460, lockout=3.0, slow_seconds=1.5, storm_seconds=0.5)
    with ReplayServer(data_dir=str(data_dir), port=0, faults=plan) as faulty:
        (worker,) = workers(faulty.base_url)
        runs = sync_years(worker, (2023, 2024))
        stats = faulty.stats()
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"], runs
    assert state_hash(database) == expected
    assert set(plan.injected) >= {"500", "502", "503", "504", "slow", "close", "truncated", "429"}, plan.injected
    assert any(e["status"] == 401 for e in stats["log"]), "the live-session lock-out was never seen"


def test_a_worker_killed_with_sigkill_mid_season_leaves_the_rest_to_another(clean_state, workers, database, replay_log):
    expected = clean_state(2024)
    empty_tables(database)
    replay_log.latency = 0.5
    (doomed,) = workers(replay_log.base_url)
    run_id = send(doomed.app, "sync_season", 2024, include_results=True)
    victim = _active_step(doomed, ("sync_season",))  # landing the season, inside a request
    os.killpg(doomed.process.pid, signal.SIGKILL)  # the whole worker: main process and pool children
    doomed.process.wait()
    replay_log.latency = 0.0
    (survivor,) = workers(replay_log.base_url)
    run = wait_for_run(database, run_id, 120, survivor)
    assert run["status"] == "succeeded" and run["rounds_done"] == run["rounds_total"]
    assert state_hash(database) == expected
    assert f"[{victim['id']}] received" in survivor.log(), "the killed worker's task was not redelivered"


def _active_step(worker: Worker, names: tuple[str, ...], timeout: float = 30) -> dict:
    name = worker.app.control.ping(timeout=1)[0]

    def busy() -> list[dict]:
        active = worker.app.control.inspect(destination=list(name), timeout=0.5).active() or {}
        return [t for tasks in active.values() for t in tasks if t["name"] in names]

    return wait_until(busy, timeout, f"the worker running one of {names}")[0]


def _wait_for_progress(database_url: str, timeout: float = 60) -> int:
    """Wait until the round steps are under way (a round done, others pending); the rounds still pending."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        def pending_once_one_is_done() -> int:
            done, pending = conn.execute('SELECT count(*) FILTER (WHERE "Status" = \'done\'), count(*) FILTER '
                                         '(WHERE "Status" = \'pending\') FROM "SyncRunRounds"').fetchone()
            return pending if done else 0

        return wait_until(pending_once_one_is_done, timeout, "a round done and others pending", interval=0.01)


def test_postgresql_restarted_mid_sync_ends_in_the_clean_state(clean_state, workers, database, replay_log):
    expected = clean_state(2023, 2024)
    empty_tables(database)
    replay_log.reset()  # count this sync's requests only
    replay_log.latency = 0.05
    (worker,) = workers(replay_log.base_url)
    run_ids = [send(worker.app, "sync_season", year, include_results=True) for year in (2023, 2024)]
    pending = _wait_for_progress(database)
    cluster = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"], check=True, timeout=60)
    replay_log.latency = 0.0
    runs = [wait_for_run(database, r, 180, worker) for r in run_ids]
    assert pending > 0, "the restart came after the sync"
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"], runs
    assert state_hash(database) == expected  # the pool reconnected (silently, or through task retries)


@pytest.fixture()
def own_redis(tmp_path):
    """A Redis of the test's own, persisting every write (appendfsync always) as a broker should. The test
    owns its process: stopped with SIGTERM (a clean shutdown) and waited for, never through a client, whose
    retries would send SHUTDOWN again, to the next server."""
    port = 6391
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path), "--save", "",
               "--appendonly", "yes", "--appendfsync", "always", "--logfile", str(tmp_path / "redis.log")]
    client = redis.Redis(port=port, retry=Retry(NoBackoff(), 0))
    server: list[subprocess.Popen] = []

    def start() -> None:
        server.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        def answers() -> bool:
            assert server[-1].poll() is None, f"redis did not start (port {port} taken?)"
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        wait_until(answers, 10, "the test's own Redis to answer")

    def stop() -> None:
        process = server.pop()
        process.terminate()  # SIGTERM: redis fsyncs the AOF and exits
        process.wait(timeout=30)

    def restart(lose_data: bool = False, down_for: float = 2.0) -> None:
        """Stop, stay down a while (Celery's own publish retries give up after 0.6 s), start again; with
        lose_data, as a Redis that keeps nothing on disk (this machine's own)."""
        stop()
        if lose_data:
            shutil.rmtree(tmp_path / "appendonlydir")
        time.sleep(down_for)  # the outage itself: longer than Celery's publish retries, on purpose
        start()

    start()
    yield f"redis://127.0.0.1:{port}/0", restart
    stop()


def _sync_through_a_redis_restart(workers, database, replay_log, own_redis, tmp_path, lose_data: bool):
    """2023 and 2024 with results on a worker and a real beat (resume sweep every second, a meeting idle for
    12 s counted as lost), the test's own Redis restarted mid-sync: the runs, the worker and the beat."""
    broker, restart = own_redis
    replay_log.reset()  # count this sync's requests only
    replay_log.latency = 0.05
    sweep = {"BEAT_RESUME_EVERY": "1", "RESUME_STALLED_AFTER": "12"}
    (worker,) = workers(replay_log.base_url, broker=broker, **sweep)
    beat = Beat(tmp_path / "beat.log", {**worker.env(), **sweep})
    try:
        beat.wait_for("beat: Acquired lock")
        run_ids = [send(worker.app, "sync_season", year, include_results=True) for year in (2023, 2024)]
        pending = _wait_for_progress(database)
        restart(lose_data=lose_data)
        replay_log.latency = 0.0
        runs = [wait_for_run(database, r, 180, worker) for r in run_ids]
        assert worker.process.poll() is None, f"the worker did not outlive the outage:\n{worker.log()[-3000:]}"
        assert beat.process.poll() is None, f"beat did not outlive the outage:\n{beat.log()[-3000:]}"
    finally:
        beat.stop()
    assert pending > 0, "the restart came after the sync"
    return runs, worker, beat


def test_redis_restarted_mid_sync_ends_in_the_clean_state(clean_state, workers, database, replay_log, own_redis,
                                                          tmp_path):
    """A Redis that persists, down for 2 s: chain steps published through the outage, the worker and beat
    live on. kombu can still lose the one message it was delivering at the instant Redis stopped (popped
    from the queue, not yet recorded as unacknowledged; seen in Redis's own AOF); the sweep sends that
    meeting again, as beat does in every deployment."""
    expected = clean_state(2023, 2024)
    empty_tables(database)
    runs, worker, _ = _sync_through_a_redis_restart(workers, database, replay_log, own_redis, tmp_path, False)
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"], runs
    assert state_hash(database) == expected
    log = worker.log()
    assert "Giving up refused callback publish" not in log, "a chain step was dropped during the outage"
    assert "Unrecoverable error" not in log


def test_redis_restarted_with_its_data_lost_mid_sync_is_resumed_by_beat(clean_state, workers, database, replay_log,
                                                                         own_redis, tmp_path):
    """The queue and every unacknowledged task are gone: only the resume sweep brings the lost steps back."""
    expected = clean_state(2023, 2024)
    empty_tables(database)
    runs, _, beat = _sync_through_a_redis_restart(workers, database, replay_log, own_redis, tmp_path, True)
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"], runs
    assert sum(r["resent"] for r in runs) > 0, "nothing was lost, so nothing was resumed"
    assert state_hash(database) == expected
    assert "the lock was lost" in beat.log() and beat.log().count("beat: Acquired lock") == 2, beat.log()[-3000:]


def test_two_overlapping_syncs_of_one_season_end_as_one(clean_state, workers, database, replay_log):
    expected = clean_state(2024)
    empty_tables(database)
    pair = workers(replay_log.base_url, count=2)
    runs = sync_years(pair[0], (2024, 2024))  # as beat and a person would: the same season twice at once
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"], runs
    assert state_hash(database) == expected
    assert not any("DeadlockDetected" in w.log() for w in pair)


def snapshot_records(data_dir: Path) -> dict[str, list[dict]]:
    """Upstream as recorded in December 2025 (2023–2024), with the current drivers (the snapshot has none)."""
    old = load_records(data_dir / "snapshot_2025-12_all_sessions_2023-2025")
    current = load_records(data_dir)
    meetings = {m["meeting_key"] for m in old["meetings"] if m["year"] in (2023, 2024)}
    return {"meetings": [m for m in old["meetings"] if m["meeting_key"] in meetings],
            "sessions": [s for s in old["sessions"] if s["meeting_key"] in meetings],
            "session_result": [r for r in old["session_result"] if r["meeting_key"] in meetings],
            "starting_grid": [g for g in old["starting_grid"] if g["meeting_key"] in meetings],
            "drivers": current["drivers"]}


def russell_at_spa_2024(database_url: str) -> int | None:
    with psycopg.connect(database_url) as conn:
        row = conn.execute('SELECT x."Status" FROM "Results" x JOIN "Sessions" s ON s."Id" = x."SessionId" '
                           'JOIN "Rounds" r ON r."Id" = s."RoundId" JOIN "Entrants" e ON e."Id" = x."EntrantId" '
                           'JOIN "Drivers" d ON d."Id" = e."DriverId" WHERE r."Slug" = %s AND s."Type" = 6 '
                           'AND d."Slug" = %s', ["2024-belgian-grand-prix", "george-russell"]).fetchone()
    return row[0] if row else None


def test_upstream_rewriting_history_converges_to_what_it_says_now(clean_state, workers, database, data_dir):
    expected = clean_state(2023, 2024)
    empty_tables(database)
    with ReplayServer(records=snapshot_records(data_dir), port=0) as upstream:
        (worker,) = workers(upstream.base_url)
        assert [r["status"] for r in sync_years(worker, (2023, 2024))] == ["succeeded", "succeeded"]
        assert russell_at_spa_2024(database) == 4  # December 2025: no disqualification yet (NC)
        upstream.records = load_records(data_dir)  # upstream rewrites history
        assert [r["status"] for r in sync_years(worker, (2023, 2024))] == ["succeeded", "succeeded"]
    assert russell_at_spa_2024(database) == 3  # DSQ: the result replaced, not patched
    assert state_hash(database) == expected


# -- The Third Turn: a wiki crawled page by page ------------------------------------------------------------------

BADGER = "Custom_Windows_Plus_Badger_Mod_Tour_presented_by_Gandrud_Chevrolet"  # hub, 2 seasons, 14 races
WIKI_FAST = {"THIRDTURN_READ_TIMEOUT": "1", "THIRDTURN_BACKOFF_SECONDS": "0.1"}


@pytest.fixture(scope="module")
def wiki_pages():
    from thirdturn_replay import load_pages
    from harness.recordings import THIRDTURN_DIR

    return load_pages(THIRDTURN_DIR)


def _crawl(workers, replay, wiki, count: int = 1, **env: str) -> tuple[list[Worker], str]:
    nodes = workers(replay.base_url, count, THIRDTURN_BASE_URL=wiki.base_url, **WIKI_FAST, **env)
    return nodes, send(nodes[0].app, "sync_series", BADGER, include_results=True)


def test_wiki_faults_of_every_kind_and_a_killed_worker_end_in_the_clean_crawl(workers, database, replay, wiki_pages):
    from thirdturn_replay import ThirdTurnReplayServer

    empty_tables(database)
    with ThirdTurnReplayServer(pages=wiki_pages, rate_limit=None) as wiki:
        (clean,), run_id = _crawl(workers, replay, wiki)
        assert wait_for_run(database, run_id, 120, clean)["status"] == "succeeded"
        clean.stop()
    expected = state_hash(database)
    empty_tables(database)
    redis.Redis.from_url(BROKER).flushdb()
    # Faults on the page views (a seed whose first 16 draws hold every kind, never three in a row), pages that take
    # the wiki a while to render, and the worker crawling them killed mid-way.
    plan = FaultPlan(rate=0.5, seed=460, slow_seconds=1.5, storm_seconds=0.5)
    with ThirdTurnReplayServer(pages=wiki_pages, rate_limit=None, faults=plan, latency=0.3) as wiki:
        (doomed,), run_id = _crawl(workers, replay, wiki)
        _active_step(doomed, ("sync_series",))
        wait_until(lambda: wiki.stats()["by_status"].get("200", 0) >= 3, 60, "a few wiki pages landed")
        os.killpg(doomed.process.pid, signal.SIGKILL)
        doomed.process.wait()
        landed_before = wiki.stats()["by_status"].get("200", 0)
        (survivor,) = workers(replay.base_url, THIRDTURN_BASE_URL=wiki.base_url, **WIKI_FAST)
        run = wait_for_run(database, run_id, 180, survivor)
        stats = wiki.stats()
    assert run["status"] == "succeeded" and run["rounds_done"] == 14, run
    assert state_hash(database) == expected
    assert set(plan.injected) >= {"500", "502", "503", "504", "slow", "close", "truncated", "429"}, plan.injected
    assert 0 < landed_before < 17  # killed mid-crawl
    # hub, seasons and races only (a slow answer the client gave up on, or one cut by the kill, is asked again)
    assert len({e["title"] for e in stats["log"] if e["title"]}) == 17


def test_two_workers_crawl_at_the_wikis_pace_without_one_429(workers, database, replay, wiki_pages):
    """The fleet limit holds for the wiki: the replay's own polite limit (1 page per 5 s, time-scaled to 1 per
    second) never refuses the two workers sharing THIRDTURN_RATE_LIMIT, and the crawl takes at least the least
    time that limit allows."""
    from thirdturn_replay import ThirdTurnReplayServer
    from workers.ratelimit import least_time

    empty_tables(database)
    redis.Redis.from_url(BROKER).flushdb()
    with ThirdTurnReplayServer(pages=wiki_pages, rate_limit="1/5second", time_scale=5) as wiki:
        started = time.monotonic()
        (first, _), run_id = _crawl(workers, replay, wiki, count=2, THIRDTURN_RATE_LIMIT="1/second",
                                    THIRDTURN_CONTACT="ops@parcferme.example")
        run = wait_for_run(database, run_id, 180, first)
        wall = time.monotonic() - started
        stats = wiki.stats()
    assert run["status"] == "succeeded" and run["rounds_done"] == 14, run
    assert stats["throttled"] == 0 and stats["rejected"] == 0, stats["by_status"]
    assert stats["total"] == 1 + 1 + 2 + 14 == run["requests"]  # robots.txt once, then each page once
    assert wall >= least_time(stats["total"], parse_rates("1/second"))
    assert stats["user_agents"] == [user_agent("ops@parcferme.example")]
