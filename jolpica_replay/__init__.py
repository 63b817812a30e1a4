"""Jolpica-F1 replay server: Ergast's CSV export (1950-2024) served offline like https://api.jolpi.ca/ergast/f1.

Season-level endpoints in Jolpica's exact form (MRData envelope, every value a string, Jolpica's key order and
formatting), with Jolpica's paging (rows, not races; limit at most 100), its limits (4/second and 500/hour in
fixed windows, 429 `Request was throttled.`), 403 for cache-busting parameters, injected faults and the
``/__replay/*`` controls of ``replay_kit``, which the three replays stand on.

    from jolpica_replay import JolpicaReplayServer
    with JolpicaReplayServer(data_dir="recordings/jolpica", rate_limit=None) as srv:
        requests.get(f"{srv.base_url}/2022/results.json", params={"limit": 100})

Command line: ``python -m jolpica_replay --help``.
"""

from .dump import DATA_DIR_ENV, ErgastDump, default_data_dir, load_dump
from .server import JOLPICA_RATE_LIMIT, JolpicaReplayServer, scaled
from .tables import DEFAULT_LIMIT, ENDPOINTS, MAX_LIMIT, Catalogue, paging

__all__ = [
    "DATA_DIR_ENV",
    "DEFAULT_LIMIT",
    "ENDPOINTS",
    "JOLPICA_RATE_LIMIT",
    "MAX_LIMIT",
    "Catalogue",
    "ErgastDump",
    "JolpicaReplayServer",
    "default_data_dir",
    "load_dump",
    "paging",
    "scaled",
]
