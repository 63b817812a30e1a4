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

import socket
import socketserver
import secrets
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Mapping

from .handler import ReplayRequestHandler
from .loader import default_data_dir, load_records
from .faults import FaultPlan
from .ratelimit import RateLimitSpec, RateRule, parse_rate_limit
from .state import ReplayState

DEFAULT_HOST = "127.0.0.1"


class ReplayHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server whose handlers reach their replay as ``self.server.replay``."""

    daemon_threads = True
    block_on_close = False  # idle keep-alive connections must not block stop()

    def __init__(self, address: tuple[str, int], replay: "BackgroundServer", handler_class=ReplayRequestHandler) -> None:
        self.replay = replay
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler_class)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # skip the slow getfqdn() lookup
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address) -> None:
        if self.replay.verbose:
            super().handle_error(request, client_address)


class BackgroundServer:
    """An HTTP server answering from a background daemon thread: start, stop, port, root URL, ``with``.

    Subclasses name their request handler (``handler_class``, which reads ``self.server.replay``) and their
    thread, and set ``host``, ``verbose`` and ``_requested_port`` before starting."""

    handler_class = ReplayRequestHandler
    thread_name = "openf1-replay"
    host: str
    verbose: bool
    _requested_port: int
    _httpd: ReplayHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1] if self._httpd else self._requested_port

    @property
    def root_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self):
        if self.running:
            raise RuntimeError(f"{type(self).__name__} is already running")
        self._httpd = ReplayHTTPServer((self.host, self._requested_port), self, self.handler_class)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"{self.thread_name}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if not self.running:
            return
        httpd, thread = self._httpd, self._thread
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
        self._requested_port = httpd.server_address[1]
        self._httpd = self._thread = None

    def __enter__(self):
        return self if self.running else self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def scaled(rules: list[RateRule], time_scale: float) -> list[RateRule]:
    """The rules with every period divided by `time_scale`."""
    if time_scale <= 0:
        raise ValueError(f"time scale must be > 0, got {time_scale}")
    return [RateRule(rule.limit, rule.period / time_scale) for rule in rules]


class ReplayBase(BackgroundServer):
    """What every replay server has beyond serving: ``state`` (the limiter, counters and log behind
    ``GET /__replay/stats``), ``faults``, a 429 storm, a ``latency`` and ``verbose``."""

    state: ReplayState
    faults: FaultPlan
    storm_until: float
    latency: float

    def _set_up(self, host: str, port: int, latency: float, faults: FaultPlan | None, verbose: bool) -> None:
        """The settings every replay takes alike (``latency`` goes through a subclass's property, if any)."""
        self.host = host
        self.verbose = verbose
        self.latency = latency
        self.faults = faults or FaultPlan()
        self.storm_until = 0.0  # time.monotonic() until which every (data) request is refused with 429
        self._requested_port = port

    @property
    def rate_limit(self) -> list[RateRule]:
        """The rules in force (periods already divided by the time scale, where there is one)."""
        return self.state.rules

    def stats(self) -> dict:
        """Same dict as ``GET /__replay/stats``."""
        return self.state.snapshot()

    def storm(self, seconds: float) -> None:
        """Refuse every (data) request with 429 for the next `seconds` (a burst of 429s)."""
        self.storm_until = time.monotonic() + seconds


class CheckedLatency:
    """A ``latency`` property: seconds (None is 0), never negative."""

    _latency: float = 0.0

    @property
    def latency(self) -> float:
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        seconds = float(seconds or 0.0)
        if seconds < 0:
            raise ValueError(f"latency must be >= 0 seconds, got {seconds}")
        self._latency = seconds


class ReplayServer(CheckedLatency, ReplayBase):
    """Recorded OpenF1 data served over HTTP from a background daemon thread."""

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
