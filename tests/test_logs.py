"""Logs: text or JSON lines (LOG_FORMAT) with the task's id and name, never a spoiler value or a secret."""

from __future__ import annotations

import io
import json
import logging
import re
import secrets
import time

import pytest

from tests import recorded
from tests.support import broker_url, send, worker_nodes


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


def test_a_bad_log_format_stops_the_program_naming_the_setting(monkeypatch):
    from workers.settings import SettingsError, load_settings

    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        load_settings()


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
    deadline = time.monotonic() + 10
    while "no_such_task" not in worker.log() and time.monotonic() < deadline:
        time.sleep(0.1)

    log = worker.log()
    records = [json.loads(line) for line in log.splitlines() if line.strip()]  # every line is JSON
    outcomes = [r for r in records if r["logger"] == "celery.app.trace" and " succeeded in " in r["message"]]
    assert {r["task_name"] for r in outcomes} >= {"sync_season", "sync_sessions", "sync_entrants", "sync_results"}
    assert all(r["task_id"] in r["message"] and isinstance(r["duration"], float) for r in outcomes)
    assert all(r.get("task_id") for r in records if r["logger"] == "parcferme.tasks")
    assert any("no_such_task" in r["message"] for r in records)

    assert server.tokens_issued >= 1
    secrets_seen = [*passwords, leaked_token.split()[1], *getattr(server, "_tokens", {})]
    assert not [s for s in secrets_seen if s in log]
    for key in ("position", "points"):
        assert f'"{key}"' not in log and f"'{key}'" not in log
    assert not [v for v in spoiler_values(data_dir) if v in log]
