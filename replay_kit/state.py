"""Request statistics and the rate limiter, shared by all handler threads."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Callable, Iterable

from .ratelimit import FixedWindowLimiter, RateRule, SlidingWindowLimiter

Limiter = SlidingWindowLimiter | FixedWindowLimiter

DEFAULT_LOG_LIMIT = 100_000


@dataclass(frozen=True)
class Admission:
    """The limiter's decision for one data request."""

    t: float
    accepted: bool
    generation: int
    retry_after: float = 0.0  # refused by the limiter: seconds until it has room again


class ReplayState:
    """Limiter window plus counters and request log, guarded by one lock."""

    def __init__(self, rules: Iterable[RateRule] = (), log_limit: int = DEFAULT_LOG_LIMIT,
                 limiter: Callable[[Iterable[RateRule]], Limiter] = SlidingWindowLimiter) -> None:
        self._lock = threading.Lock()
        self._limiter = limiter(rules)
        self._log_limit = log_limit
        self._generation = 0
        self._clear_stats()

    def admit(self, endpoint: str, storm: bool = False) -> Admission:
        """Ask the limiter about a request now and count the decision (a storm refuses everything)."""
        with self._lock:
            now = time.monotonic()
            accepted = not storm and self._limiter.try_acquire(now)
            if accepted:
                self._requests += 1
                self._by_endpoint[endpoint] += 1
            else:
                self._rejected += 1
            wait = 0.0 if accepted or storm else self._limiter.retry_after(now)
            return Admission(now, accepted, self._generation, wait)

    def unmetered(self) -> Admission:
        """An admission for a request answered before the limiter is asked (counted neither as a request nor as
        rejected), so that it can still be logged."""
        with self._lock:
            return Admission(time.monotonic(), False, self._generation)

    def log(self, admission: Admission, path: str, query: str, status: int, authenticated: bool = False,
            **extra) -> None:
        """Append a log entry (with a replay's `extra` fields) unless stats were reset since the admission."""
        entry = {"t": admission.t, "path": path, "query": query, "status": status, "auth": authenticated, **extra}
        with self._lock:
            if admission.generation == self._generation:
                self._log.append(entry)

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "requests": self._requests,
                "rejected": self._rejected,
                "by_endpoint": dict(self._by_endpoint),
                "log": [dict(entry) for entry in self._log],
            }

    def reset(self) -> None:
        """Clear counters, log and the limiter window."""
        with self._lock:
            self._generation += 1
            self._clear_stats()
            self._limiter.reset()

    def set_rules(self, rules: Iterable[RateRule]) -> None:
        with self._lock:
            self._limiter.set_rules(rules)

    @property
    def rules(self) -> list[RateRule]:
        with self._lock:
            return list(self._limiter.rules)

    def _clear_stats(self) -> None:
        self._requests = 0
        self._rejected = 0
        self._by_endpoint: Counter[str] = Counter()
        self._log: deque[dict] = deque(maxlen=self._log_limit)
