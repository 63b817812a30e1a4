"""Load recorded OpenF1 responses from a data directory.

Loading rule: every ``*.json`` file directly in the data directory is loaded,
plus every ``*.json`` file in its immediate subfolders whose name is a 4-digit
year (``2023/``, ``2024/`` ...).  Other subfolders are ignored, so pointing at
``recordings/openf1`` loads ``2023/`` and ``2024/`` but not the snapshot or
the 2026 format examples; point at the snapshot folder itself to serve it.

The endpoint of a file is its name without the suffix matched by
``(_session_\\d+|_all_[\\w.-]+)?\\.json$``: ``drivers_session_9472.json`` ->
``drivers``, ``session_result_all_2023-2025.json`` -> ``session_result``,
``meetings.json`` -> ``meetings``.  A file holding a single JSON object counts
as a list of one record.  Files are read in natural order (numeric parts
compared as numbers) and records keep their order within a file.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

LOADING_RULE = (
    "Loads every *.json directly in DIR plus every *.json in DIR's immediate "
    "subfolders named as a 4-digit year (e.g. 2023/, 2024/); other subfolders "
    "are ignored. Endpoint = file name minus '(_session_N|_all_...)?.json'."
)

DATA_DIR_ENV = "OPENF1_REPLAY_DIR"
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1] / "recordings" / "openf1"

_ENDPOINT_SUFFIX = re.compile(r"(_session_\d+|_all_[\w.-]+)?\.json$")
_YEAR_DIR = re.compile(r"^\d{4}$")
_DIGITS = re.compile(r"(\d+)")

Records = dict[str, list[dict]]


def default_data_dir() -> Path:
    """``$OPENF1_REPLAY_DIR`` if set, else the repository's ``recordings/openf1``."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    return DEFAULT_DATA_DIR


def endpoint_for_filename(name: str) -> str:
    """Map a recorded file name to the OpenF1 endpoint it answers."""
    match = _ENDPOINT_SUFFIX.search(name)
    if match is None:
        raise ValueError(f"not a .json file name: {name!r}")
    return name[: match.start()]


def natural_key(text: str) -> tuple:
    """Sort key comparing digit runs numerically (``x_9`` before ``x_10``)."""
    parts = _DIGITS.split(text)
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts))


def data_files(data_dir: Path | str) -> list[Path]:
    """The JSON files the loading rule selects, in natural order."""
    root = Path(data_dir)
    if not root.exists():
        raise FileNotFoundError(f"OpenF1 replay data directory not found: {root}")
    if not root.is_dir():
        raise NotADirectoryError(f"OpenF1 replay data path is not a directory: {root}")
    folders = [root] + [child for child in root.iterdir() if _is_year_dir(child)]
    files = [path for folder in folders for path in folder.glob("*.json") if _is_data_file(path)]
    return sorted(files, key=lambda path: natural_key(path.relative_to(root).as_posix()))


def load_records(data_dir: Path | str | None = None) -> Records:
    """Load ``{endpoint: [record, ...]}`` from a data directory (see module doc)."""
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    files = data_files(root)
    if not files:
        raise FileNotFoundError(f"no *.json files found in OpenF1 replay data directory {root} ({LOADING_RULE})")
    records: Records = {}
    for path in files:
        records.setdefault(endpoint_for_filename(path.name), []).extend(read_records(path))
    return records


def read_records(path: Path) -> list[dict]:
    """Read one recorded file as a list of record objects."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON in {path}: {error}") from error
    if isinstance(content, dict):
        return [content]
    if isinstance(content, list) and all(isinstance(item, dict) for item in content):
        return content
    raise ValueError(f"{path} must hold a JSON object or an array of objects")


def _is_year_dir(path: Path) -> bool:
    return path.is_dir() and bool(_YEAR_DIR.match(path.name))


def _is_data_file(path: Path) -> bool:
    return path.is_file() and not path.name.startswith(".")
