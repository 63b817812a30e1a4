"""Worker and beat processes for the tests and the benches: `celery -A tasks worker` and `celery -A tasks beat`
subprocesses on a Redis DB of their own (REDIS_DB), each stopped, its whole process group if need be, at the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import redis
from kombu.exceptions import OperationalError

from harness.runs import client_app, send, wait_for_run
from harness.waiting import wait_until

REPO = Path(__file__).resolve().parents[1]

# The Redis DB of each test file that starts a worker of its own or needs a broker no worker listens on (and of
# the bench), on TEST_REDIS_URL's server: no two files share a queue. DB 0 is REDIS_URL's default, left to the
# developer's own worker. A DB named in TEST_REDIS_URL replaces "session" (see conftest's report header).
REDIS_DB = {
    "session": 15,  # conftest's worker, shared by the tests that ask for it
    "bench": 1,  # bench/season.py, unless BENCH_REDIS_URL is set
    # test_cli and test_ops_cli: no worker answers there, but for test_ops_cli's history tests' own, stopped at
    # each one's end; resume publishes to it (the files run one after the other, each emptying it)
    "no_worker": 2,
    "broker_repair": 3,  # test_broker_repair: kombu's channel, no worker
    "record_copy": 4,  # test_record: the worker of the recording's copy
    "honcho": 5,  # test_deploy_files: the Procfile's worker, beat and Flower
    "logs": 6,  # test_logs: the worker logging JSON lines
    "bad_input": 7,  # test_bad_input
    "chaos": 8,  # test_chaos
    "beat": 9,  # test_beat
    "fleet_limit": 10,  # test_fleet_limit
    "flower": 11,  # test_flower
    "ratelimit": 12,  # test_ratelimit: the fleet limiter's keys
    "season_in_motion": 13,  # test_season_in_motion: workers and beat following a live weekend, the queues' order
    "redelivery": 14,  # test_redelivery: a lone worker
}
if len(set(REDIS_DB.values())) < len(REDIS_DB) or not set(REDIS_DB.values()) <= set(range(1, 16)):
    raise RuntimeError(f"harness/workers.py REDIS_DB must give each name its own DB among 1..15: {REDIS_DB}")
DEFAULT_TEST_REDIS = "redis://localhost:6379"


def broker_url(name: str, password: str | None = None) -> str:
    """The Redis DB of `name` in REDIS_DB on TEST_REDIS_URL's server (its scheme, credentials, host and port);
    with `password`, logged in as the default user with that password instead."""
    server = urlsplit(os.environ.get("TEST_REDIS_URL") or DEFAULT_TEST_REDIS)
    netloc = server.netloc if password is None else f"default:{password}@{server.netloc.rpartition('@')[2]}"
    return urlunsplit(server._replace(netloc=netloc, path=f"/{REDIS_DB[name]}"))


def session_broker_url() -> str:
    """TEST_REDIS_URL when it names a DB, else the session's DB of REDIS_DB on its server."""
    url = os.environ.get("TEST_REDIS_URL", "")
    return url if urlsplit(url).path.strip("/") else broker_url("session")


def names_sharing_the_session_db() -> list[str]:
    """The other names of REDIS_DB whose DB the session's worker uses (TEST_REDIS_URL may name any DB)."""
    db = int(urlsplit(session_broker_url()).path.strip("/"))
    return [name for name, number in REDIS_DB.items() if number == db and name != "session"]


@dataclass
class Worker:
    broker_url: str
    openf1_url: str
    database_url: str
    log_path: Path
    concurrency: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        return {**os.environ, "REDIS_URL": self.broker_url, "DATABASE_URL": self.database_url,
                "OPENF1_BASE_URL": self.openf1_url, "PYTHONUNBUFFERED": "1", **self.extra_env}

    def start(self, timeout: float = 30.0) -> None:
        name = f"pytest-{uuid.uuid4().hex[:8]}@%h"
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tasks", "worker", "--loglevel=INFO", "-P", "prefork",
             f"--concurrency={self.concurrency}", "-n", name, "--without-gossip", "--without-mingle"],
            cwd=REPO, env=self.env(), stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self.app = client_app(self.broker_url)
        try:
            self._wait_until_it_answers(timeout)
        except BaseException:
            self.stop()  # never leave a worker behind: it would take the next test's tasks
            raise

    def _wait_until_it_answers(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"worker exited early:\n{self.log()}"
            try:
                if self.app.control.ping(timeout=0.5):
                    return
            except (OSError, ConnectionError, OperationalError, redis.ConnectionError):
                time.sleep(0.1)  # a pooled connection to a Redis that has since restarted: the next try reconnects
        raise AssertionError(f"worker did not answer within {timeout}s:\n{self.log()}")

    def children(self) -> list[int]:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        stop_process(self.process, self._log, timeout=15)

    def run(self, task: str, *args: Any, timeout: float = 120.0, **kwargs: Any) -> dict[str, Any]:
        """Send a dispatcher task and wait, through the run table, until its run ends."""
        run_id = send(self.app, task, *args, **kwargs)
        return wait_for_run(self.database_url, run_id, timeout, self)


class Beat:
    """A real `celery -A tasks beat` (RedBeat) with the given environment, its output in a log file."""

    def __init__(self, log_path: Path, env: dict[str, str]):
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tasks", "beat", "-S", "tasks.beat:Scheduler",
             "--loglevel=INFO"], cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def sent(self) -> int:
        return self.log().count("Sending due task sync-recent (scheduled_sync_recent)")

    def wait_for(self, text: str, timeout: float = 20) -> None:
        def logged() -> bool:
            assert self.process.poll() is None, f"beat exited before {text!r}:\n{self.log()}"
            return text in self.log()

        wait_until(logged, timeout, f"{text!r} in beat's log", interval=0.1, detail=self.log)

    def stop(self) -> None:
        stop_process(self.process, self._log, timeout=10)


def stop_process(process: subprocess.Popen | None, log: Any, timeout: float) -> None:
    """SIGTERM, then SIGKILL to the whole process group after `timeout` seconds; the log file is closed."""
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    log.close()


@contextmanager
def worker_nodes(home: str, database_url: str, log_dir: Path,
                 **default_env: str) -> Iterator[Callable[..., list[Worker]]]:
    """Worker nodes on a broker DB of the test's own (`home`, emptied before and after), every one stopped at
    the end. Yields start(openf1_url, count=1, *, broker=home, concurrency=2, **env) -> the nodes started."""
    redis.Redis.from_url(home).flushdb()
    started: list[Worker] = []

    def start(openf1_url: str, count: int = 1, *, broker: str | None = None, concurrency: int = 2,
              **env: str) -> list[Worker]:
        for _ in range(count):
            node = Worker(broker or home, openf1_url, database_url, log_dir / f"worker-{len(started)}.log",
                          concurrency=concurrency, extra_env={**default_env, **env})
            started.append(node)
            node.start()
        return started[-count:]

    try:
        yield start
    finally:
        for node in started:
            node.stop()
        redis.Redis.from_url(home).flushdb()
