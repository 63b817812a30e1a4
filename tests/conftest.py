"""Fixtures on the real parts: PostgreSQL, Redis, a Celery worker subprocess, and the OpenF1 replay server
standing in for api.openf1.org. Tests use their own database (`parcferme_test`) and Redis DBs (one per test file
that needs one, from REDIS_DB in harness/workers.py, on TEST_REDIS_URL's server; the session's worker on DB 15 unless
TEST_REDIS_URL names another)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.recordings import JOLPICA_DIR, OPENF1_DIR, THIRDTURN_DIR, require
from harness.tables import empty_tables
from harness.workers import Worker, names_sharing_the_session_db, session_broker_url

DATA_DIR = OPENF1_DIR
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL",
                                   "postgresql://parcferme:localdev@localhost:5432/parcferme_test")
TEST_REDIS_URL = session_broker_url()

# Before anything imports the workers' settings or the Celery app.
os.environ["DATABASE_URL"] = TEST_DATABASE_URL
os.environ["REDIS_URL"] = TEST_REDIS_URL
os.environ.setdefault("OPENF1_BASE_URL", "http://127.0.0.1:9/v1")  # replaced per worker by the replay URL
os.environ["OPENF1_RATE_LIMIT"] = "off"  # the limiter's own tests set a limit; the others measure behaviour
os.environ.setdefault("JOLPICA_BASE_URL", "http://127.0.0.1:9/ergast/f1")  # replaced per worker by the replay's
os.environ["JOLPICA_RATE_LIMIT"] = "off"
os.environ.setdefault("THIRDTURN_BASE_URL", "http://127.0.0.1:9")  # replaced per worker by the wiki replay's
os.environ["THIRDTURN_RATE_LIMIT"] = "off"  # the politeness tests set the wiki's limit themselves


def pytest_report_header() -> list[str]:
    """A session worker on a DB that REDIS_DB gives a test file too would take that file's tasks: say so."""
    shared = names_sharing_the_session_db()
    return [f"WARNING: the session's Redis DB (TEST_REDIS_URL) is also REDIS_DB's {', '.join(shared)} in "
            "harness/workers.py: don't run those tests in this session"] if shared else []


@pytest.fixture(autouse=True)
def recordings_present(request) -> None:
    """A test marked `recordings(path, what, variable)` fails when that recording is missing, as the fixtures
    below do: it is never skipped."""
    for marker in request.node.iter_markers("recordings"):
        require(*marker.args)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return require(DATA_DIR, "recorded OpenF1 data", "OPENF1_REPLAY_DIR")


@pytest.fixture(scope="session")
def database() -> str:
    from workers.db.schema import migrate

    assert TEST_DATABASE_URL.rsplit("/", 1)[-1].endswith("_test"), "tests only ever touch a *_test database"
    migrate(TEST_DATABASE_URL)
    return TEST_DATABASE_URL


@pytest.fixture()
def db(database):
    import psycopg

    with psycopg.connect(database, autocommit=True) as conn:
        yield conn


@pytest.fixture()
def clean_db(db, database):
    """An empty racing database (and empty worker tables) for the test."""
    empty_tables(database)
    return db


@pytest.fixture(scope="session")
def replay(data_dir):
    from openf1_replay import ReplayServer

    server = ReplayServer(data_dir=str(data_dir), port=0).start()
    yield server
    server.stop()


@pytest.fixture()
def replay_log(replay):
    """The replay server with fresh statistics, no limit and no latency."""
    replay.reset()
    replay.set_rate_limit(None)
    replay.latency = 0.0
    yield replay
    replay.set_rate_limit(None)
    replay.latency = 0.0


@pytest.fixture(scope="session")
def redis_flushed():
    import redis

    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    return TEST_REDIS_URL


@pytest.fixture(scope="session")
def history_replay():
    """The Jolpica-F1 replay of the Ergast export (history), without a limit: it stands in for api.jolpi.ca."""
    from jolpica_replay import JolpicaReplayServer

    require(JOLPICA_DIR, "recorded Jolpica data", "JOLPICA_REPLAY_DIR")
    server = JolpicaReplayServer(data_dir=str(JOLPICA_DIR), port=0, rate_limit=None).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def wiki_replay():
    """The Third Turn's replay of the recorded wiki pages, without a limit: it stands in for thethirdturn.com."""
    from thirdturn_replay import ThirdTurnReplayServer

    require(THIRDTURN_DIR, "recorded wiki pages", "THIRDTURN_REPLAY_DIR")
    server = ThirdTurnReplayServer(data_dir=str(THIRDTURN_DIR), port=0, rate_limit=None).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def worker(database, replay, history_replay, wiki_replay, redis_flushed, tmp_path_factory):
    """A real `celery -A tasks worker` process (prefork, 2 children) on the test Redis and database, reading
    OpenF1, Jolpica and The Third Turn from their replays."""
    w = Worker(broker_url=TEST_REDIS_URL, openf1_url=replay.base_url, database_url=database,
               log_path=tmp_path_factory.mktemp("worker") / "worker.log",
               extra_env={"JOLPICA_BASE_URL": history_replay.base_url, "THIRDTURN_BASE_URL": wiki_replay.base_url})
    w.start()
    yield w
    w.stop()
