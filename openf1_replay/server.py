"""In-process OpenF1 replay server.

Serves recorded OpenF1 API responses (see ``loader`` for which files of the
data directory are loaded) at ``GET /v1/<endpoint>?<filters>`` like
https://api.openf1.org/v1, with optional production-like rate limiting
(429 ``Rate exceeded``) and latency, plus control endpoints
``GET /__replay/stats``, ``GET /__replay/health`` and ``POST /__replay/reset``.

    with ReplayServer(data_dir="recordings/openf1", rate_limit="3/second") as srv:
        requests.get(f"{srv.base_url}/drivers", params={"session_key": 9472})
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
from .loader import default_data_dir, load_records
from .query import answer_query


class ReplayServer(CheckedLatency, ReplayBase):
    """Recorded OpenF1 data served over HTTP from a background daemon thread."""

    handler_class = OpenF1RequestHandler
    thread_name = "openf1-replay"
    live = None

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
    ) -> None:
        """Load the data now; ``records`` ({endpoint: [...]}) replaces ``data_dir``."""
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
        """The wall clock the answers follow (UTC)."""
        return datetime.now(timezone.utc)

    def answer(self, endpoint: str, query: str, now: datetime | None = None) -> tuple[int, object]:
        """HTTP status and JSON payload of ``GET /v1/<endpoint>?<query>``."""
        return answer_query(self.records, endpoint, query)

    def session_running(self, now: datetime | None = None) -> bool:
        """Whether a session runs now, so the free tier is locked out (only a live weekend has one)."""
        return False

    def set_rate_limit(self, spec: RateLimitSpec) -> None:
        """Change the rules at run time (None disables); the window is kept."""
        self.state.set_rules(parse_rate_limit(spec))

    def reset(self) -> None:
        """Clear stats and the rate-limit window; a lock-out starts again."""
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
        self.faults.restart()
        return super().start()

    def __repr__(self) -> str:
        source = self.data_dir or "<records>"
        state = self.base_url if self.running else "stopped"
        return f"<ReplayServer {source} {self.record_count} records {state}>"
