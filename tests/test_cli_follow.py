"""Following a run: a live bar on a terminal, plain lines otherwise; Ctrl-C stops following, not the run,
and says how to follow it again."""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO

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


def test_on_a_terminal_sync_draws_a_live_bar_with_requests_waits_and_elapsed(worker, replay_log, clean_db, data_dir):
    from tests import recorded

    meetings = recorded.season(data_dir, 2024).meetings
    code, out = on_a_terminal("sync", "--year", "2024", "--no-results")
    assert code == 0, out
    assert "\r" in out and re.search(rf"\[#{{24}}\] {meetings}/{meetings} rounds · \d+ requests · \d+ rate-limit waits · \d+s", out)
    assert not re.search(r"(?i)position|points", out)


def test_ctrl_c_stops_following_not_the_run_and_says_how_to_follow_it_again(worker, replay_log, clean_db):
    replay_log.latency = 0.1  # a run long enough to interrupt
    code, out = on_a_terminal("sync", "--year", "2024", "--no-results", interrupt_after="requests")
    assert code == 130, out
    run_id = re.search(r"python -m ingestion follow ([0-9a-f-]{36})", out).group(1)
    replay_log.latency = 0.0
    again = subprocess.run([sys.executable, "-m", "ingestion", "follow", run_id], cwd=REPO, capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 0 and "[succeeded]" in again.stdout  # the run went on, and ended well
