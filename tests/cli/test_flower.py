"""Flower through `python -m ingestion.flower`: basic auth from FLOWER_BASIC_AUTH (never on the command line),
and no start on a reachable address without it."""

from __future__ import annotations

import base64
import os
import secrets
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from harness.workers import REPO, broker_url, worker_nodes
from harness.waiting import wait_until

BROKER = broker_url("flower")


def launcher(*args: str, env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
    environment = {k: v for k, v in os.environ.items() if k != "FLOWER_BASIC_AUTH"}
    return subprocess.Popen([sys.executable, "-m", "ingestion.flower", *args], cwd=REPO,
                            env={**environment, **(env or {})}, **popen)


def refusal(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    process = launcher(*args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate(timeout=30)
    return process.returncode, out + err


def test_the_launcher_refuses_a_public_address_without_basic_auth():
    code, output = refusal("--address", "0.0.0.0", "--port", "5599")
    assert code == 2
    assert "refusing" in output and "FLOWER_BASIC_AUTH" in output


def test_the_launcher_refuses_credentials_on_the_command_line_and_never_echoes_a_bad_secret():
    code, output = refusal("--", "--basic-auth=admin:on-the-command-line")
    assert code == 2 and "FLOWER_BASIC_AUTH" in output and "on-the-command-line" not in output

    code, output = refusal("--address", "0.0.0.0", env={"FLOWER_BASIC_AUTH": "no-colon-secret-value"})
    assert code == 2 and "FLOWER_BASIC_AUTH" in output and "no-colon-secret-value" not in output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, credentials: str | None = None) -> int:
    request = urllib.request.Request(url)
    if credentials:
        request.add_header("Authorization", "Basic " + base64.b64encode(credentials.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


@pytest.fixture(scope="module")
def flower(database, replay, tmp_path_factory):
    """A worker on Redis DB 11, then Flower through the launcher with a random password."""
    tmp_path = tmp_path_factory.mktemp("flower")
    with worker_nodes(BROKER, database, tmp_path) as start:
        (worker,) = start(replay.base_url, concurrency=1)
        password, port = secrets.token_urlsafe(12), free_port()
        log = open(tmp_path / "flower.log", "wb")
        process = launcher("--address", "127.0.0.1", "--port", str(port), stdout=log, stderr=subprocess.STDOUT,
                           env={**worker.env(), "FLOWER_BASIC_AUTH": f"ops:other-pass,admin:{password}"},
                           start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        flower_log = (tmp_path / "flower.log").read_text

        def answers() -> bool:
            assert process.poll() is None, f"Flower exited:\n{flower_log()}"
            return get(f"{base}/healthcheck") == 200

        wait_until(answers, 30, "Flower's healthcheck", interval=0.2, detail=flower_log)
        yield base, password, process
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
        log.close()


@pytest.mark.integration
def test_flower_answers_its_api_with_the_credentials_only(flower):
    base, password, _ = flower
    assert get(f"{base}/api/workers", f"admin:{password}") == 200
    assert get(f"{base}/api/workers", "ops:other-pass") == 200
    assert get(f"{base}/api/workers") == 401
    assert get(f"{base}/api/workers", "admin:wrong") == 401


@pytest.mark.integration
def test_flower_sees_the_running_worker_and_its_password_is_not_on_any_command_line(flower):
    base, password, process = flower
    request = urllib.request.Request(f"{base}/api/workers?refresh=1")
    request.add_header("Authorization", "Basic " + base64.b64encode(f"admin:{password}".encode()).decode())
    with urllib.request.urlopen(request, timeout=15) as response:
        workers = response.read().decode()
    assert "pytest-" in workers, workers[:500]

    command_line = open(f"/proc/{process.pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()
    assert "flower" in command_line and "--address=127.0.0.1" in command_line
    everyone = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert password not in everyone
