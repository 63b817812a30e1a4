"""A program of the repository run as its operator would (`python -m MODULE ARGS`), for a test that talks to it
while it runs: its output piped, and whatever the test asserted, killed if still running and its pipes closed."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from typing import Iterator

from harness.recordings import REPO


@contextmanager
def running(module: str, *args: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen([sys.executable, "-m", module, *args], cwd=REPO, env={**os.environ, **(env or {})},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
