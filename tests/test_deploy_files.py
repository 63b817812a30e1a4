"""The deployment files as written: docker-compose.yml (checked as data, there is no Docker engine here) and
the Procfile, which honcho validates and actually runs."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import redis
import yaml

from tests.support import REPO, client_app

COMPOSE = REPO / "docker-compose.yml"
PROCFILE = REPO / "Procfile"
CELERY_SUBCOMMANDS = {"worker", "beat", "flower", "inspect", "call"}
LONG_RUNNING = ("postgres", "redis", "worker", "beat", "flower")
HONCHO_BROKER = "redis://localhost:6379/5"
HONCHO_WORKER = f"celery@{socket.gethostname()}"  # the Procfile's worker keeps Celery's default node name


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def command_of(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def check_runnable(argv: list[str]) -> None:
    """`celery -A tasks <subcommand>` or `python -m <importable module>`, nothing else."""
    program = Path(argv[0]).name
    if program == "celery":
        assert argv[1:3] == ["-A", "tasks"], argv
        assert CELERY_SUBCOMMANDS & set(argv[3:]), argv
    else:
        assert program == "python" and argv[1] == "-m", argv
        assert importlib.util.find_spec(argv[2]) is not None, f"module {argv[2]} is not importable"


def depends(service: dict) -> dict[str, str]:
    return {name: rule["condition"] for name, rule in service["depends_on"].items()}


def test_compose_defines_the_services_of_a_deployment(services):
    assert {"postgres", "redis", "migrate", "worker", "beat", "flower"} <= set(services)


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_has_a_health_check(services, name):
    check = services[name]["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1
    assert {"interval", "timeout", "retries"} <= set(check)


@pytest.mark.parametrize("name", ["migrate", "worker", "beat", "flower"])
def test_every_application_command_exists(services, name):
    check_runnable(command_of(services[name]))


def test_the_migration_runs_once_and_the_others_wait_for_it(services):
    assert command_of(services["migrate"])[-2:] == ["ingestion.db", "migrate"]
    assert services["migrate"]["restart"] == "no"
    assert depends(services["migrate"]) == {"postgres": "service_healthy"}
    assert depends(services["worker"]) == {"postgres": "service_healthy", "redis": "service_healthy",
                                           "migrate": "service_completed_successfully"}
    assert depends(services["beat"]) == {"redis": "service_healthy", "migrate": "service_completed_successfully"}
    assert depends(services["flower"]) == {"redis": "service_healthy"}


def test_the_worker_can_be_scaled(services):
    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert command_of(worker)[3] == "worker" and not any(a.startswith(("-n", "--hostname")) for a in command_of(worker))
    assert "$$HOSTNAME" in " ".join(worker["healthcheck"]["test"]), "the health check must ping this worker"


def test_beat_uses_redbeat_and_its_health_check_reads_its_lock(services):
    command = command_of(services["beat"])
    assert "beat" in command and command[command.index("-S") + 1] == "tasks.beat:Scheduler"
    from tasks import app

    assert f"'{app.conf.redbeat_key_prefix}:lock'" in " ".join(services["beat"]["healthcheck"]["test"])


def test_flower_goes_through_the_launcher_and_requires_basic_auth(services):
    flower = services["flower"]
    assert command_of(flower)[:3] == ["python", "-m", "ingestion.flower"]
    assert re.fullmatch(r"\$\{FLOWER_BASIC_AUTH:\?.+\}", flower["environment"]["FLOWER_BASIC_AUTH"])
    assert not any("basic" in part.lower() for part in command_of(flower))
    assert all(str(p).startswith("${FLOWER_PUBLISH:-127.0.0.1}:") for p in flower["ports"])


def procfile() -> dict[str, str]:
    lines = [line for line in PROCFILE.read_text().splitlines() if line and not line.startswith("#")]
    return dict(line.split(":", 1) for line in lines)


def test_the_procfile_has_the_four_process_types_with_commands_that_exist():
    processes = procfile()
    assert set(processes) == {"worker", "beat", "flower", "replay"}
    for command in processes.values():
        check_runnable(shlex.split(command))
    assert "-S tasks.beat:Scheduler" in processes["beat"]


def test_honcho_accepts_the_procfile():
    honcho = Path(sys.executable).with_name("honcho")
    done = subprocess.run([str(honcho), "check"], cwd=REPO, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "worker, beat, flower, replay" in done.stderr + done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until(check, what: str, process: subprocess.Popen, log: Path, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert process.poll() is None, f"honcho exited before {what}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"no {what} within {timeout}s:\n{log.read_text()}"
        time.sleep(0.3)


@pytest.mark.integration
@pytest.mark.slow
def test_honcho_starts_all_four_processes_and_stops_them_on_sigterm(database, data_dir, tmp_path):
    broker = redis.Redis.from_url(HONCHO_BROKER)
    broker.flushdb()
    replay_port, flower_port = free_port(), free_port()
    env_file = tmp_path / "honcho.env"
    env_file.write_text("\n".join([
        f"REDIS_URL={HONCHO_BROKER}", f"DATABASE_URL={database}", f"OPENF1_REPLAY_DIR={data_dir}",
        f"OPENF1_REPLAY_PORT={replay_port}", f"OPENF1_BASE_URL=http://127.0.0.1:{replay_port}/v1",
        f"FLOWER_PORT={flower_port}", "WORKER_CONCURRENCY=1", "BEAT_SYNC_RECENT_EVERY=3600"]) + "\n")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    log = tmp_path / "honcho.log"
    with open(log, "wb") as out:
        honcho = subprocess.Popen([str(Path(sys.executable).with_name("honcho")), "-e", str(env_file), "--no-colour",
                                   "start"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            app = client_app(HONCHO_BROKER)
            wait_until(lambda: answers(f"http://127.0.0.1:{replay_port}/__replay/health"), "replay", honcho, log)
            wait_until(lambda: answers(f"http://127.0.0.1:{flower_port}/healthcheck"), "flower", honcho, log)
            wait_until(lambda: broker.exists("parcferme:beat::lock"), "beat's lock", honcho, log)
            wait_until(lambda: app.control.ping([HONCHO_WORKER], timeout=0.5), "worker ping", honcho, log)
            honcho.send_signal(signal.SIGTERM)
            honcho.wait(timeout=30)
        finally:
            if honcho.poll() is None:
                os.killpg(honcho.pid, signal.SIGKILL)
                honcho.wait()
    text = log.read_text()
    for name in ("worker", "beat", "flower", "replay"):
        assert re.search(rf"{name}\.1 started \(pid=\d+\)", text), text
        assert re.search(rf"{name}\.1 (stopped|exited)", text), f"{name} still running after SIGTERM:\n{text}"
    assert not app.control.ping([HONCHO_WORKER], timeout=0.5)
    assert not answers(f"http://127.0.0.1:{flower_port}/healthcheck")
    broker.flushdb()
