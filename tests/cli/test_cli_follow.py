"""Following a run: a live bar on a terminal, plain lines otherwise (at most one a second); the end seen within a
fraction of a second; Ctrl-C stops following, not the run, and says how to follow it again."""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest

from harness.recordings import REPO

pytestmark = pytest.mark.integration


def on_a_terminal(*args: str, interrupt_after: str | None = None, timeout: float = 120) -> tuple[int, str]:
    """Run `python -m ingestion ARGS` with a pseudo-terminal as stdout; optionally Ctrl-C once TEXT is seen."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "ingestion", *args], cwd=REPO, stdout=follower, stderr=follower,
                            stdin=subprocess.DEVNULL, env=os.environ.copy(),
                            # as a terminal's foreground job: Ctrl-C delivered even when CI runs us with it ignored
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.close(follower)
    out, deadline, interrupted = b"", time.monotonic() + timeout, False
    while time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        if interrupt_after and not interrupted and interrupt_after.encode() in out:
            proc.send_signal(signal.SIGINT)
            interrupted = True
    os.close(leader)
    return proc.wait(timeout=30), out.decode(errors="replace")


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def screen_lines(out: str) -> list[str]:
    """The lines a terminal keeps of the output: escape sequences out, each line as last redrawn."""
    return [ANSI.sub("", line.split("\r")[-1]) for line in out.replace("\r\n", "\n").split("\n")]


def test_on_a_terminal_sync_draws_a_live_bar_then_leaves_the_runs_last_line(worker, replay_log, clean_db, data_dir):
    from harness import recorded

    meetings = recorded.season(data_dir, 2024).meetings
    code, out = on_a_terminal("sync", "--year", "2024", "--no-results")
    assert code == 0, out
    assert "\x1b[" in out  # drawn in place
    assert re.search(rf"\d+/{meetings} rounds · \d+ requests · \d+ rate-limit waits · \d+s", ANSI.sub("", out))
    lines = [line for line in screen_lines(out) if line.strip()]
    assert lines[0].startswith("sync_season(2024,) queued as run ")
    assert re.match(rf"\[succeeded\] rounds {meetings}/{meetings}, 0 failed, \d+ requests", lines[-1]), lines
    assert not re.search(r"(?i)position|points", out)


def test_on_a_terminal_several_runs_end_each_on_a_line_of_its_own_and_the_summary_after(worker, replay_log,
                                                                                        clean_db, data_dir):
    from harness import recorded

    code, out = on_a_terminal("bulk-sync", "--start-year", "2023", "--end-year", "2024", "--no-results")
    assert code == 0, out
    lines = [line for line in screen_lines(out) if line.strip()]
    for year in (2023, 2024):
        meetings = recorded.season(data_dir, year).meetings
        assert any(re.match(rf"{year}: \[succeeded\] rounds {meetings}/{meetings}, ", line) for line in lines), lines
    assert lines[-1] == "2 of 2 runs succeeded", lines  # on its own line, not glued to a bar


def test_ctrl_c_stops_following_not_the_run_and_says_how_to_follow_it_again(worker, replay_log, clean_db):
    replay_log.latency = 0.1  # a run long enough to interrupt
    code, out = on_a_terminal("sync", "--year", "2024", "--no-results", interrupt_after="requests")
    assert code == 130, out
    run_id = re.search(r"python -m ingestion follow ([0-9a-f-]{36})", out).group(1)
    replay_log.latency = 0.0
    again = subprocess.run([sys.executable, "-m", "ingestion", "follow", run_id], cwd=REPO, capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 0 and "[succeeded]" in again.stdout  # the run went on, and ended well


def finish_after(database: str, run_id: str, delay: float, steps: int = 0) -> tuple[threading.Thread, list[float]]:
    """A thread that records `steps` progress changes over `delay` seconds, then ends the run (its one round
    done); the list gets the monotonic time at which the run ended."""
    import psycopg

    from workers.db import runs

    ended: list[float] = []

    def progress_then_end() -> None:
        with psycopg.connect(database, autocommit=True) as conn:
            for _ in range(steps):
                time.sleep(delay / (steps + 1))  # a run making progress over time: what the follower shows
                runs.add_round_counts(conn, run_id, "1", requests=1)
            time.sleep(delay / (steps + 1))
            runs.mark_round(conn, run_id, "1", "done")
            runs.finish_run_if_complete(conn, run_id)
            ended.append(time.monotonic())

    thread = threading.Thread(target=progress_then_end)
    thread.start()
    return thread, ended


def planned_run(db) -> str:
    from workers.db import runs

    run_id = str(uuid.uuid4())
    runs.start_run(db, run_id, "season", "openf1", {"year": 2024, "include_results": False})
    runs.add_run_requests(db, run_id, 1)
    runs.plan_run(db, run_id, [(2024, "1")], False)
    return run_id


def test_following_sees_a_run_end_within_a_fraction_of_a_second(database, clean_db, capsys):
    from ingestion.follow import follow

    run_id = planned_run(clean_db)
    thread, ended = finish_after(database, run_id, delay=0.6)
    assert follow(run_id, timeout=10) == 0
    seen = time.monotonic()
    thread.join()
    assert seen - ended[0] < 0.25  # looks at most 0.1 s apart (it was 1 s: the end went unseen up to a second)
    assert "[succeeded] rounds 1/1" in capsys.readouterr().out


def test_a_run_that_ends_is_seen_at_once_however_long_the_wait_between_looks(database, clean_db, capsys):
    from ingestion.follow import follow

    run_id = planned_run(clean_db)
    thread, ended = finish_after(database, run_id, delay=1.2)
    assert follow(run_id, timeout=10, poll=5.0) == 0  # looks 1.04 s and 1.61 s after the start: a 0.4 s gap
    seen = time.monotonic()
    thread.join()
    assert seen - ended[0] < 0.15  # the run's NOTIFY woke the follower up
    assert "[succeeded] rounds 1/1" in capsys.readouterr().out


def test_off_a_terminal_progress_lines_come_at_most_once_a_second_and_the_last_one_always(database, clean_db, capsys):
    from ingestion.follow import follow

    run_id = planned_run(clean_db)
    thread, _ = finish_after(database, run_id, delay=1.5, steps=15)  # a change every 0.1 s, looks as often
    started = time.monotonic()
    assert follow(run_id, timeout=10) == 0
    followed = time.monotonic() - started
    thread.join()
    *progress, last = capsys.readouterr().out.splitlines()
    assert 1 <= len(progress) <= int(followed) + 1  # 16 changes seen, one line a second at most
    assert last.startswith("[succeeded] rounds 1/1, 0 failed, 16 requests")


def test_looks_at_the_run_table_start_often_and_slow_down_to_the_longest_wait():
    from itertools import islice

    from ingestion.follow import FIRST_LOOK, look_waits

    waits = list(islice(look_waits(0.1), 8))
    assert waits[0] == FIRST_LOOK and waits == sorted(waits) and max(waits) == waits[-1] == 0.1

