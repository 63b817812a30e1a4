"""Where the recorded answers of every source are (the repository's recordings/, each folder with its SOURCES.md,
or the folder an environment variable names), and the one check that one is there: a missing recording fails the
tests that read it, saying where it was looked for; it never skips them."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RECORDINGS = REPO / "recordings"
OPENF1_DIR = Path(os.environ.get("OPENF1_REPLAY_DIR", RECORDINGS / "openf1")).resolve()
JOLPICA_DIR = Path(os.environ.get("JOLPICA_REPLAY_DIR", RECORDINGS / "jolpica")).resolve()
THIRDTURN_DIR = Path(os.environ.get("THIRDTURN_REPLAY_DIR", RECORDINGS / "thethirdturn")).resolve()


def require(path: Path, what: str, variable: str | None = None) -> Path:
    """`path` if it is a folder, else an AssertionError: `what` was not found there (and which variable moves it)."""
    assert Path(path).is_dir(), f"{what} not found at {path}" + (f" (set {variable})" if variable else "")
    return Path(path)
