"""In-process OpenF1 replay server.

Serves recorded OpenF1 API responses (see ``loader`` for which files of the
data directory are loaded) at ``GET /v1/<endpoint>?<filters>`` like
https://api.openf1.org/v1, with optional production-like rate limiting
(429 ``Rate exceeded``) and latency, plus control endpoints
``GET /__replay/stats``, ``GET /__replay/health`` and ``POST /__replay/reset``.

    with ReplayServer(data_dir="recordings/openf1", rate_limit="3/second") as srv:
        requests.get(f"{srv.base_url}/drivers", params={"session_key": 9472})

With ``live=LiveWeekend(...)`` a recorded meeting is served as happening now
(see ``live``), and ``GET /__replay/live`` gives its timeline.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

from replay_kit.faults import FaultPlan
from replay_kit.ratelimit import RateLimitSpec, parse_rate_limit
from replay_kit.server import DEFAULT_HOST, CheckedLatency, ReplayBase
from replay_kit.state import ReplayState

from .handler import OpenF1RequestHandler
from .live import LiveWeekend, load_initial_results
from .loader import default_data_dir, load_records
from .query import answer_query
from .timeline import LiveSeason


class ReplayServer(CheckedLatency, ReplayBase):
    """Recorded OpenF1 data served over HTTP from a background daemon thread."""

    handler_class = OpenF1RequestHandler
    thread_name = "openf1-replay"

    def __init__(
        self,
        data_dir: str | Path | None = None,
        host: str = DEFAULT_HOST,
        port: int = 0,
        rate_limit: RateLimitSpec = None,
        latency: float = 0.0,
        *,
        records: Mapping[str, list[dict]] | None = None,
        verbose: bool = False,
        credentials: tuple[str, str] | None = None,
        token_ttl: float = 3600.0,
        faults: FaultPlan | None = None,
        live: LiveWeekend | None = None,
    ) -> None:
        """Load the data now; ``records`` ({endpoint: [...]}) replaces ``data_dir``. ``live`` serves one recorded
        meeting as happening now, from each start of the server (a wrong meeting or event: ValueError now)."""
        if records is None:
            self.data_dir: Path | None = Path(data_dir or default_data_dir()).resolve()
            self.records = load_records(self.data_dir)
        else:
            self.data_dir = None
            self.records = {str(endpoint): list(rows) for endpoint, rows in records.items()}
        self.credentials = credentials  # sponsor login accepted by POST /token, if any
        self.token_ttl = token_ttl
        self.tokens_issued = 0
        self._tokens: dict[str, float] = {}
        self._set_up(host, port, latency, faults, verbose)
        self.state = ReplayState(parse_rate_limit(rate_limit))
        self.live = live
        self._initial_results = load_initial_results(live.initial_results, self.data_dir or default_data_dir()) \
            if live is not None else []
        self.live_season: LiveSeason | None = self._live_season()

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def endpoints(self) -> list[str]:
        return sorted(self.records)

    @property
    def record_count(self) -> int:
        return sum(len(rows) for rows in self.records.values())

    def now(self) -> datetime:
        """The wall clock the answers follow (UTC; a live weekend's own clock, if it has one)."""
        return self.live.now() if self.live is not None else datetime.now(timezone.utc)

    def answer(self, endpoint: str, query: str, now: datetime | None = None) -> tuple[int, object]:
        """HTTP status and JSON payload of ``GET /v1/<endpoint>?<query>`` (live: as of `now`, default now)."""
        if self.live_season is None:
            return answer_query(self.records, endpoint, query)
        return self.live_season.answer(endpoint, query, now or self.now())

    def session_running(self, now: datetime | None = None) -> bool:
        """Whether a live session runs, so the free tier is locked out (never without a live weekend)."""
        return self.live_season is not None and self.live_season.session_running(now or self.now())

    def live_timeline(self, now: datetime | None = None) -> dict:
        """Same dict as ``GET /__replay/live``: the live weekend's clock, sessions and events as of `now`."""
        if self.live_season is None:
            raise RuntimeError("this replay serves no live weekend (ReplayServer(live=LiveWeekend(...)))")
        return self.live_season.timeline(now or self.now())

    def set_rate_limit(self, spec: RateLimitSpec) -> None:
        """Change the rules at run time (None disables); the window is kept."""
        self.state.set_rules(parse_rate_limit(spec))

    def reset(self) -> None:
        """Clear stats and the rate-limit window; a lock-out starts again (a live weekend keeps its clock)."""
        self.state.reset()
        self.faults.restart()

    def issue_token(self, username: str | None, password: str | None) -> str | None:
        """A new bearer token for the configured credentials, or None."""
        if self.credentials is None or (username, password) != tuple(self.credentials):
            return None
        token = secrets.token_urlsafe(24)
        self._tokens[token] = time.monotonic() + self.token_ttl
        self.tokens_issued += 1
        return token

    def token_valid(self, token: str) -> bool:
        expiry = self._tokens.get(token)
        return expiry is not None and time.monotonic() < expiry

    def start(self) -> "ReplayServer":
        """Serve; a live weekend's t0 counts from now."""
        self.faults.restart()
        self.live_season = self._live_season()
        return super().start()

    def _live_season(self) -> LiveSeason | None:
        if self.live is None:
            return None
        return LiveSeason(self.live, self.records, self.now(), self._initial_results)

    def __repr__(self) -> str:
        source = self.data_dir or "<records>"
        state = self.base_url if self.running else "stopped"
        return f"<ReplayServer {source} {self.record_count} records {state}>"
