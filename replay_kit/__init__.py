"""What the replays (``openf1_replay``, ``jolpica_replay``, ``thirdturn_replay``) stand on: a recorded source
served offline on this machine, with the live source's limits and failures.

- ``server``: the background HTTP server (``BackgroundServer``) and a replay's base (``ReplayBase``: state,
  faults, 429 storm, latency).
- ``handler``: the request handler every replay's extends: the controls ``GET /__replay/stats``,
  ``GET /__replay/health``, ``POST /__replay/reset``, the limiter's admission, injected faults.
- ``ratelimit``: sliding windows (OpenF1) and fixed windows (Jolpica, the wiki), the ``N/PERIOD`` parser, the
  time scale (``scaled``).
- ``faults``: upstream faults drawn at random but reproducibly.
- ``state``: the limiter, counters and request log behind ``/__replay/stats``.
- ``cli``: the options every replay's command has, the bind address (loopback unless ``--host`` says
  otherwise), start, serve until a signal, stop.

A replay imports from here and from its own modules, never from another replay. Production code
(``workers``, ``tasks``, ``ingestion``) imports no replay and not this kit.
"""

from .faults import KINDS, FaultPlan, parse_kinds
from .handler import CONTROL_PREFIX, ReplayRequestHandler, encode_json
from .ratelimit import (FixedWindowLimiter, RateLimitSpec, RateRule, SlidingWindowLimiter, describe_rules,
                        max_in_window, parse_rate_limit, scaled)
from .server import DEFAULT_HOST, BackgroundServer, CheckedLatency, ReplayBase, ReplayHTTPServer
from .state import Admission, ReplayState

__all__ = [
    "CONTROL_PREFIX",
    "DEFAULT_HOST",
    "KINDS",
    "Admission",
    "BackgroundServer",
    "CheckedLatency",
    "FaultPlan",
    "FixedWindowLimiter",
    "RateLimitSpec",
    "RateRule",
    "ReplayBase",
    "ReplayHTTPServer",
    "ReplayRequestHandler",
    "ReplayState",
    "SlidingWindowLimiter",
    "describe_rules",
    "encode_json",
    "max_in_window",
    "parse_kinds",
    "parse_rate_limit",
    "scaled",
]
