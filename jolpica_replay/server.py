"""In-process Jolpica-F1 replay server: the Ergast CSV export served like https://api.jolpi.ca/ergast/f1.

    with JolpicaReplayServer(data_dir="recordings/jolpica", rate_limit=None) as srv:
        requests.get(f"{srv.base_url}/2022/results.json", params={"limit": 100})

Limits: Jolpica's `4/second;500/hour` unless told otherwise, in fixed windows counting every request (see
`replay_kit.ratelimit.FixedWindowLimiter`); `time_scale` S divides every period (S=3600 makes the hour a
second). Controls: ``GET /__replay/stats``, ``GET /__replay/health``, ``POST /__replay/reset``.
"""

from __future__ import annotations

from pathlib import Path

from replay_kit.faults import FaultPlan
from replay_kit.ratelimit import FixedWindowLimiter, RateLimitSpec, parse_rate_limit, scaled
from replay_kit.server import DEFAULT_HOST, ReplayBase
from replay_kit.state import ReplayState

from .dump import ErgastDump, default_data_dir, dump_folder, load_dump
from .handler import API_PREFIX, JolpicaRequestHandler
from .tables import Catalogue

JOLPICA_RATE_LIMIT = "4/second;500/hour"


class JolpicaReplayServer(ReplayBase):
    """The Ergast export served over HTTP from a background daemon thread."""

    handler_class = JolpicaRequestHandler
    thread_name = "jolpica-replay"

    def __init__(
        self,
        data_dir: str | Path | None = None,
        host: str = DEFAULT_HOST,
        port: int = 0,
        rate_limit: RateLimitSpec = JOLPICA_RATE_LIMIT,
        time_scale: float = 1.0,
        latency: float = 0.0,
        *,
        dump: ErgastDump | None = None,
        verbose: bool = False,
        faults: FaultPlan | None = None,
    ) -> None:
        """Load the export now (`dump`, already loaded, replaces `data_dir`)."""
        self.data_dir = None if dump is not None else dump_folder(data_dir or default_data_dir())
        self.dump = dump if dump is not None else load_dump(self.data_dir)
        self.catalogue = Catalogue(self.dump)
        self._set_up(host, port, latency, faults, verbose)  # latency unchecked here: a negative one is no delay
        self.time_scale = time_scale
        self.state = ReplayState(scaled(parse_rate_limit(rate_limit), time_scale), limiter=FixedWindowLimiter)

    @property
    def base_url(self) -> str:
        return f"{self.root_url}{API_PREFIX}"

    def set_rate_limit(self, spec: RateLimitSpec, time_scale: float | None = None) -> None:
        """New rules (None disables), scaled by `time_scale` (default: the server's); the windows start again."""
        if time_scale is not None:
            self.time_scale = time_scale
        self.state.set_rules(scaled(parse_rate_limit(spec), self.time_scale))

    def reset(self) -> None:
        """Clear stats and the limits' windows."""
        self.state.reset()
        self.storm_until = 0.0

    def __repr__(self) -> str:
        state = self.base_url if self.running else "stopped"
        return f"<JolpicaReplayServer {self.data_dir or '<dump>'} {len(self.dump.seasons)} seasons {state}>"
