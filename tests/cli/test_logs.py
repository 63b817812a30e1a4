"""Logs: text or JSON lines (LOG_FORMAT) with the task's id and name, never a spoiler value or a secret."""

from __future__ import annotations

import io
import json
import logging
import re
import secrets

import pytest

from harness import recorded
from harness.runs import send
from harness.workers import broker_url, worker_nodes
from harness.waiting import wait_until


def render(log_format: str, message: str, *args, exc: BaseException | None = None) -> str:
    """What a handler configured by workers.logs writes for one record."""
    from workers.logs import configure

    logger = logging.getLogger(f"tests.logs.{log_format}")
    logger.handlers, logger.propagate = [], False
    stream = io.StringIO()
    logger.addHandler(logging.StreamHandler(stream))
    configure(logger, log_format)
    if exc is None:
        logger.warning(message, *args)
    else:
        try:
            raise exc
        except type(exc):
            logger.exception(message, *args)
    return stream.getvalue()


@pytest.mark.parametrize("message, secret", [
    ("connecting to %s", "postgresql://parcferme:pg-s3cret@db:5432/parcferme"),
    ("broker %s", "redis://:redis-s3cret@redis:6379/0"),
    ("headers %s", {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.tok-s3cret"}),
    ("retrying with Bearer %s", "abc.def-tok-s3cret"),
    ("login %s", {"username": "sponsor", "password": "pw-s3cret"}),
    ("env %s", "OPENF1_PASSWORD=pw-s3cret FLOWER_BASIC_AUTH=admin:fl-s3cret"),
    ("token response %s", {"access_token": "tok-s3cret", "expires_in": "3600"}),
])
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_redaction_filter_removes_url_passwords_tokens_and_password_values(log_format, message, secret):
    line = render(log_format, message, secret)
    assert "s3cret" not in line and "***" in line, line


def test_a_logged_traceback_is_redacted_too():
    line = render("json", "request failed", exc=RuntimeError("cannot reach redis://:tb-s3cret@redis:6379/0"))
    record = json.loads(line)
    assert "tb-s3cret" not in line and "RuntimeError" in record["exception"]


def test_text_lines_keep_celerys_layout_and_json_lines_are_one_object_each():
    text = render("text", "plain %d", 1)
    assert re.fullmatch(r"\[[\d\- :,]+: WARNING/MainProcess\] plain 1\n", text), text
    record = json.loads(render("json", "plain %d", 1))
    assert record["message"] == "plain 1" and record["level"] == "WARNING" and "task_id" not in record
    assert {"time", "logger", "process"} <= set(record)


def outcome_line(name: str, kwargs: dict, returned: dict) -> dict:
    """The JSON line of Celery's task-outcome record for a task that returned `returned`."""
    from workers.logs import configure

    logger = logging.getLogger("tests.logs.outcome")
    logger.handlers, logger.propagate = [], False
    logger.setLevel(logging.INFO)
    stream = io.StringIO()
    logger.addHandler(logging.StreamHandler(stream))
    configure(logger, "json")
    data = {"id": "0b1c", "name": name, "kwargs": repr(kwargs), "return_value": repr(returned), "runtime": 0.25}
    logger.info("Task %(name)s[%(id)s] succeeded in %(runtime)ss: %(return_value)s", data, extra={"data": data})
    return json.loads(stream.getvalue())


def test_a_task_outcome_in_json_carries_its_run_source_round_duration_and_counts_as_fields():
    record = outcome_line("sync_results", {"run_id": "r-1", "source": "openf1", "season": 2024, "round_key": "1229"},
                          {"round_key": "1229", "requests": 0, "written": 44, "deleted": 2, "quarantined": 1,
                           "changes": 3})
    assert {k: record[k] for k in ("task_id", "task_name", "run_id", "source", "season", "round_key", "duration",
                                    "written", "deleted", "quarantined", "changes", "requests")} == {
        "task_id": "0b1c", "task_name": "sync_results", "run_id": "r-1", "source": "openf1", "season": 2024,
        "round_key": "1229", "duration": 0.25, "written": 44, "deleted": 2, "quarantined": 1, "changes": 3,
        "requests": 0}


def test_a_dispatcher_s_run_is_its_own_task_id_and_only_counts_become_fields():
    record = outcome_line("sync_season", {"include_results": True},
                          {"run_id": "0b1c", "rounds": 24, "requests": 5, "include_results": True, "position": 1})
    assert record["run_id"] == "0b1c" and record["rounds"] == 24 and record["requests"] == 5
    assert "position" not in record and "include_results" not in record


def test_a_line_may_carry_its_own_fields(monkeypatch):
    from workers.logs import configure

    logger = logging.getLogger("tests.logs.extra")
    logger.handlers, logger.propagate = [], False
    logger.setLevel(logging.INFO)
    stream = io.StringIO()
    logger.addHandler(logging.StreamHandler(stream))
    configure(logger, "json")
    logger.info("landed", extra={"source": "jolpica", "requests": 2, "secret_thing": "x"})
    record = json.loads(stream.getvalue())
    assert record["source"] == "jolpica" and record["requests"] == 2 and "secret_thing" not in record


def test_log_level_is_checked_and_wins_over_the_command_s_own_only_when_it_is_set(monkeypatch):
    from workers import logs
    from workers.settings import SettingsError, get_settings, load_settings

    monkeypatch.setenv("LOG_LEVEL", "loud")
    with pytest.raises(SettingsError, match="LOG_LEVEL"):
        load_settings()
    get_settings.cache_clear()
    try:
        monkeypatch.setenv("LOG_LEVEL", "debug")
        assert logs.level() == logging.DEBUG
        get_settings.cache_clear()
        monkeypatch.delenv("LOG_LEVEL")
        assert logs.level() is None
    finally:
        get_settings.cache_clear()


def test_a_bad_log_format_stops_the_program_naming_the_setting(monkeypatch):
    from workers.settings import SettingsError, load_settings

    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        load_settings()


def command(*args: str, **env: str):
    """`python -m ingestion ARGS` with the environment given (LOG_LEVEL and LOG_FORMAT unset unless given)."""
    import os
    import subprocess
    import sys

    from harness.recordings import REPO

    base = {k: v for k, v in os.environ.items() if k not in ("LOG_LEVEL", "LOG_FORMAT")}
    return subprocess.run([sys.executable, "-m", "ingestion", *args], cwd=REPO, env={**base, **env},
                          capture_output=True, text=True, timeout=60)


# A command whose one request goes to a closed port: urllib3 logs its connection at DEBUG.
UNREACHABLE = ("healthcheck", "--skip", "postgres,indexes,jolpica,thirdturn,workers", "--timeout", "1")


def test_the_command_line_logs_on_stderr_at_log_level_warning_unless_set():
    quiet = command(*UNREACHABLE, OPENF1_BASE_URL="http://127.0.0.1:9/v1")
    assert quiet.returncode == 1 and "FAIL  openf1" in quiet.stdout and "DEBUG" not in quiet.stderr, quiet.stderr
    loud = command(*UNREACHABLE, OPENF1_BASE_URL="http://127.0.0.1:9/v1", LOG_LEVEL="DEBUG")
    assert "DEBUG urllib3.connectionpool: Starting new HTTP connection" in loud.stderr, loud.stderr
    assert "DEBUG" not in loud.stdout  # the command's own output stays apart
    as_json = command(*UNREACHABLE, OPENF1_BASE_URL="http://127.0.0.1:9/v1", LOG_LEVEL="DEBUG", LOG_FORMAT="json")
    lines = [json.loads(line) for line in as_json.stderr.splitlines() if line.strip()]
    assert lines and {line["level"] for line in lines} == {"DEBUG"}
    assert {"time", "level", "logger", "process", "message"} <= set(lines[0])


def test_the_command_line_refuses_a_bad_log_level_in_one_line():
    outcome = command("runs", LOG_LEVEL="loud")
    assert outcome.returncode == 2 and outcome.stderr.count("\n") == 1 and "LOG_LEVEL" in outcome.stderr
    assert "Traceback" not in outcome.stderr


# -- a real worker, LOG_FORMAT=json, a 2024 sync with results ---------------------------------------------------

def spoiler_values(data_dir) -> set[str]:
    """Every race/lap time and gap of the recorded 2024 results, as it would appear if printed."""
    values: set[str] = set()
    for record in recorded.load(data_dir, 2024, "session_result_session_*.json"):
        for field in ("duration", "gap_to_leader"):
            raw = record.get(field)
            for value in raw if isinstance(raw, list) else [raw]:
                if isinstance(value, float) and value >= 60:
                    values.add(repr(value))
    return values


@pytest.fixture()
def json_worker(database, data_dir, tmp_path):
    """A worker with LOG_FORMAT=json, a broker URL with a password, and a sponsor login to the replay server."""
    from openf1_replay import ReplayServer

    broker_password, openf1_password = secrets.token_urlsafe(9), secrets.token_urlsafe(9)
    broker = broker_url("logs", password=broker_password)
    with ReplayServer(data_dir=str(data_dir), port=0, credentials=("sponsor", openf1_password)) as server, \
            worker_nodes(broker, database, tmp_path) as start:
        (worker,) = start(server.base_url, LOG_FORMAT="json", OPENF1_USERNAME="sponsor",
                          OPENF1_PASSWORD=openf1_password)
        yield worker, server, (broker_password, openf1_password)


@pytest.mark.integration
@pytest.mark.slow
def test_a_json_worker_log_has_task_fields_and_no_spoiler_or_secret(json_worker, clean_db, data_dir):
    worker, server, passwords = json_worker
    run = worker.run("sync_season", 2024, include_results=True)
    assert run["status"] == "succeeded" and clean_db.execute('SELECT count(*) FROM "Results"').fetchone()[0] > 0
    leaked_token = "Bearer " + secrets.token_urlsafe(16)  # a message that carries secrets, logged by the worker
    send(worker.app, "no_such_task", f"postgresql://u:{passwords[0]}@db/x", leaked_token)
    wait_until(lambda: "no_such_task" in worker.log(), 10, "the unknown task in the worker's log")

    log = worker.log()
    records = [json.loads(line) for line in log.splitlines() if line.strip()]  # every line is JSON
    outcomes = [r for r in records if r["logger"] == "celery.app.trace" and " succeeded in " in r["message"]]
    assert {r["task_name"] for r in outcomes} >= {"sync_season", "sync_sessions", "sync_entrants", "sync_results"}
    assert all(r["task_id"] in r["message"] and isinstance(r["duration"], float) for r in outcomes)
    steps = [r for r in outcomes if r["task_name"] in ("sync_sessions", "sync_entrants", "sync_results")]
    assert steps and all(r["run_id"] == run["id"] and r["source"] == "openf1" and r["round_key"] and
                         isinstance(r["written"], int) for r in steps)
    dispatcher, = [r for r in outcomes if r["task_name"] == "sync_season"]
    # the dispatcher makes every request of the run (the sponsor's token among them)
    assert dispatcher["run_id"] == run["id"] and dispatcher["rounds"] == 25
    assert dispatcher["requests"] == run["requests"]
    assert all(r.get("task_id") for r in records if r["logger"] == "parcferme.tasks")
    assert any("no_such_task" in r["message"] for r in records)

    assert server.tokens_issued >= 1
    secrets_seen = [*passwords, leaked_token.split()[1], *getattr(server, "_tokens", {})]
    assert not [s for s in secrets_seen if s in log]
    for key in ("position", "points"):
        assert f'"{key}"' not in log and f"'{key}'" not in log
    assert not [v for v in spoiler_values(data_dir) if v in log]
