"""The background HTTP server every replay runs on, and the settings every replay takes alike.

``BackgroundServer`` answers from a daemon thread (start, stop, port, root URL, ``with``); ``ReplayBase`` adds
what a replay has beyond serving: its ``state`` (limiter, counters and log behind ``GET /__replay/stats``),
its ``faults``, a 429 storm, a ``latency`` and ``verbose``. A replay subclasses ``ReplayBase``, names its
request handler (a subclass of ``replay_kit.handler.ReplayRequestHandler``) and its thread.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from http.server import ThreadingHTTPServer

from .faults import FaultPlan
from .handler import ReplayRequestHandler
from .ratelimit import RateRule
from .state import ReplayState

DEFAULT_HOST = "127.0.0.1"


class ReplayHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server whose handlers reach their replay as ``self.server.replay``."""

    daemon_threads = True
    block_on_close = False  # idle keep-alive connections must not block stop()

    def __init__(self, address: tuple[str, int], replay: "BackgroundServer",
                 handler_class=ReplayRequestHandler) -> None:
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
    thread_name = "replay"
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

    @property
    def storming(self) -> bool:
        """Whether a 429 storm refuses every (data) request now."""
        return time.monotonic() < self.storm_until

    def stats(self) -> dict:
        """Same dict as ``GET /__replay/stats``."""
        return self.state.snapshot()

    def storm(self, seconds: float) -> None:
        """Refuse every (data) request with 429 for the next `seconds` (a burst of 429s)."""
        self.storm_until = time.monotonic() + seconds

    def reset(self) -> None:
        """Clear stats and the limiter's window (``POST /__replay/reset``)."""
        self.state.reset()


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
