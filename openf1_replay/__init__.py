"""OpenF1 replay server: recorded OpenF1 API responses served offline.

Mimics https://api.openf1.org/v1 (filters, 404 ``{"detail":"No results found."}``,
optional 429 ``Rate exceeded`` rate limiting and latency) so the ingestion code,
its tests and demos run without internet.  Built on ``replay_kit`` (server,
limits, faults, controls), as the other replays are.

Data directory loading rule: every ``*.json`` directly in DIR plus every
``*.json`` in DIR's immediate subfolders named as a 4-digit year (``2023/``,
``2024/``); other subfolders (snapshots, format examples) are ignored unless
DIR points at them.  Endpoint = file name minus ``(_session_N|_all_...)?.json``.
Default DIR: ``$OPENF1_REPLAY_DIR``, else the repository's ``recordings/openf1``.

    from openf1_replay import ReplayServer
    with ReplayServer(data_dir="recordings/openf1", rate_limit="3/second") as srv:
        requests.get(f"{srv.base_url}/sessions", params={"year": 2024})

Live mode (a recorded meeting served as happening now, see ``live``):

    from openf1_replay import LiveWeekend, ReplayServer
    with ReplayServer(live=LiveWeekend.scenario("belgium-2024", session_seconds=20)) as srv:
        requests.get(f"{srv.root_url}/__replay/live").json()

Command line: ``python -m openf1_replay --help``.
"""

from replay_kit.ratelimit import RateRule, SlidingWindowLimiter, max_in_window, parse_rate_limit

from .live import LiveEvent, LiveWeekend
from .loader import LOADING_RULE, default_data_dir, endpoint_for_filename, load_records
from .query import NO_RESULTS, Filter, QueryError, answer_query, parse_query
from .server import ReplayServer

__all__ = [
    "LOADING_RULE",
    "NO_RESULTS",
    "Filter",
    "LiveEvent",
    "LiveWeekend",
    "QueryError",
    "RateRule",
    "ReplayServer",
    "SlidingWindowLimiter",
    "answer_query",
    "default_data_dir",
    "endpoint_for_filename",
    "load_records",
    "max_in_window",
    "parse_query",
    "parse_rate_limit",
]
