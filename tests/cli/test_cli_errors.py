"""One command, and its failures: `parcferme` (the same program as `python -m ingestion`) has every command as a
sub-command, a version and the exit-code table, and works from any directory; the seed's spellings keep working.
Every failure an operator meets is one line (exactly the line asserted here) and its own exit code, before
anything is sent: Redis down, PostgreSQL refused, a wrong password, a missing database or role, an unknown or
malformed run id, a non-positive timeout, a follow that gives up, PostgreSQL lost while following."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from harness.recordings import REPO

pytestmark = pytest.mark.integration

PARCFERME = Path(sys.executable).with_name("parcferme")  # the console script scripts/setup.sh installs
NOT_A_RUN = "3f2b9c1e-0000-4000-8000-000000000000"


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO, timeout: float = 60,
        command: tuple[str, ...] = (sys.executable, "-m", "ingestion")) -> subprocess.CompletedProcess:
    return subprocess.run([*command, *args], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout)


def runs_in(db) -> int:
    return db.execute('SELECT count(*) FROM "SyncRuns"').fetchone()[0]


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- one command --------------------------------------------------------------------------------------------------

COMMANDS = ("sync", "bulk-sync", "rebuild", "follow", "runs", "resume", "verify", "status", "healthcheck", "db",
            "flower", "record")


def test_parcferme_answers_from_any_directory_with_its_own_name_every_command_and_the_exit_codes(tmp_path):
    outcome = cli("--help", cwd=tmp_path, command=(str(PARCFERME),))
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stdout.startswith("usage: parcferme [-h] [--version] COMMAND ...")
    for command in COMMANDS:
        assert f"\n    {command} " in outcome.stdout, command
    assert "exit codes:" in outcome.stdout and "\n  4    PostgreSQL or Redis cannot be reached" in outcome.stdout
    assert "\n  5    following gave up after --timeout" in outcome.stdout
    module = cli("--help", cwd=tmp_path)
    assert module.returncode == 0 and module.stdout.startswith("usage: python -m ingestion [-h] [--version] COMMAND")


def test_version_names_the_installed_project():
    from importlib.metadata import version

    outcome = cli("--version", command=(str(PARCFERME),))
    assert (outcome.returncode, outcome.stdout) == (0, f"parcferme {version('parcferme-ingestion')}\n")


@pytest.mark.parametrize("module", ["ingestion.healthcheck", "ingestion.db", "ingestion.bulk_sync", "ingestion.flower",
                                    "ingestion.runs", "ingestion.verify", "ingestion.resume", "ingestion.status",
                                    "ingestion.record", "ingestion.follow", "ingestion.sync"])
def test_the_seeds_python_dash_m_spellings_still_answer(module, tmp_path):
    outcome = cli("--help", cwd=tmp_path, command=(sys.executable, "-m", module))
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stdout.startswith(f"usage: python -m {module}")


def test_db_migrate_is_a_sub_command_that_works_from_any_directory(database, tmp_path):
    from workers.redaction import redact_url

    outcome = cli("db", "migrate", cwd=tmp_path, command=(str(PARCFERME),))
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stdout == f"migrations applied to {redact_url(database)}: none pending\n"


def test_an_unknown_command_is_one_line_and_exit_2():
    outcome = cli("nope", command=(str(PARCFERME),))
    assert outcome.returncode == 2
    assert outcome.stderr.count("\n") == 1 and outcome.stderr.startswith("error: parcferme: argument COMMAND: invalid")


# -- bad values, refused before anything is sent ------------------------------------------------------------------

@pytest.mark.parametrize("args, option, value", [
    (["sync", "--year", "2024", "--timeout", "-5"], "--timeout", "-5"),
    (["sync", "--timeout", "0"], "--timeout", "0"),
    (["rebuild", "--year", "2024", "--timeout", "nan"], "--timeout", "nan"),
    (["bulk-sync", "--start-year", "2024", "--timeout", "-1"], "--timeout", "-1"),
    (["follow", NOT_A_RUN, "--timeout", "0"], "--timeout", "0"),
    (["healthcheck", "--timeout", "0"], "--timeout", "0"),
    (["resume", "--stalled-after", "-60"], "--stalled-after", "-60"),
])
def test_a_non_positive_number_of_seconds_is_refused_on_one_line_before_anything_is_sent(args, option, value,
                                                                                          clean_db):
    outcome = cli(*args)
    assert outcome.returncode == 2
    command = f"python -m ingestion {args[0]}"
    assert outcome.stderr == (f"error: {command}: argument {option}: must be a positive number of seconds, got "
                              f"'{value}' (see {command} --help)\n")
    assert runs_in(clean_db) == 0


@pytest.mark.parametrize("command", [["follow"], ["runs", "show"]])
def test_a_malformed_run_id_is_refused_on_one_line(command):
    outcome = cli(*command, "not-a-run")
    assert outcome.returncode == 2
    shown = "python -m ingestion " + " ".join(command)
    assert outcome.stderr == (f"error: {shown}: argument run_id: must be a run's id, a UUID as `sync` printed it or "
                              f"`runs` lists it (e.g. 3f2b9c1e-…), got 'not-a-run' (see {shown} --help)\n")


def test_following_an_unknown_run_says_so_at_once_instead_of_waiting_for_ever(clean_db):
    started = time.monotonic()
    outcome = cli("follow", NOT_A_RUN)
    assert outcome.returncode == 2 and time.monotonic() - started < 10
    assert outcome.stderr == (f"error: no run {NOT_A_RUN} is recorded here (`python -m ingestion runs` lists them; a "
                              "run sent by `celery call` is recorded once a worker starts it)\n")
    shown = cli("runs", "show", NOT_A_RUN)
    assert shown.returncode == 2
    assert shown.stderr == f"error: no run {NOT_A_RUN} is recorded here (`python -m ingestion runs` lists them)\n"


# -- Redis and PostgreSQL that cannot be reached or refuse us -----------------------------------------------------

def test_with_redis_down_sync_says_so_on_one_line_within_seconds_and_sends_nothing(clean_db):
    port = closed_port()
    started = time.monotonic()
    outcome = cli("sync", "--year", "2024", env={"REDIS_URL": f"redis://127.0.0.1:{port}/0"})
    assert outcome.returncode == 4 and time.monotonic() - started < 5  # it was a kombu traceback after 6 s
    assert outcome.stderr == (f"error: cannot reach Redis at redis://127.0.0.1:{port}/0: connection refused (is it "
                              "running there?): start it (scripts/setup.sh starts a local one) or set REDIS_URL\n")
    assert outcome.stdout == "" and runs_in(clean_db) == 0


@pytest.mark.parametrize("command", [["sync", "--year", "2024"], ["follow", NOT_A_RUN], ["runs"], ["db", "audit"],
                                     ["status"]])
def test_with_postgresql_refusing_connections_every_command_says_so_on_one_line(command):
    port = closed_port()
    url = f"postgresql://parcferme:s3cretpw@127.0.0.1:{port}/parcferme"
    outcome = cli(*command, env={"DATABASE_URL": url})
    assert outcome.returncode == 4
    assert outcome.stderr == (f"error: cannot reach PostgreSQL at postgresql://parcferme:***@127.0.0.1:{port}/parcferme"
                              ": connection refused (is it running there?): start it (scripts/setup.sh starts a local "
                              "one) or set DATABASE_URL\n")


def test_a_missing_database_is_named_with_how_to_create_it(database):
    from workers.redaction import redact_url

    url = database.rsplit("/", 1)[0] + "/parcferme_nowhere_test"
    outcome = cli("sync", "--year", "2024", env={"DATABASE_URL": url})
    assert outcome.returncode == 4
    assert outcome.stderr == (f"error: PostgreSQL at {redact_url(url)} has no database \"parcferme_nowhere_test\": "
                              "create it (and the schema) with `python -m ingestion db migrate`, or point DATABASE_URL "
                              "at another\n")


def test_a_missing_role_is_named_with_how_to_create_it(database):
    url = "postgresql://nobody_of_ours@" + database.split("@", 1)[1]
    outcome = cli("runs", env={"DATABASE_URL": url}, command=(str(PARCFERME),))
    assert outcome.returncode == 4
    assert outcome.stderr == (f"error: PostgreSQL at {url} has no role \"nobody_of_ours\": create it (and the "
                              "database) with `parcferme db migrate`, or set the right user in DATABASE_URL\n")


@pytest.fixture(scope="module")
def password_server():
    """A PostgreSQL of the test's own whose TCP connections need a password (scram-sha-256): the machine's trusts
    every local connection, so a wrong password could not be refused there. Its port; a role `checked` with the
    password `right-pw` and a database of the same name."""
    bindir = Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip())
    if not (bindir / "initdb").is_file() or shutil.which("runuser") is None:
        pytest.skip(f"no PostgreSQL server binaries at {bindir} (or no runuser) to start a server of the test's own")
    home = Path(tempfile.mkdtemp(prefix="parcferme-password-"))
    shutil.chown(home, "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    port = closed_port()
    subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(home / "data"), "-U", "postgres",
                    "--auth-local=trust", "--auth-host=scram-sha-256"], check=True, capture_output=True, timeout=120)
    subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(home / "data"), "-l", str(home / "log"), "-w", "-o",
                    f"-p {port} -c listen_addresses=127.0.0.1 -k {home}", "start"], check=True, capture_output=True,
                   timeout=120)
    try:
        import psycopg

        with psycopg.connect(host=str(home), port=port, user="postgres", dbname="postgres", autocommit=True) as admin:
            admin.execute("CREATE ROLE checked LOGIN PASSWORD 'right-pw'")
            admin.execute("CREATE DATABASE checked OWNER checked")
        with psycopg.connect(f"postgresql://checked:right-pw@127.0.0.1:{port}/checked"):
            pass  # the right password is let in: the refusal below is the password's
        yield port
    finally:
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(home / "data"), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(home, ignore_errors=True)


def test_a_wrong_password_is_told_apart_from_an_unreachable_server_and_never_shown(password_server):
    url = f"postgresql://checked:wrong-s3cret@127.0.0.1:{password_server}/checked"
    outcome = cli("sync", "--year", "2024", env={"DATABASE_URL": url})
    assert outcome.returncode == 4
    assert outcome.stderr == (f"error: PostgreSQL at postgresql://checked:***@127.0.0.1:{password_server}/checked "
                              "refused the password of role \"checked\": put the right one in DATABASE_URL\n")
    none = cli("runs", env={"DATABASE_URL": f"postgresql://checked@127.0.0.1:{password_server}/checked",
                            "PGPASSFILE": "/nonexistent/.pgpass"})  # no password from anywhere
    assert none.returncode == 4
    assert none.stderr == (f"error: PostgreSQL at postgresql://checked@127.0.0.1:{password_server}/checked asks for a "
                           "password and DATABASE_URL gives none: add it to DATABASE_URL\n")
    assert "wrong-s3cret" not in outcome.stdout + outcome.stderr


# -- following that ends -----------------------------------------------------------------------------------------

def planned_run(db) -> str:
    from workers.db import runs

    run_id = str(uuid.uuid4())
    runs.start_run(db, run_id, "season", "openf1", {"year": 2024, "include_results": False})
    runs.plan_run(db, run_id, [(2024, "1"), (2024, "2")], False)
    return run_id


def test_a_follow_that_times_out_says_the_run_goes_on_and_exits_5(clean_db):
    run_id = planned_run(clean_db)
    outcome = cli("follow", run_id, "--timeout", "0.5", command=(str(PARCFERME),))
    assert outcome.returncode == 5
    assert outcome.stderr == (f"error: gave up following after 0.5 s (--timeout); the run goes on: follow it again "
                              f"with parcferme follow {run_id}\n")
    assert outcome.stdout.startswith("[running] rounds 0/2, 0 failed, 0 requests")


def test_postgresql_lost_while_following_shows_in_the_progress_then_ends_with_exit_4(database, clean_db, monkeypatch,
                                                                                   capsys):
    import psycopg

    from ingestion import follow, preflight
    from ingestion.exits import run_command
    from workers.redaction import redact_url

    run_id = planned_run(clean_db)
    connects, real_connect, real_look = [], preflight.connect, follow.RunReader.look

    def connect_then_refused(url, **options):
        connects.append(url)
        if len(connects) > 1:  # PostgreSQL went away after the first look
            raise psycopg.OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')
        return real_connect(url, **options)

    def dropping_first(reader, runs, elapsed):  # each look after the first finds the connection dropped
        if connects:
            reader.close()
        return real_look(reader, runs, elapsed)

    monkeypatch.setattr(preflight, "connect", connect_then_refused)
    monkeypatch.setattr(follow.RunReader, "look", dropping_first)
    monkeypatch.setattr(follow, "FOLLOW_OUTAGE", 1.5)
    code = run_command(lambda args: follow.follow(run_id, None), type("Args", (), {"json": False})())
    out, err = capsys.readouterr()
    assert code == 4
    assert out.startswith("[running] rounds 0/2, 0 failed, 0 requests")
    assert re.search(r"^\[running\] rounds 0/2, .* — PostgreSQL unreachable for \d+s, trying again$", out, re.M), out
    assert err == (f"error: cannot reach PostgreSQL at {redact_url(database)}: connection refused (is it running "
                   "there?): start it (scripts/setup.sh starts a local one) or set DATABASE_URL (lost for 1.5 s while "
                   f"following; the run goes on: follow it again with python -m ingestion follow {run_id})\n")
